"""A Python program on psycopg 3 against a PostgreSQL-protocol server: parameters (text and
binary), a transaction, errors with SQLSTATE codes, and a serialization failure it retries.

    python psycopg_story.py PORT [USER] [DBNAME]

It prints what it sees; the same output is expected from Cutaway and from PostgreSQL 15
(Tests/PGWireTests/check-against-postgres.sh runs it against both)."""
import sys

import psycopg
from psycopg import errors

port = int(sys.argv[1])
user = sys.argv[2] if len(sys.argv) > 2 else "learner"
dbname = sys.argv[3] if len(sys.argv) > 3 else "cutaway"


def connect(autocommit=True):
    return psycopg.connect(host="127.0.0.1", port=port, user=user, dbname=dbname,
                           autocommit=autocommit, connect_timeout=10)


conn = connect()
conn.execute("DROP TABLE IF EXISTS story")
conn.execute("CREATE TABLE story (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER, rate FLOAT, vip BOOLEAN)")

# Parameters: psycopg sends them apart from the SQL text ($1, $2 … in Parse and Bind).
with conn.cursor() as cur:
    rows = [(1, "ann", 100, 0.5, True), (2, "bob", 50, 1.25, False), (3, "o'neil -- not a comment", 0, None, None)]
    for row in rows:
        cur.execute("INSERT INTO story VALUES (%s, %s, %s, %s, %s)", row)
    print("inserted", cur.rowcount, "row per statement")
    cur.execute("SELECT id, owner, balance, rate, vip FROM story WHERE balance >= %s ORDER BY id", (50,))
    print("balance >= 50:", cur.fetchall())
    cur.execute("SELECT owner FROM story WHERE id = %b", (3,))  # a binary-format parameter
    print("binary parameter:", cur.fetchone())
    cur.execute("SELECT owner FROM story WHERE owner = %s", ("o'neil -- not a comment",))
    print("quotes and dashes stay in the value:", cur.fetchall())
    cur.execute("SELECT count(*) FROM story WHERE rate IS NULL")
    print("NULL parameter rows:", cur.fetchone()[0])

# A transaction: both updates or neither.
with conn.transaction():
    conn.execute("UPDATE story SET balance = balance - %s WHERE id = %s", (30, 1))
    conn.execute("UPDATE story SET balance = balance + %s WHERE id = %s", (30, 2))
print("after transfer:", conn.execute("SELECT id, balance FROM story ORDER BY id").fetchall())

try:
    with conn.transaction():
        conn.execute("UPDATE story SET balance = balance - 1000 WHERE id = 1")
        conn.execute("SELECT * FROM no_such_table")
except errors.UndefinedTable as error:
    print("rolled back:", type(error).__name__, error.sqlstate)
print("unchanged:", conn.execute("SELECT balance FROM story WHERE id = 1").fetchone())

try:
    conn.execute("INSERT INTO story VALUES (%s, %s, %s, %s, %s)", (1, "dup", 0, None, None))
except errors.UniqueViolation as error:
    print("duplicate key:", type(error).__name__, error.sqlstate)

# A serialization failure, retried: `other` changes row 1 after `conn`'s transaction took its
# snapshot, so `conn`'s write conflicts (SQLSTATE 40001); the retry runs on a fresh snapshot.
conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
other = connect()
for attempt in range(1, 4):
    try:
        with conn.transaction():
            balance = conn.execute("SELECT balance FROM story WHERE id = %s", (1,)).fetchone()[0]
            if attempt == 1:
                other.execute("UPDATE story SET balance = balance + 5 WHERE id = %s", (1,))
            conn.execute("UPDATE story SET balance = %s WHERE id = %s", (balance + 1, 1))
        print(f"attempt {attempt}: committed, balance was {balance}")
        break
    except errors.SerializationFailure as error:
        print(f"attempt {attempt}: {type(error).__name__} {error.sqlstate}, retrying")
print("final:", conn.execute("SELECT id, balance FROM story ORDER BY id").fetchall())
conn.execute("DROP TABLE story")
other.close()
conn.close()
print("done")
