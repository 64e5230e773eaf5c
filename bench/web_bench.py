"""The dashboard under load (issue 14: on the 100k-customer demo, pages in under 300 ms at the
95th percentile with 20 concurrent logged-in users, no errors, the server under 2 GB).

    .venv/bin/python bench/web_bench.py --workspace DIR [--users 20] [--seconds 60] [--max-requests 20000]
    .venv/bin/python bench/web_bench.py --customers 100000          # builds /tmp/saleskpi-web-bench-100000

Starts ``saleskpi serve DIR`` in its own process on a free port of 127.0.0.1, as a user runs it;
adds the bench's users when missing (directors, managers of one team, reps; one in five, three
in ten and half of the concurrent users); logs each concurrent user in through the login form
(a session of their own), then each user walks the pages a person of their role opens (the
overview, the ABC matrix, a result table sorted and paged, a customer page, the sales drill-down
with its bridge, the JSON API) in a loop, one request after the other (``--think`` seconds apart, on average), until ``--seconds`` or
``--max-requests`` is reached. The load runs in this process's threads (httpx), the server in its
own: both share the machine's cores, as on a small office server.

Prints, per page and overall: requests, errors, p50 / p95 / p99 / max latency in ms; requests
per second; the server's CPU time over the timed load (and per request); the server's peak RSS
(VmHWM of its process) and the load average before and after.
"""

from __future__ import annotations

import argparse
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from _measure import load

SALESKPI = str(Path(sys.executable).with_name("saleskpi"))
PASSWORD = "bench password 0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process ``pid`` has used so far."""
    import os

    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def people(ws: Path, concurrent: int) -> list[tuple[str, str, str | None]]:
    """(login, role, rep or team) for each concurrent user, added to the workspace if missing."""
    import duckdb

    from saleskpi import users

    db = duckdb.connect(str(ws / "saleskpi.duckdb"), read_only=True)
    try:
        reps = [r for (r,) in db.execute("SELECT DISTINCT rep_id FROM customers WHERE rep_id IS NOT NULL "
                                          "ORDER BY 1").fetchall()]
        teams = [t for (t,) in db.execute("SELECT DISTINCT team_id FROM reps WHERE team_id IS NOT NULL "
                                           "ORDER BY 1").fetchall()]
    finally:
        db.close()
    known = {u.login for u in users.list_users(ws)}
    made = []
    for i in range(concurrent):
        if i % 10 in (0, 5):
            login, role, key = f"bench-director-{i}", "director", None
        elif i % 10 in (1, 4, 7):
            login, role, key = f"bench-manager-{i}", "manager", teams[i % len(teams)]
        else:
            login, role, key = f"bench-rep-{i}", "rep", reps[i % len(reps)]
        if login not in known:
            users.add_user(ws, login, role=role, password=PASSWORD, rep_id=key if role == "rep" else None,
                           team_ids=[key] if role == "manager" else ())
        made.append((login, role, key))
    return made


def customers_of(ws: Path) -> dict[str | None, list[str]]:
    """Customer ids by rep, by team and all (None), for the customer pages each user opens."""
    import duckdb

    db = duckdb.connect(str(ws / "saleskpi.duckdb"), read_only=True)
    try:
        # the customers with a page: those of the abc result (a customer with no purchases has none)
        rows = db.execute("SELECT c.rep_id, r.team_id, a.customer_id FROM result_abc a JOIN customers c "
                          "USING (customer_id) LEFT JOIN reps r ON r.rep_id = c.rep_id "
                          "WHERE a.run_id = (SELECT max(run_id) FROM result_abc)").fetchall()
    finally:
        db.close()
    found: dict[str | None, list[str]] = defaultdict(list)
    for rep, team, customer in rows:
        found[rep].append(customer)
        found[team].append(customer)
        found[None].append(customer)
    return found


def walk(role: str, key: str | None, customers: dict, rng: random.Random) -> list[tuple[str, str]]:
    """One round of the pages a user of ``role`` opens: (page name, URL)."""
    own = customers[key] if role in ("rep", "manager") else customers[None]
    customer = rng.choice(own) if own else "C00001"
    offset = rng.randrange(0, 2000, 50) if role != "rep" else 0
    pages = [("overview", "/overview"), ("customers (ABC matrix)", "/customers"),
             ("abc table, sorted, paged", f"/results/abc?sort=-turnover_value_12m&offset={offset}"),
             ("customer page", f"/customers/{customer}"),
             ("sales drill-down", "/sales?level=territory" if role != "rep" else "/sales?level=customer"),
             ("wallet table, filtered", "/results/wallet?where=share_of_wallet_by_value%3C0.2"),
             ("api json", f"/api/results/clv?offset={offset}&limit=100")]
    if role == "rep":
        pages.append(("bridge of the rep", f"/sales?level=rep&key={key}"))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="A workspace with a finished run (else a demo is built).")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--users", type=int, default=20, help="Concurrent logged-in users (default 20).")
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the load runs (default 60 s).")
    parser.add_argument("--max-requests", type=int, default=20_000, help="At most this many requests in all.")
    parser.add_argument("--warmup", type=int, default=1, help="Rounds of each user before timing (default 1).")
    parser.add_argument("--think", type=float, default=0.0,
                        help="Seconds a user waits between pages (default 0: each user asks again at once, "
                             "the server saturated; a person reads a page for a few seconds).")
    parser.add_argument("--report", action="store_true",
                        help="After the load, download the whole company's Excel report (/report.xlsx) as a "
                             "director and print its time and size, and the server's peak RSS after it.")
    args = parser.parse_args()
    import httpx

    ws = args.workspace
    if ws is None:
        ws = Path(f"/tmp/saleskpi-web-bench-{args.customers}")
        if not (ws / "settings.toml").exists():
            subprocess.run([SALESKPI, "demo", str(ws), "--customers", str(args.customers),
                            "--years", str(args.years)], check=True)
            subprocess.run([SALESKPI, "compute", str(ws)], check=True)
    who = people(ws, args.users)
    customers = customers_of(ws)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([SALESKPI, "serve", str(ws), "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{server.stderr.read()}") from None
                time.sleep(0.2)
        print(f"workspace {ws}; {args.users} concurrent users, think time {args.think} s; load before: {load()}")
        clients = []
        for login, role, key in who:
            client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
            answer = client.post("/login", data={"login": login, "password": PASSWORD, "csrf": token})
            if answer.status_code != 303:
                raise SystemExit(f"login of {login} failed: {answer.status_code} {answer.text[:300]}")
            clients.append((client, role, key))
        for client, role, key in clients:  # warm the server's snapshot and caches once per user
            for _ in range(args.warmup):
                for _name, url in walk(role, key, customers, random.Random(0)):
                    client.get(url)
        times: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, list[str]] = defaultdict(list)
        count = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def user(i: int, client, role, key) -> None:
            rng = random.Random(i)
            while True:
                for name, url in walk(role, key, customers, rng):
                    with lock:
                        if count[0] >= args.max_requests or time.monotonic() >= stop_at:
                            return
                        count[0] += 1
                    started = time.perf_counter()
                    try:
                        answer = client.get(url)
                        status = answer.status_code
                    except httpx.HTTPError as exc:
                        status = f"{type(exc).__name__}"
                    took = (time.perf_counter() - started) * 1000
                    with lock:
                        times[name].append(took)
                        if status != 200:
                            errors[name].append(f"{status} {url}")
                    if args.think:
                        time.sleep(rng.uniform(0.5, 1.5) * args.think)

        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(i, *c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        with open(f"/proc/{server.pid}/status") as status:
            hwm = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM"))
        if args.report:
            director = next(c for c, role, _key in clients if role == "director")
            began = time.perf_counter()
            workbook = director.get("/report.xlsx?lang=en", timeout=600)
            took = time.perf_counter() - began
            with open(f"/proc/{server.pid}/status") as status:
                after = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM"))
            print(f"Excel report of the whole company from the dashboard: status {workbook.status_code}, "
                  f"{took:.1f} s, {len(workbook.content) / 2**20:,.1f} MB; server peak RSS after it {after:,.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
    every = [t for ts in times.values() for t in ts]

    def q(values, p):
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]

    print(f"{'page':<28} {'requests':>8} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
    for name, ts in list(times.items()) + [("ALL", every)]:
        bad = len(errors.get(name, [])) if name != "ALL" else sum(map(len, errors.values()))
        print(f"{name:<28} {len(ts):>8} {bad:>6} {q(ts, 50):7.0f} {q(ts, 95):7.0f} {q(ts, 99):7.0f} {max(ts):7.0f}")
    print(f"{len(every)} requests in {wall:.1f} s = {len(every) / wall:.1f} per second; server CPU "
          f"{server_cpu:.1f} s ({server_cpu / len(every) * 1000:.1f} ms a request); server peak RSS "
          f"{hwm:,.0f} MB; load after: {load()}")
    for name, bad in errors.items():
        print(f"errors on {name}: {bad[:3]}")


if __name__ == "__main__":
    main()
