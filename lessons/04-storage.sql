-- Lesson 4: how rows are stored — keys, versions and the storage engine.
--
--     cutaway < lessons/04-storage.sql
-- Everything is a key/value pair in one ordered map. Keys use an order-preserving encoding,
-- so all rows of a table sit next to each other in primary-key order, and a table scan is
-- a range scan.
CREATE TABLE colors (id INTEGER PRIMARY KEY, name STRING UNIQUE, hex STRING);
INSERT INTO colors VALUES (1, 'red', 'ff0000'), (2, 'green', '00ff00'), (10, 'blue', '0000ff');

-- The encoded key (hex) beside what it means. Note how row 10 sorts after row 2: integers
-- are encoded big-endian with the sign bit flipped, so byte order is number order.
.keys colors

-- Each write adds a version; a delete adds a tombstone.
UPDATE colors SET hex = 'ee0000' WHERE id = 1;
DELETE FROM colors WHERE id = 2;
.mvcc colors

-- The engine's own figures: keys, bytes, garbage that compaction would reclaim.
.status

-- Run `cutaway --data mydb` to store all of this in a BitCask log on disk instead:
-- an append-only file with a checksum on every record, replayed when the database opens.
