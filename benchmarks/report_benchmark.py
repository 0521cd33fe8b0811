"""Benchmark `scli report` on PostgreSQL with millions of generated streams.

For each size (default 1,000,000 and 10,000,000 streams): write a small dump with
`strider_challenge.generator.write_dump` (movies, users, authors, books, reviews) and
a stream CSV of that size with `write_streams` over the dump's movie titles and
e-mails, so every join finds matches; load them into a fresh database with
`scli init-db` and `scli load`; run `ANALYZE`; then time `scli report --format json`
as a child process (start-up included), `--runs` times, and print the median, min and
max. Targets on this machine: under 2 s at 1M, under 15 s at 10M.

Run it from the repository root with the project's venv:

    .venv/bin/python benchmarks/report_benchmark.py
    .venv/bin/python benchmarks/report_benchmark.py --rows 20000 --runs 1   # smoke

The generated files stay in --work-dir for the next run. `--reuse` keeps a database
that already holds the requested number of streams instead of reloading it (to time
query changes); `--keep` leaves the databases in place at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from strider_challenge.generator import write_dump, write_streams

#: The six loads: model, collector, file inside the dump folder.
LOADS = (
    ("movie", "csv", "internal/movies.csv"),
    ("user", "csv", "internal/users.csv"),
    ("author", "json", "vendor/authors.json"),
    ("book", "json", "vendor/books.json"),
    ("review", "json", "vendor/reviews.json"),
)
#: Sizes of the small dump around the streams.
DUMP = {"movies": 500, "users": 50_000, "authors": 200, "books": 120, "reviews": 600}
SCLI = Path(sys.executable).with_name("scli")


@dataclass
class Result:
    """The timings of one size."""

    rows: int
    load_seconds: float | None
    times: list[float]
    answers: dict[str, object]


def database_name(rows: int) -> str:
    """One database per size, so both can be kept and reused."""
    return f"scli_report_bench_{rows}"


def scli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run scli on the benchmark database; fail loudly if it fails."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [str(SCLI), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"scli {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def write_files(work: Path, rows: int) -> tuple[Path, Path]:
    """The dump folder and the stream CSV of `rows` rows, written once and kept."""
    dump = work / "dump"
    if not (dump / "vendor" / "reviews.json").exists():
        write_dump(dump, streams=0, **DUMP)
    streams = work / f"streams_{rows}.csv"
    if not streams.exists():
        with (dump / "internal" / "movies.csv").open(encoding="utf-8") as file:
            movies = [row["title"] for row in csv.DictReader(file)]
        with (dump / "internal" / "users.csv").open(encoding="utf-8") as file:
            emails = [row["email"] for row in csv.DictReader(file)]
        started = time.perf_counter()
        partial = streams.with_suffix(".partial")
        write_streams(partial, count=rows, movies=movies, emails=emails)
        partial.rename(streams)
        print(f"  wrote {streams} in {time.perf_counter() - started:.0f} s")
    return dump, streams


def prepare(
    server: str, work: Path, rows: int, reuse: bool
) -> tuple[str, float | None]:
    """A database holding the dump and `rows` streams; the load's seconds, if loaded."""
    name = database_name(rows)
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        if reuse and _stream_count(url) == rows:
            print(f"  reusing {name}: it holds {rows:,} streams")
            return url, None
        dump, streams = write_files(work, rows)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    scli(url, "init-db", "--quiet")
    started = time.perf_counter()
    for model, collector, file in LOADS:
        scli(url, "load", "-q", "-m", model, "-c", collector, "-f", str(dump / file))
    scli(url, "load", "-q", "-m", "stream", "-c", "csv", "-f", str(streams))
    seconds = time.perf_counter() - started
    print(f"  loaded {rows:,} streams in {seconds:.0f} s")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    if _stream_count(url) != rows:
        raise SystemExit(f"{name} does not hold {rows:,} streams after the load")
    return url, seconds


def _stream_count(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM stream")).one()[0])
    except Exception:  # noqa: BLE001 - no database or no table: nothing to reuse
        return None
    finally:
        engine.dispose()


def time_report(url: str, runs: int) -> tuple[list[float], dict[str, object]]:
    """Seconds of each `scli report --format json` run, and the answers it gave."""
    times, answers = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        done = scli(url, "report", "--format", "json")
        times.append(time.perf_counter() - started)
        answers = json.loads(done.stdout)
    return times, answers


def main() -> None:
    """Parse the options, run every size, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="the server, through a database to create the benchmark ones from",
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/scli_report_bench"))
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    options = parser.parse_args()
    server = make_url(options.pg_url)
    if server.drivername in ("postgresql", "postgres"):
        server = server.set(drivername="postgresql+psycopg2")
    server_url = server.render_as_string(hide_password=False)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    print(f"scli report benchmark, {os.cpu_count()} CPUs, {server_url.split('@')[-1]}")
    results = []
    for rows in options.rows:
        print(f"{rows:,} streams:")
        url, load_seconds = prepare(server_url, options.work_dir, rows, options.reuse)
        times, answers = time_report(url, options.runs)
        results.append(Result(rows, load_seconds, times, answers))
        print(f"  answers: {json.dumps(answers)}")
        if not options.keep:
            admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                name = database_name(rows)
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    print()
    print(f"{'rows':>12}  {'load s':>7}  {'median s':>8}  {'min s':>6}  {'max s':>6}")
    for result in results:
        load = "-" if result.load_seconds is None else f"{result.load_seconds:.0f}"
        print(
            f"{result.rows:>12,}  {load:>7}  {statistics.median(result.times):>8.2f}"
            f"  {min(result.times):>6.2f}  {max(result.times):>6.2f}"
        )


if __name__ == "__main__":
    main()
