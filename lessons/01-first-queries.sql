-- Lesson 1: a first table and a first SELECT.
--
-- Type these lines into `cutaway` one at a time, or replay the whole lesson with
--     cutaway < lessons/01-first-queries.sql
-- Every table needs exactly one PRIMARY KEY: it is how Cutaway finds a row.
CREATE TABLE planets (
    id INTEGER PRIMARY KEY,
    name STRING NOT NULL,
    moons INTEGER,
    radius FLOAT
);

-- Several rows in one INSERT. A column left out of the list gets its DEFAULT (here NULL).
INSERT INTO planets VALUES
    (1, 'Mercury', 0, 2439.7),
    (2, 'Venus', 0, 6051.8),
    (3, 'Earth', 1, 6371.0),
    (4, 'Mars', 2, 3389.5);
INSERT INTO planets (id, name) VALUES (5, 'Planet X');

-- All rows, then a filter. NULL is not equal to anything, not even NULL:
-- Planet X has no moons value, so `moons >= 0` is NULL for it and it is left out.
SELECT * FROM planets;
SELECT name, moons FROM planets WHERE moons >= 0 ORDER BY moons DESC, name;
SELECT name FROM planets WHERE moons IS NULL;

-- Expressions and aggregates.
SELECT name, round(radius / 6371.0, 2) AS earths FROM planets WHERE radius IS NOT NULL ORDER BY earths;
SELECT count(*), count(moons), sum(moons), avg(radius) FROM planets;
SELECT moons, count(*) FROM planets GROUP BY moons ORDER BY moons;

-- Mistakes get a message and a caret under the place it went wrong. Nothing changes.
SELECT nmae FROM planets;
SELECT name FORM planets;

-- `.tables` and `.schema` show what exists.
.tables
.schema planets
