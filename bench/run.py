"""`make bench`: the national data in PostgreSQL, served by gunicorn with production settings,
measured page by page, under a concurrent load, and for its PDFs and reminder scan; writes
bench/results.json and bench/RESULTS.md and exits 1 when a figure is over its budget.

    python -m bench.run [--rebuild] [--requests 30] [--load-seconds 60] … (--help lists them)
"""

import argparse
import datetime
import json
import os
import platform
import random
import secrets
import socket
import subprocess  # noqa: S404  (the bench runs the project's own commands)
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redis
from psycopg import sql

from . import budgets
from .client import BARE, SignInError, fetch, sign_in
from .report import markdown
from .stats import summary

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The password the bench gives the people it signs in as (in its own database only).
PASSWORD = "bench-only-password-7c1e"  # noqa: S105
# gunicorn's rule for sync workers: two per core, and one.
WORKERS = 2 * (os.cpu_count() or 1) + 1


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="make bench BENCH_ARGS=…", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="clusterwork_bench", help="the bench's own database (made if absent)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL to create the database through (BENCH_POSTGRES)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9"),
        help="the server's Redis, a database of its own: emptied first (BENCH_REDIS)",
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the database and load the data again")
    parser.add_argument(
        "--template",
        help="copy this (loaded) database rather than loading the data; anew with --rebuild",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests a page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests a page first")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--load-users", type=int, default=32)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between a person's pages, s")
    parser.add_argument("--reminder-items", type=int, default=100_000)
    parser.add_argument(
        "--reminder-timeout", type=int, default=300, help="s; the scan (budget 10 s) is stopped after it"
    )
    parser.add_argument("--skip", action="append", default=[], choices=["load", "pdfs", "reminders"])
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="pass although pages, PDFs or steps are not built yet or skipped (while building the bench)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    return parser.parse_args(argv)


class Steps:
    """Prints each step as it starts and keeps how long it took."""

    def __init__(self):
        self.durations: dict[str, float] = {}
        self.started = time.monotonic()

    @contextmanager
    def step(self, name):
        print(f"bench: {name}…", flush=True)
        started = time.monotonic()
        yield
        self.durations[name] = round(time.monotonic() - started, 1)

    def total(self):
        self.durations["total"] = round(time.monotonic() - self.started, 1)


def _database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _environment(args) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=_database_url(args.postgres, args.db),
        REDIS_URL=args.redis,
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(env, *command, capture=False):
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )
    return result.stdout


def _inside(env, *command, timeout=None) -> dict:
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "bench.inside", *command],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        # Its JSON on stdout; its errors go to the terminal.
        stdout=subprocess.PIPE,
        timeout=timeout,
    ).stdout
    return json.loads(out)


def _measured_inside(args, env, name, *command, timeout=None) -> dict:
    """A PDF's or the reminder scan's figures, or its failure: a crash or a run past the timeout is
    recorded (and fails the run) without losing the figures taken before it."""
    try:
        return _inside(env, *command, timeout=timeout)
    except subprocess.CalledProcessError as error:
        return {
            "name": name,
            "status": "failed",
            "error": f"exited with {error.returncode} (its error above)",
        }
    except subprocess.TimeoutExpired:
        # The process is killed; its statement may still run in PostgreSQL, in the bench's own database.
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [args.db]
            )
        return {"name": name, "status": "failed", "error": f"stopped after {timeout} s"}


def database(args, env) -> bool:
    """Makes the bench's database if absent (or anew with --rebuild), as a copy of --template if
    given, and migrates it; loads the national data when it has no councils. Returns whether it loaded."""
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        name = sql.Identifier(args.db)
        if args.rebuild:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone():
            create = sql.SQL("CREATE DATABASE {}").format(name)
            if args.template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(args.template))
            admin.execute(create)
    _manage(env, "migrate", "--no-input", "-v", "0")
    with psycopg.connect(env["DATABASE_URL"]) as bench_db:
        empty = not bench_db.execute("SELECT EXISTS (SELECT 1 FROM parishes_council)").fetchone()[0]
    if empty:
        _manage(env, "load_national")
    return empty


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(args, env, log_dir: Path):
    port = _free_port()
    log = open(log_dir / "gunicorn.log", "w")  # noqa: SIM115  (open while the server runs)
    process = subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            "--worker-class=sync",
            f"--access-logfile={log_dir / 'access.log'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: see {log_dir / 'gunicorn.log'}") from None
                time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def measure_page(client, entry, args) -> dict:
    result = {key: entry[key] for key in ("name", "role", "kind", "path")}
    if entry["missing"]:
        return {**result, "status": "missing", "error": entry["missing"]}
    pages, bares = [], []
    for i in range(args.warmup + args.requests):
        page, bare = fetch(client, entry["path"]), fetch(client, BARE)
        if i >= args.warmup:
            pages.append(page)
            bares.append(bare)
    statuses = Counter(sample.status for sample in pages)
    bare_statuses = Counter(sample.status for sample in bares)
    if set(statuses) != {200} or set(bare_statuses) != {200}:
        answers = ", ".join(f"{status} ×{n}" for status, n in sorted(statuses.items()))
        bare_answers = ", ".join(f"{status} ×{n}" for status, n in sorted(bare_statuses.items()))
        return {**result, "status": "failed", "error": f"answered {answers} (the bare view {bare_answers})"}
    explained = json.loads(fetch(client, entry["path"], explain=True).explain)
    server = summary([s.server_ms for s in pages])
    bare = summary([s.server_ms for s in bares])
    return {
        **result,
        "status": "measured",
        "server": server,
        "bare": bare,
        "ratio": round(server["p95_ms"] / bare["p95_ms"], 2),
        "queries": max(s.queries for s in pages),
        "queries_min": min(s.queries for s in pages),
        "bare_queries": max(s.queries for s in bares),
        "rows_read": explained["rows_read"],
        "selects_explained": explained["selects"],
        "explain_errors": explained["errors"],
        "widest_scan": budgets.widest_scan(explained["scans"], explained["table_rows"]),
    }


def _sign_in_all(base_url, people) -> list:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda p: sign_in(base_url, p["email"], PASSWORD, p["totp_secret"]), people))


def concurrent_load(base_url, people, args) -> dict:
    people = [p for p in people if not p["measured"] and p["paths"]]
    if not people:
        return {"status": "missing", "error": "no people for the load"}
    clients = _sign_in_all(base_url, people)
    samples, failures = [], []
    lock = threading.Lock()
    start = threading.Barrier(len(people) + 1)
    deadline = [0.0]

    def walk(n):
        rng = random.Random(n)  # noqa: S311  (a walk, not a secret)
        paths = list(people[n]["paths"].values())
        start.wait()
        while time.monotonic() < deadline[0]:
            path = rng.choice(paths)
            try:
                sample = fetch(clients[n], path)
            except httpx.HTTPError as error:
                with lock:
                    failures.append(f"{path}: {error!r}")
                continue
            with lock:
                samples.append(sample)
                if sample.status >= 400:
                    failures.append(f"{path}: {sample.status}")
            time.sleep(rng.uniform(0, 2 * args.think))

    threads = [threading.Thread(target=walk, args=(n,)) for n in range(len(people))]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + args.load_seconds
    started = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    return {
        "status": "measured",
        "users": len(people),
        "by_role": dict(Counter(p["role"] for p in people)),
        "seconds": args.load_seconds,
        "think_seconds": args.think,
        "requests": len(samples),
        "errors": len(failures),
        "error_examples": failures[:5],
        "throughput_rps": round(len(samples) / elapsed, 1),
        "client": summary([s.client_ms for s in samples]),
        "server": summary([s.server_ms for s in samples if s.server_ms is not None]),
    }


def machine(postgres: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(  # noqa: S603
        # "-dirty" when the checkout differs from the commit: figures of work not yet committed.
        ["git", "describe", "--always", "--dirty", "--abbrev=7"],  # noqa: S607
        cwd=ROOT,
        text=True,
        capture_output=True,  # noqa: S607
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "postgres": postgres,
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
    }


def main(argv=None) -> int:
    args = _arguments(argv)
    env = _environment(args)
    steps = Steps()
    results: dict = {"settings": {k: v for k, v in vars(args).items() if k not in ("out", "postgres")}}
    results["settings"]["workers"] = args.workers
    with steps.step("database"):
        results["loaded_now"] = database(args, env)
    with steps.step("static files"):
        _manage(env, "collectstatic", "--no-input", "-v", "0")
        redis.Redis.from_url(args.redis).flushdb()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        with steps.step("people and pages"):
            plan = _inside(env, "prepare", "--password", PASSWORD, "--load-users", str(args.load_users))
            (work / "plan.json").write_text(json.dumps(plan))
        results["data"] = plan["data"]
        with server(args, env, work) as base_url:
            measured = {p["role"]: p for p in plan["people"] if p["measured"]}
            try:
                with steps.step("signing in"):
                    clients = dict(zip(measured, _sign_in_all(base_url, measured.values()), strict=True))
                with steps.step("pages"):
                    results["pages"] = []
                    for entry in plan["pages"]:
                        client = clients.get(entry["role"])
                        page = (
                            measure_page(client, entry, args)
                            if client
                            else {**entry, "status": "missing", "error": entry["missing"]}
                        )
                        results["pages"].append(page)
                        print(f"  {page['name']} ({page['role']}): {_brief(page)}", flush=True)
                if "load" in args.skip:
                    results["load"] = {"status": "skipped", "error": "skipped (--skip load)"}
                else:
                    with steps.step("concurrent load"):
                        results["load"] = concurrent_load(base_url, plan["people"], args)
            except SignInError:
                print(
                    f"bench: the server's log is {work / 'gunicorn.log'}:",
                    (work / "gunicorn.log").read_text()[-3000:],
                )
                raise
        results["pdfs"] = [{"name": "PDFs", "status": "missing", "error": "skipped (--skip pdfs)"}]
        if "pdfs" not in args.skip:
            results["pdfs"] = []
            with steps.step("PDFs"):
                for name in _inside(env, "pdfs", "--list"):
                    results["pdfs"].append(
                        _measured_inside(args, env, name, "pdfs", name, str(work / "plan.json"))
                    )
        results["reminders"] = {"status": "skipped", "error": "skipped (--skip reminders)"}
        if "reminders" not in args.skip:
            with steps.step(f"reminder scan of {args.reminder_items:,} items"):
                results["reminders"] = _measured_inside(
                    args,
                    env,
                    "reminder scan",
                    "reminders",
                    str(args.reminder_items),
                    timeout=args.reminder_timeout,
                )
    steps.total()
    results["durations"] = steps.durations
    results["machine"] = machine(plan["postgres"])
    checks = [
        c for page in results["pages"] for c in budgets.page_checks(page, allow_missing=args.allow_missing)
    ]
    if results["load"]["status"] == "measured":
        checks += budgets.load_checks(results["load"])
    else:
        checks.append(
            budgets.Check(
                "concurrent load", "measured", results["load"]["error"], "measured", args.allow_missing
            )
        )
    for pdf in results["pdfs"]:
        checks += budgets.pdf_checks(pdf, allow_missing=args.allow_missing)
    checks += budgets.reminder_checks(results["reminders"], allow_missing=args.allow_missing)
    results["checks"] = budgets.as_rows(checks)
    results["passed"] = budgets.passed(checks)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (args.out / "RESULTS.md").write_text(markdown(results))
    print(
        f"bench: {'passed' if results['passed'] else 'OVER BUDGET'} in {steps.durations['total']} s; "
        f"see {args.out / 'RESULTS.md'}"
    )
    return 0 if results["passed"] else 1


def _brief(page) -> str:
    if page["status"] != "measured":
        return f"{page['status']}: {page['error']}"
    server, bare = page["server"], page["bare"]
    return (
        f"p50 {server['p50_ms']} ms, p95 {server['p95_ms']} ms (bare {bare['p95_ms']}), "
        f"{page['queries']} queries, {page['rows_read']:,} rows read"
    )


if __name__ == "__main__":
    sys.exit(main())
