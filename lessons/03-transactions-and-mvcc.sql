-- Lesson 3: transactions, snapshots and versions (MVCC).
--
--     cutaway < lessons/03-transactions-and-mvcc.sql
-- Every write makes a new *version* of a row, tagged with the writing transaction's number.
-- A transaction reads a snapshot: the versions committed before it began, plus its own.
CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner STRING, balance INTEGER);
INSERT INTO accounts VALUES (1, 'ann', 100), (2, 'bob', 50);

-- Two sessions are two clients. Alice starts a transaction and moves money…
.session alice
BEGIN;
UPDATE accounts SET balance = balance - 30 WHERE id = 1;
UPDATE accounts SET balance = balance + 30 WHERE id = 2;

-- …Bob, meanwhile, still sees the old balances: Alice has not committed.
.session bob
BEGIN;
SELECT * FROM accounts;

-- `.mvcc` draws every version of every row, and which session sees which, and why.
.mvcc accounts

-- Bob tries to write a row that Alice changed: a write-write conflict. It fails at once
-- with a serialization error; Bob would retry his transaction.
UPDATE accounts SET balance = 0 WHERE id = 1;
ROLLBACK;

.session alice
COMMIT;
SELECT * FROM accounts;

-- Time travel: a read-only transaction AS OF an old version sees the past.
-- Version 2 is the transaction that inserted the rows (version 1 created the table).
BEGIN READ ONLY AS OF SYSTEM TIME 3;
SELECT * FROM accounts;
COMMIT;
.mvcc txns
