"""pgbench-style figures through psycopg: N connections (threads), each running point
SELECTs or single-row INSERTs (one autocommit transaction each) for a fixed time.

    python pgbench.py PORT[,PORT…] [--clients 16] [--seconds 10] [--rows 1000] [--user U] [--dbname D]

With several ports the clients are spread over them (one per node of a server cluster).
Prints one line per workload: transactions, txn/s, p50 and p99 latency."""
import argparse
import random
import threading
import time

import psycopg

parser = argparse.ArgumentParser()
parser.add_argument("ports")
parser.add_argument("--clients", type=int, default=16)
parser.add_argument("--seconds", type=float, default=10)
parser.add_argument("--rows", type=int, default=1000)
parser.add_argument("--user", default="bench")
parser.add_argument("--dbname", default="cutaway")
args = parser.parse_args()
ports = [int(p) for p in args.ports.split(",")]


def connect(i=0):
    return psycopg.connect(host="127.0.0.1", port=ports[i % len(ports)], user=args.user,
                           dbname=args.dbname, autocommit=True)


setup = connect()
setup.execute("DROP TABLE IF EXISTS bench")
setup.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT)")
with setup.cursor() as cur:
    for start in range(0, args.rows, 100):
        values = ", ".join(f"({i}, 'value {i}')" for i in range(start, min(start + 100, args.rows)))
        cur.execute(f"INSERT INTO bench VALUES {values}")


def run(name, body):
    latencies = []
    lock = threading.Lock()
    next_id = [10_000_000]
    stop = time.monotonic() + args.seconds

    def client(i):
        conn = connect(i)
        rng = random.Random(i)
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            body(conn, rng, next_id, lock)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    n = len(latencies)
    p50 = latencies[n // 2] * 1000 if n else 0
    p99 = latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0
    print(f"{name}: {n} txns in {elapsed:.1f} s, {n / elapsed:,.0f} txn/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"{args.clients} clients", flush=True)


def point_select(conn, rng, next_id, lock):
    conn.execute("SELECT v FROM bench WHERE id = %s", (rng.randrange(args.rows),)).fetchone()


def insert(conn, rng, next_id, lock):
    with lock:
        next_id[0] += 1
        key = next_id[0]
    conn.execute("INSERT INTO bench VALUES (%s, %s)", (key, "new"))


run("point select", point_select)
run("insert", insert)
setup.execute("DROP TABLE bench")
