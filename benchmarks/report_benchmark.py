"""Benchmark `scli report` on PostgreSQL with millions of generated streams.

For each size (default 1,000,000 and 10,000,000 streams): write a small dump with
`strider_challenge.generator.write_dump` (movies, users, authors, books, reviews) and
a stream CSV of that size with `write_streams` over the dump's movie titles and
e-mails, so every join finds matches; load them into a fresh database with
`scli init-db` and `scli load`; run `ANALYZE`; then time `scli report --format json`
and `scli report --format html -o FILE` as child processes (start-up included),
`--runs` times each, interleaved (run i times both formats, the first alternating,
so machine noise hits both), and print the median, min and max of each and the
ratio of the medians, html / json. Targets on this machine: json under 2 s at 1M
and under 15 s at 10M; html at most 2x json.

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


#: The formats timed, the baseline first: each format's extra `scli` arguments.
FORMATS = {"json": ("--format", "json"), "html": ("--format", "html", "-o")}


@dataclass
class Result:
    """The timings of one size."""

    rows: int
    load_seconds: float | None
    times: dict[str, list[float]]
    answers: dict[str, object]

    def median(self, output: str) -> float:
        """The median seconds of one format."""
        return statistics.median(self.times[output])


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


def time_report(
    url: str, runs: int, work: Path
) -> tuple[dict[str, list[float]], dict[str, object]]:
    """Seconds of each run of each format, and the answers the JSON gave.

    Run i times json then html when i is even, html then json when it is odd.
    """
    times: dict[str, list[float]] = {output: [] for output in FORMATS}
    answers: dict[str, object] = {}
    page = work / "report.html"
    for run in range(runs):
        order = list(FORMATS) if run % 2 == 0 else list(reversed(FORMATS))
        for output in order:
            args = (
                [*FORMATS[output], str(page)] if output == "html" else FORMATS[output]
            )
            page.unlink(missing_ok=True)
            started = time.perf_counter()
            done = scli(url, "report", *args)
            times[output].append(time.perf_counter() - started)
            if output == "json":
                answers = json.loads(done.stdout)
            elif "<svg" not in page.read_text(encoding="utf-8"):
                raise SystemExit(f"{page} has no chart: the html run drew nothing")
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
        times, answers = time_report(url, options.runs, options.work_dir)
        results.append(Result(rows, load_seconds, times, answers))
        print(f"  answers: {json.dumps(answers)}")
        if not options.keep:
            admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                name = database_name(rows)
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    print()
    print(
        f"{'rows':>12}  {'format':>6}  {'load s':>7}  {'median s':>8}  {'min s':>6}"
        f"  {'max s':>6}  {'html/json':>9}"
    )
    for result in results:
        load = "-" if result.load_seconds is None else f"{result.load_seconds:.0f}"
        ratio = result.median("html") / result.median("json")
        for output, seconds in result.times.items():
            shown = f"{ratio:.2f}" if output == "html" else "-"
            print(
                f"{result.rows:>12,}  {output:>6}  {load:>7}"
                f"  {result.median(output):>8.2f}  {min(seconds):>6.2f}"
                f"  {max(seconds):>6.2f}  {shown:>9}"
            )


if __name__ == "__main__":
    main()
