"""Load benchmark: simulated respondents and coordinators against gunicorn (PostgreSQL, SQLite).

    .venv/bin/python -m bench.load [--seconds 60] [--users 50] [--databases postgresql,sqlite]

For each database: a synthetic programme (``dmat demo``) with every 2022 assessment open, gunicorn
on 127.0.0.1, then
1. a realistic load for ``--seconds``: users arrive over the first quarter of the run (at most
   10 s); respondents log in, open area pages and autosave answers with 0.3-1.2 s between
   answers; one user in ten is a coordinator who opens the dashboard every 5-15 s. It prints
   requests per second, median and 95th-percentile latency per kind of request and the errors,
   then checks that every answer the clients got a success for is stored;
2. saturation runs (no think time) of the autosave route and of a plain Flask "hello" route under
   the same server settings, taken in turns (three of each by default), and the median ratio of
   their throughputs.
Every request goes to 127.0.0.1 and the run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from .client import Deadline, Respondent, Session, Tally
from .servers import VENV_BIN, cpu_seconds, gunicorn, postgres


def prepare(database_url: str, cities: int, respondents: int) -> None:
    env = {**os.environ, "DMAT_DATABASE_URL": database_url}
    for args in (["init"], ["demo", "--cities", str(cities), "--respondents", str(respondents)]):
        subprocess.run(
            [str(VENV_BIN / "dmat"), *args], env=env, check=True, stdout=subprocess.DEVNULL
        )
    # every city answers in the benchmark: reopen the submitted 2022 assessments
    code = (
        "from assessment import create_app\n"
        "from assessment.extensions import db\n"
        "from sqlalchemy import text\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.session.execute(text(\"UPDATE assessment SET status='in_progress',"
        ' submitted_at=NULL, submitted_by_id=NULL"))\n'
        "    db.session.commit()\n"
    )
    subprocess.run([str(VENV_BIN / "python"), "-c", code], env=env, check=True)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(title: str, tally: Tally, seconds: float) -> None:
    print(f"\n{title}")
    print(
        f"  {'request':<12} {'count':>7} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'errors':>7}"
    )
    for kind in sorted(tally.latencies):
        values = tally.latencies[kind]
        print(
            f"  {kind:<12} {len(values):>7} {len(values) / seconds:>8.1f} "
            f"{statistics.median(values) * 1000:>10.1f} {percentile(values, 0.95) * 1000:>8.1f} "
            f"{tally.errors.get(kind, 0):>7}"
        )
    total = sum(len(v) for v in tally.latencies.values())
    print(
        f"  all          {total:>7} {total / seconds:>8.1f}  errors: {sum(tally.errors.values())}"
    )
    for message, count in list(tally.error_messages.items())[:5]:
        print(f"    {count} x {message}")


def realistic_load(base: str, users: int, seconds: float, emails: list[str]) -> Tally:
    """Users arrive one after another over the first quarter (at most 10 s) of the run."""
    tally = Tally()
    stop = Deadline(time.monotonic() + seconds)
    coordinators = max(1, users // 10)
    ramp = min(10.0, seconds / 4)
    threads = []
    for index in range(users):
        delay = ramp * index / users
        if index < coordinators:
            target = coordinator_loop
            args = (base, "coordinator@dmat.example", stop, tally, delay)
        else:
            target = respondent_loop
            args = (base, emails[index % len(emails)], stop, tally, (0.3, 1.2), delay)
        threads.append(threading.Thread(target=target, args=args, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return tally


def respondent_loop(base, email, stop, tally, think, delay=0.0, start=None) -> None:
    time.sleep(delay)
    respondent = Respondent(Session(base, tally), email)
    respondent.run_until(stop, think, start)


def coordinator_loop(base, email, stop, tally, delay=0.0) -> None:
    time.sleep(delay)
    session = Session(base, tally)
    session.login(email)
    _, page = session.get("/compare/", "compare")
    rounds = re.findall(r"/compare/rounds/(\d+)", page.decode()) if page else []
    reading = random.Random(email + str(delay))
    while rounds and not stop.reached():
        session.get(f"/compare/rounds/{rounds[0]}", kind="dashboard")
        time.sleep(reading.uniform(5.0, 15.0))  # a coordinator reads the dashboard a while


class Saturation(NamedTuple):
    per_second: float
    cpu_ms: dict[str, float]  # CPU milliseconds per request, by server process


def saturate(
    base: str, users: int, seconds: float, emails: list[str] | None, servers: dict[str, int]
) -> Saturation:
    """Requests per second with no think time: autosave when emails are given, else hello,
    and the CPU time each of ``servers`` (name -> pid) spent per request.

    Clients log in first; the clock starts once all of them are ready, so logins don't count.
    """
    tally = Tally()
    deadline = Deadline()
    ready = threading.Barrier(users + 1)
    start = threading.Event()

    class Gate:  # a respondent logs in, reports ready, then waits for the start
        @staticmethod
        def wait() -> None:
            ready.wait()
            start.wait()

    def hello() -> None:
        session = Session(base, tally)
        Gate.wait()
        while not deadline.reached():
            session.get("/hello", kind="hello")

    def autosave(email: str) -> None:
        Respondent(Session(base, tally), email).save_only(deadline, Gate)

    workers = [
        threading.Thread(target=autosave, args=(emails[i % len(emails)],), daemon=True)
        if emails
        else threading.Thread(target=hello, daemon=True)
        for i in range(users)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=120)
    kind = "autosave" if emails else "hello"
    counted = len(tally.latencies[kind])
    cpu_before = {name: cpu_seconds(pid) for name, pid in servers.items()}
    started = time.monotonic()
    deadline.at = started + seconds
    start.set()
    for worker in workers:
        worker.join(seconds + 60)
    requests = len(tally.latencies[kind]) - counted
    cpu_ms = {
        name: 1000 * (cpu_seconds(pid) - cpu_before[name]) / max(requests, 1)
        for name, pid in servers.items()
    }
    return Saturation(requests / (time.monotonic() - started), cpu_ms)


def settle(seconds: float = 2.0) -> None:
    """Before a measurement: the written pages of the one before go to disk now, not during it
    (the kernel would write them back a few seconds later, on the same two cores)."""
    os.sync()
    time.sleep(seconds)


def run_database(kind: str, args) -> dict:
    with ExitStack() as stack:
        database_servers = {}
        if kind == "postgresql":
            database = stack.enter_context(postgres())
            url, database_servers = database.url, {"postgres": database.pid}
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="dmat-load-"))
            url = f"sqlite:///{Path(folder) / 'load.sqlite'}"
        prepare(url, args.cities, args.respondents)
        env = {
            "DMAT_DATABASE_URL": url,
            "DMAT_ENV": "production",
            "DMAT_SECRET_KEY": "load-benchmark-only",
            "DMAT_SECURE_COOKIES": "0",
            "DMAT_LOG_REQUESTS": "0",
            "DMAT_RATELIMIT_ENABLED": "0",
        }
        server = stack.enter_context(
            gunicorn("assessment:create_app()", env, args.workers, "/health")
        )
        base = server.url
        emails = [
            f"member{m}@demo-city-{c:04d}.example"
            for c in range(22, 22 + args.cities - 21)
            for m in range(1, args.respondents)
        ]
        emails = emails or ["member1@sofia.example"]
        print(
            f"\n=== {kind}: {args.users} users for {args.seconds:.0f} s, gunicorn "
            f"{args.workers} workers, {args.cities} cities"
        )
        tally = realistic_load(base, args.users, args.seconds, emails)
        report("realistic load (think time 0.3-1.2 s between answers)", tally, args.seconds)
        missing = verify_stored(url, tally.acknowledged)
        print(
            f"  acknowledged answers: {len(tally.acknowledged)}, missing in the database: {missing}"
        )
        hello_server = stack.enter_context(
            gunicorn("bench.hello_app:app", {}, args.workers, "/hello")
        )
        # in turns, so that other work on the machine slows both routes alike
        turns = []
        for _ in range(args.saturation_turns):
            settle()
            autosave = saturate(
                base,
                args.saturation_users,
                args.saturation_seconds,
                emails,
                {"gunicorn": server.pid, **database_servers},
            )
            settle()
            hello = saturate(
                hello_server.url,
                args.saturation_users,
                args.saturation_seconds,
                None,
                {"gunicorn": hello_server.pid},
            )
            turns.append((autosave, hello))
    print(
        f"\nsaturation ({args.saturation_users} clients, no think time, "
        f"{args.saturation_seconds:.0f} s per route, {len(turns)} turns)"
    )
    for number, (autosave, hello) in enumerate(turns, 1):
        print(
            f"  turn {number}: autosave {autosave.per_second:.0f} req/s, hello "
            f"{hello.per_second:.0f} req/s, ratio {autosave.per_second / hello.per_second:.2f}"
        )
        for name, result in (("autosave", autosave), ("hello", hello)):
            spent = ", ".join(f"{server} {ms:.2f}" for server, ms in result.cpu_ms.items())
            print(f"    server CPU ms per {name}: {spent}")
    ratio = statistics.median(a.per_second / h.per_second for a, h in turns)
    print(f"  autosave/hello throughput, median of the turns: {ratio:.2f}")
    return {"tally": tally, "missing": missing, "ratio": ratio}


def verify_stored(url: str, acknowledged: dict) -> int:
    """How many acknowledged (email, question id) -> answer pairs are not in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.email, a.question_id, a.kind, a.level FROM answer a "
                "JOIN response r ON a.response_id = r.id "
                "JOIN user_account u ON r.respondent_id = u.id"
            )
        )
        stored = {
            (email, qid): (level if kind == "level" else kind) for email, qid, kind, level in rows
        }
    engine.dispose()
    return sum(1 for key, value in acknowledged.items() if stored.get(key) != value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("DMAT_WORKERS", 4)))
    parser.add_argument("--cities", type=int, default=60)
    parser.add_argument("--respondents", type=int, default=8)
    parser.add_argument("--saturation-seconds", type=float, default=10)
    parser.add_argument("--saturation-users", type=int, default=16)
    parser.add_argument("--saturation-turns", type=int, default=3)
    parser.add_argument("--databases", default="postgresql,sqlite")
    args = parser.parse_args()
    results = {kind: run_database(kind, args) for kind in args.databases.split(",")}
    print("\nsummary")
    for kind, result in results.items():
        save = result["tally"].latencies["autosave"]
        print(
            f"  {kind:<11} autosave p95 {percentile(save, 0.95) * 1000:.1f} ms, errors "
            f"{sum(result['tally'].errors.values())}, lost answers {result['missing']}, "
            f"autosave/hello throughput {result['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
