"""Load benchmark: a workshop day, simulated with locust against gunicorn on PostgreSQL.

    .venv/bin/python -m bench.load [--respondents 1000] [--coordinators 20] [--ramp 60]
                                   [--seconds 180] [--think 5,20] [--workers 4]

A programme's data (``dmat demo`` with enough cities that every simulated respondent has an
account of their own; the 2022 round open for every city, one coordinator account per simulated
coordinator) on a throw-away PostgreSQL server, gunicorn on 127.0.0.1, and locust, headless, in
one process (``bench/workshop.py``). Users arrive over ``--ramp`` seconds and log in once;
respondents open an area page and answer its questions one at a time, reading each rubric for
``--think`` seconds before the autosave; coordinators open the round dashboard every
``--dashboard-every`` seconds. Once every user has tried to log in, the run is measured for
``--seconds`` and stops by itself.

It prints each kind of request's count, median and 95th percentile (locust's figures), for the
ramp-up (logins) and the measured part apart, the CPU used by gunicorn, PostgreSQL, locust and
the rest of the machine, and then checks the database: for every answer the server acknowledged
(``{"ok": true}``), the last acknowledged value of each respondent's question must be the stored
one. A PASS or FAIL line per target (autosave p95, errors, stored answers), and a non-zero exit
when one is missed. Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from .servers import ROOT, VENV_BIN, cpu_seconds, gunicorn, postgres

REQUESTS = ("login page", "login", "survey", "round overview", "area page", "autosave", "rounds")
REQUESTS += ("dashboard",)
RAMP_UP = " (ramp-up)"  # bench/workshop.py's suffix for requests made before all logged in
BUSY_MACHINE = 0.5  # cores used by other processes, above which the figures say little about dmat
COORDINATOR_NAMES = ("Мария Петрова", "Γιώργος Παπαδόπουλος", "Елена Димитрова", "Ελένη Νικολάου")


def prepare(database_url: str, cities: int, team: int, coordinators: int) -> dict:
    """The demo programme with every 2022 assessment open and ``coordinators`` coordinator
    accounts; returns the workshop's accounts (see ``open_workshop``)."""
    env = {**os.environ, "DMAT_DATABASE_URL": database_url}
    for args in (["init"], ["demo", "--cities", str(cities), "--respondents", str(team)]):
        subprocess.run(
            [str(VENV_BIN / "dmat"), *args], env=env, check=True, stdout=subprocess.DEVNULL
        )
    code = f"from bench.load import open_workshop; open_workshop({coordinators})"
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def open_workshop(coordinators: int) -> None:
    """In the app (``DMAT_DATABASE_URL``): reopen the 2022 round's submitted assessments, add
    coordinator accounts up to ``coordinators``, and print the accounts as JSON: the round,
    the demo password, every respondent's e-mail and the coordinators' e-mails."""
    from sqlalchemy import select, update

    from assessment import create_app
    from assessment.admin.operations import create_user
    from assessment.demo import DEMO_PASSWORD, FOLLOW_UP
    from assessment.extensions import db
    from assessment.models import Assessment, AssessmentStatus, Role, Round, User

    app = create_app()
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.name == FOLLOW_UP))
        db.session.execute(
            update(Assessment)
            .where(Assessment.round_id == round_id)
            .values(
                status=AssessmentStatus.IN_PROGRESS,
                submitted_at=None,
                submitted_by_id=None,
                stored_scores=None,  # as reopening does (a CHECK holds them to submitted ones)
            )
        )
        emails = ["coordinator@dmat.example"]
        for n in range(2, coordinators + 1):
            name = f"{COORDINATOR_NAMES[n % len(COORDINATOR_NAMES)]} {n}"
            user = create_user(
                f"coordinator{n}@dmat.example", Role.COORDINATOR, password=DEMO_PASSWORD, name=name
            )
            emails.append(user.email)
        respondents = db.session.scalars(
            select(User.email).where(User.role == Role.RESPONDENT).order_by(User.id)
        ).all()
        db.session.commit()
    accounts = {
        "round": FOLLOW_UP,
        "password": DEMO_PASSWORD,
        "respondents": list(respondents),
        "coordinators": emails[:coordinators],
    }
    print(json.dumps(accounts))


class Sample(NamedTuple):
    at: float  # time.time()
    cpu: dict[str, float]  # CPU seconds so far, per process (with its children)
    machine: float  # CPU seconds so far of the whole machine (every core, every process)


def machine_cpu_seconds() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for I/O
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """Samples the CPU time of the given processes (name -> pid) once a second."""

    def __init__(self, processes: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.samples: list[Sample] = []
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            cpu = {name: cpu_seconds(pid) for name, pid in self.processes.items()}
            self.samples.append(Sample(time.time(), cpu, machine_cpu_seconds()))
            if self.done.wait(1.0):
                return

    def cores(self, start: float, end: float) -> dict[str, float] | None:
        """Average cores used between ``start`` and ``end`` per process, and by the machine."""
        inside = [s for s in self.samples if start - 0.5 <= s.at <= end + 0.5]
        if len(inside) < 2:
            return None
        first, last = inside[0], inside[-1]
        seconds = last.at - first.at
        used = {name: (last.cpu[name] - first.cpu[name]) / seconds for name in first.cpu}
        used["machine"] = (last.machine - first.machine) / seconds
        return used


class Row(NamedTuple):
    name: str
    count: int
    failures: int
    median: float | None  # ms
    p95: float | None
    max: float | None


def percentile(response_times: dict[float, int], count: int, share: float) -> float | None:
    """locust's own definition (``locust.stats.calculate_response_time_percentile``, not
    imported here: importing locust patches the standard library for gevent): the slowest
    recorded response time that at most ``share`` of the requests were faster than."""
    if not count:
        return None
    within = int(count * share)
    seen = 0
    for time_ms in sorted(response_times, reverse=True):
        seen += response_times[time_ms]
        if count - seen <= within:
            return time_ms
    return 0.0


def read_stats(path: Path) -> dict[str, Row]:
    """locust's request statistics (its ``--json-file``), by request name."""
    rows = {}
    for entry in json.loads(path.read_text()):
        times = {float(key): count for key, count in entry["response_times"].items()}
        count = entry["num_requests"]
        rows[entry["name"]] = Row(
            entry["name"],
            count,
            entry["num_failures"],
            percentile(times, count, 0.5),
            percentile(times, count, 0.95),
            entry["max_response_time"] if count else None,
        )
    return rows


def stored_answers(url: str, round_name: str) -> dict[tuple[str, int], object]:
    """(e-mail, question id) -> the answer stored in the round: its level, or its kind.

    Only that round's: the rounds of one questionnaire share its question ids, and the
    respondents also answered the baseline."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.email, a.question_id, a.kind, a.level FROM answer a "
                "JOIN response r ON a.response_id = r.id "
                "JOIN user_account u ON r.respondent_id = u.id "
                "JOIN assessment s ON r.assessment_id = s.id "
                "JOIN assessment_round d ON s.round_id = d.id "
                "WHERE d.name = :round"
            ),
            {"round": round_name},
        )
        stored = {
            (email, qid): (level if kind == "level" else kind) for email, qid, kind, level in rows
        }
    engine.dispose()
    return stored


class Check(NamedTuple):
    acknowledged: int  # questions with an acknowledged answer
    lost: list[tuple[str, int, object, object]]  # e-mail, question, acknowledged, stored
    unknown: int  # questions whose last save got no clear reply (either value may be stored)


def check_saves(saves: list, stored: dict[tuple[str, int], object]) -> Check:
    """Compare ``bench/workshop.py``'s record of saves with the stored answers.

    Each save is ``[e-mail, question id, last acknowledged answer or None, answers sent after
    it without a clear reply]``. The stored answer must be the acknowledged one, or one of those
    sent after it whose outcome is unknown; a question with no acknowledged answer is not checked.
    """
    acknowledged, unknown, lost = 0, 0, []
    for email, question, ack, pending in saves:
        if pending:
            unknown += 1
        if ack is None:
            continue
        acknowledged += 1
        value = stored.get((email, question))
        if value != ack and value not in pending:
            lost.append((email, question, ack, value))
    return Check(acknowledged, lost, unknown)


def run_locust(base: str, config: dict, users: int, args, folder: Path, servers: dict[str, int]):
    """locust, headless and in one process, with ``bench/workshop.py``; returns its exit code,
    its CPU seconds, the CPU sampler and the path of its statistics (``--json-file``)."""
    settings = folder / "workshop.json"
    settings.write_text(json.dumps(config))
    prefix = folder / "locust"
    limit = math.ceil(3 * args.ramp + args.seconds + 60)  # stops by itself even if stuck
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "workshop.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(users),
        "--spawn-rate",
        f"{users / args.ramp:.3f}",
        "--run-time",
        f"{limit}s",
        "--stop-timeout",
        "30",
        "--json-file",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--workshop-config",
        str(settings),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(folder / "locust.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        sampler = Sampler({**servers, "locust": process.pid})
        sampler.start()
        try:
            code = process.wait(timeout=limit + 90)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        finally:
            sampler.done.set()
            sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, locust_cpu, sampler, prefix.with_suffix(".json")  # locust adds the suffix


def milliseconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def phase(rows: dict[str, Row], ramp_up: bool) -> dict[str, Row]:
    """The requests of the ramp-up, or of the measured part, by their plain names."""
    return {
        name.removesuffix(RAMP_UP): row
        for name, row in rows.items()
        if name.endswith(RAMP_UP) == ramp_up
    }


def print_table(title: str, rows: dict[str, Row], seconds: float) -> None:
    print(f"\n{title}")
    print(
        f"  {'request':<15} {'count':>7} {'req/s':>7} {'median ms':>10} {'p95 ms':>7} "
        f"{'max ms':>7} {'errors':>6}"
    )
    for name in (*REQUESTS, *sorted(set(rows) - set(REQUESTS))):
        row = rows.get(name)
        if row is None:
            continue
        print(
            f"  {name:<15} {row.count:>7} {row.count / max(seconds, 1e-9):>7.1f} "
            f"{milliseconds(row.median):>10} {milliseconds(row.p95):>7} "
            f"{milliseconds(row.max):>7} {row.failures:>6}"
        )


def print_cpu(title: str, cores: dict[str, float] | None) -> None:
    if cores is None:
        return
    ours = sum(value for name, value in cores.items() if name != "machine")
    parts = ", ".join(f"{name} {value:.2f}" for name, value in cores.items() if name != "machine")
    rest = max(0.0, cores["machine"] - ours)
    share = 100 * cores["locust"] / ours if ours else 0.0
    print(
        f"  CPU, {title}, in cores: {parts} (locust {share:.0f} % of these); "
        f"the rest of the machine {rest:.2f}, of {os.cpu_count()}"
    )
    if rest > BUSY_MACHINE:
        print(
            "  NOTE: other work used the machine meanwhile; the kernel shares CPU time between "
            "sessions, so these figures describe the machine's load more than dmat"
        )


class Outcome(NamedTuple):
    code: int  # locust's exit code
    log: str  # the end of locust's log
    rows: dict[str, Row]  # locust's statistics, by request name
    record: dict  # bench/workshop.py's record
    stored: dict[tuple[str, int], object]  # the answers in the database afterwards
    sampler: Sampler
    locust_cpu: float  # seconds, over locust's whole run
    seconds: float  # locust's whole run


def workshop(args) -> Outcome | None:
    """Data, servers and the locust run; None when the data has too few respondents."""
    users = args.respondents + args.coordinators
    cities = args.cities or max(21, math.ceil(args.respondents / max(1, args.team - 1)))
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dmat-load-")))
        folder = Path(args.output) if args.output else scratch
        folder.mkdir(parents=True, exist_ok=True)
        servers = {}
        if args.database == "postgresql":
            database = stack.enter_context(postgres())
            url, servers["postgres"] = database.url, database.pid
        else:
            url = f"sqlite:///{scratch / 'load.sqlite'}"
        print(f"preparing {cities} demo cities of {args.team} people on {args.database} ...")
        accounts = prepare(url, cities, args.team, args.coordinators)
        if len(accounts["respondents"]) < args.respondents:
            print(
                f"error: --respondents {args.respondents} needs that many respondent accounts; "
                f"the demo data has {len(accounts['respondents'])} (raise --cities or --team)",
                file=sys.stderr,
            )
            return None
        env = {
            "DMAT_DATABASE_URL": url,
            "DMAT_ENV": "production",
            "DMAT_SECRET_KEY": "load-benchmark-only",
            "DMAT_SECURE_COOKIES": "0",
            "DMAT_LOG_REQUESTS": "0",
            # a thousand logins from 127.0.0.1 would trip the per-address login limit
            "DMAT_RATELIMIT_ENABLED": "0",
        }
        server = stack.enter_context(
            gunicorn("assessment:create_app()", env, args.workers, "/health")
        )
        config = {
            "password": accounts["password"],
            "round": accounts["round"],
            "respondents": accounts["respondents"][: args.respondents],
            "coordinators": accounts["coordinators"],
            "think": list(args.think),
            "dashboard_every": list(args.dashboard_every),
            "seconds": args.seconds,
            "record": str(folder / "saves.json"),
        }
        print(
            f"\n=== workshop: {args.respondents} respondents and {args.coordinators} "
            f"coordinators arriving over {args.ramp:g} s, then {args.seconds:g} s measured; "
            f"think time {args.think[0]:g}-{args.think[1]:g} s, dashboard every "
            f"{args.dashboard_every[0]:g}-{args.dashboard_every[1]:g} s; gunicorn "
            f"{args.workers} workers, {args.database}, {cities} cities"
        )
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"the machine's load average before the run (1, 5, 15 min): {load}")
        started = time.monotonic()
        code, locust_cpu, sampler, stats = run_locust(
            server.url, config, users, args, folder, {"gunicorn": server.pid, **servers}
        )
        seconds = time.monotonic() - started
        record_path = Path(config["record"])
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        rows = read_stats(stats) if stats.exists() else {}
        log = (folder / "locust.log").read_text()[-3000:]
        stored = stored_answers(url, config["round"])
    return Outcome(code, log, rows, record, stored, sampler, locust_cpu, seconds)


def judge(args, outcome: Outcome) -> bool:
    """Print the figures and a PASS or FAIL line per target; True when every one is met."""
    record, rows = outcome.record, outcome.rows
    if outcome.code not in (0, 1) or not rows or not record:
        print(f"\nFAIL locust did not finish its run (exit code {outcome.code}); its log ends:")
        print(outcome.log)
        return False
    start, steady_start, steady_end = (record[k] for k in ("start", "steady_start", "steady_end"))
    ramp_end = steady_start or steady_end or time.time()
    print_table(
        f"ramp-up ({ramp_end - start:.0f} s: arrivals and logins)",
        phase(rows, True),
        ramp_end - start,
    )
    print_cpu("ramp-up", outcome.sampler.cores(start, ramp_end))
    measured = (steady_end - steady_start) if steady_start and steady_end else 0.0
    steady = phase(rows, False)
    print_table(f"measured ({measured:.0f} s, everyone logged in)", steady, measured)
    if measured:
        print_cpu("measured part", outcome.sampler.cores(steady_start, steady_end))
    print(
        f"  locust's own CPU: {outcome.locust_cpu:.1f} s over its {outcome.seconds:.0f} s "
        f"(start-up included)"
    )
    failures = sum(row.failures for row in rows.values())
    exceptions = sum(count for _, count in record["exceptions"])
    for name, error, count in record["errors"][:8]:
        print(f"    {count} x {name}: {error[:160]}")
    for message, count in record["exceptions"][:4]:
        print(f"    {count} x exception: {message[:160]}")
    check = check_saves(record["saves"], outcome.stored)
    print(
        f"\n  answers acknowledged: {check.acknowledged} questions; missing or different in the "
        f"database: {len(check.lost)}; last save without a clear reply: {check.unknown}"
    )
    for email, question, ack, value in check.lost[:5]:
        print(f"    {email} question {question}: acknowledged {ack!r}, stored {value!r}")

    autosave = steady.get("autosave")
    p95 = autosave.p95 if autosave else None
    results = [
        (
            measured >= args.seconds - 1,
            f"measured part {measured:.0f} s of {args.seconds:g} s, with every user logged in",
        ),
        (
            p95 is not None and p95 < args.p95_target,
            f"autosave p95 {milliseconds(p95)} ms over {autosave.count if autosave else 0} "
            f"saves (target < {args.p95_target:g} ms)",
        ),
        (
            failures + exceptions == 0,
            f"errors {failures + exceptions} over {sum(r.count for r in rows.values())} "
            f"requests, ramp-up included (target 0)",
        ),
        (
            check.acknowledged > 0 and not check.lost,
            f"acknowledged answers stored: {check.acknowledged - len(check.lost)} of "
            f"{check.acknowledged}",
        ),
    ]
    print()
    for ok, text in results:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    return all(ok for ok, _ in results)


def pair(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not LOW,HIGH in seconds") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"'{text}': need 0 <= LOW <= HIGH")
    return low, high


def positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"'{text}' must be greater than 0")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=positive(int), default=1000)
    parser.add_argument("--coordinators", type=positive(int), default=20)
    parser.add_argument("--ramp", type=positive(float), default=60, help="seconds of arrivals")
    parser.add_argument("--seconds", type=positive(float), default=180, help="measured seconds")
    parser.add_argument("--think", type=pair, default=(5.0, 20.0), help="seconds per question")
    parser.add_argument("--dashboard-every", type=pair, default=(5.0, 15.0))
    parser.add_argument("--workers", type=positive(int), default=4)
    parser.add_argument("--team", type=positive(int), default=11, help="demo team size")
    parser.add_argument("--cities", type=positive(int), help="demo cities (default: enough)")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--output", help="keep locust's CSV files and log in this folder")
    parser.add_argument("--p95-target", type=positive(float), default=100.0, help="autosave, ms")
    args = parser.parse_args(argv)
    outcome = workshop(args)
    return 0 if outcome is not None and judge(args, outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
