-- Lesson 2: how a query runs — plans, the optimizer, indexes.
--
--     cutaway < lessons/02-query-plans.sql
-- A SELECT becomes a tree of operators (a "plan"). Rows flow up the tree, one at a time:
-- each node pulls rows from its children (the Volcano model).
CREATE TABLE authors (id INTEGER PRIMARY KEY, name STRING NOT NULL, country STRING INDEX);
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title STRING NOT NULL,
    author_id INTEGER REFERENCES authors,
    year INTEGER
);
INSERT INTO authors VALUES (1, 'Ursula K. Le Guin', 'US'), (2, 'Stanisław Lem', 'PL'), (3, 'Octavia Butler', 'US');
INSERT INTO books VALUES
    (1, 'The Dispossessed', 1, 1974), (2, 'Solaris', 2, 1961),
    (3, 'Kindred', 3, 1979), (4, 'The Lathe of Heaven', 1, 1971);

-- The optimized plan. `id = 2` on the primary key becomes a direct key lookup: no scan.
.explain SELECT title FROM books WHERE id = 2

-- The plan after every optimizer pass; `*` marks what a pass changed.
-- The filter on `country`, an indexed column, turns into an index lookup.
.explain steps SELECT name FROM authors WHERE country = 'US'

-- A join on equal columns becomes a hash join.
.explain SELECT a.name, b.title FROM books b JOIN authors a ON b.author_id = a.id WHERE b.year > 1970

-- EXPLAIN ANALYZE runs the query and counts rows and time at every node.
.explain analyze SELECT a.name, count(*) FROM books b JOIN authors a ON b.author_id = a.id GROUP BY a.name

-- A foreign key is checked on every write: there is no author 9.
INSERT INTO books VALUES (5, 'Nobody', 9, 2000);
