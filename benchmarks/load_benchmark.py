r"""Benchmark `scli load` of streams against the databases' own bulk loaders.

Measures, on a generated stream CSV (default 1,000,000 rows):

* PostgreSQL fresh load: `scli load` vs `psql \copy` into an identically keyed table;
* PostgreSQL replay of the same dump (same `--as-of`: nothing to write), and the
  next night's identical dump in `--mode full` (every row seen again: `last_seen_at`
  moves), each vs the same `\copy` baseline;
* SQLite fresh load: `scli load` vs the `sqlite3` shell's `.import` into a keyed
  table, with the pragmas scli uses (WAL, synchronous=NORMAL);
* the peak RSS of every `scli load`, plus one PostgreSQL fresh load of a larger file
  (default 5,000,000 rows) to show memory does not grow with the file.

Every timed step is a whole child process (start-up included), timed with a
monotonic clock and reaped with `os.wait4` to read its peak RSS. Runs are interleaved
(baseline, then ours, run after run) so machine noise hits both alike, and each run
starts from a fresh database. After every step the table's row count must equal the
file's, otherwise the benchmark fails. Run `--help` for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from strider_challenge.generator import write_streams

#: Database the benchmark drops and recreates on the PostgreSQL server for every run.
BENCH_DATABASE = "scli_load_bench"
#: Column order of the generated stream CSV (its header line).
CSV_COLUMNS = "movie_title,user_email,size_mb,start_at,end_at"
#: Baseline PostgreSQL table: the five data columns and primary key of `stream`.
#: Spelt out rather than `LIKE stream` so the baseline stays fixed when scli adds
#: bookkeeping columns or indexes to its table (those are part of scli's cost).
PG_BASELINE_DDL = (
    "CREATE TABLE baseline_stream (user_email VARCHAR NOT NULL, "
    "movie_title VARCHAR NOT NULL, start_at TIMESTAMP WITH TIME ZONE NOT NULL, "
    "end_at TIMESTAMP WITH TIME ZONE NOT NULL, size_mb FLOAT NOT NULL, "
    "PRIMARY KEY (user_email, movie_title, start_at))"
)
#: Baseline SQLite table: the CSV's column order, the `stream` table's primary key.
SQLITE_BASELINE_DDL = (
    "CREATE TABLE baseline_stream (movie_title VARCHAR NOT NULL, "
    "user_email VARCHAR NOT NULL, size_mb FLOAT NOT NULL, "
    "start_at DATETIME NOT NULL, end_at DATETIME NOT NULL, "
    "PRIMARY KEY (user_email, movie_title, start_at));"
)
#: Scenario names, in the order the table shows them.
PG_FRESH = "postgres fresh (scli load)"
PG_COPY = "postgres \\copy keyed table"
PG_RELOAD = "postgres replay unchanged"
PG_FULL = "postgres full reload, next day"
PG_APPEND = "postgres append, next day"
#: The effective times of the loads: the fresh load and its replay, then the next dump.
AS_OF = "2021-12-31T02:00:00+01:00"
NEXT_DAY = "2022-01-01T02:00:00+01:00"
DAY_AFTER = "2022-01-02T02:00:00+01:00"

#: The viewers of the other file's streams: none of its keys is in the first file.
OTHER_VIEWERS = "example.net"
SQLITE_FRESH = "sqlite fresh (scli load)"
SQLITE_IMPORT = "sqlite .import keyed table"
PG_RSS = "postgres fresh, RSS check"
ORDER = (
    PG_FRESH,
    PG_COPY,
    PG_RELOAD,
    PG_FULL,
    PG_APPEND,
    SQLITE_FRESH,
    SQLITE_IMPORT,
    PG_RSS,
)
#: Word pools for the generator: any strings do, only their counts matter.
MOVIE_COUNT = 500
EMAIL_COUNT = 50_000


class BenchmarkError(RuntimeError):
    """A step failed or loaded the wrong number of rows: the numbers would lie."""


@dataclass
class Sample:
    """One timed child process."""

    seconds: float
    max_rss_mb: float


@dataclass
class Scenario:
    """Every run of one measurement, and the baseline it is compared with."""

    name: str
    rows: int
    samples: list[Sample] = field(default_factory=list)
    baseline: str | None = None
    show_rss: bool = True

    @property
    def times(self) -> list[float]:
        """Return the wall-clock seconds of every run."""
        return [sample.seconds for sample in self.samples]

    @property
    def median(self) -> float:
        """Return the median wall-clock seconds."""
        return statistics.median(self.times)

    @property
    def peak_rss_mb(self) -> float:
        """Return the highest peak RSS of any run, in MiB."""
        return max(sample.max_rss_mb for sample in self.samples)


@dataclass(frozen=True)
class Postgres:
    """How to reach the PostgreSQL server, taken from `--pg-url`."""

    host: str
    port: int
    user: str
    password: str | None
    maintenance_db: str
    url: str

    @classmethod
    def from_url(cls, url: str) -> Postgres:
        """Parse a `postgresql://user[:password]@host[:port]/database` URL.

        Args:
            url: the server's URL; its database is used to drop and create the
                benchmark database.

        Returns:
            The connection settings.
        """
        parts = urlsplit(url)
        if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
            raise BenchmarkError(f"--pg-url must be a postgresql:// URL, not {url!r}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            maintenance_db=unquote(parts.path.lstrip("/")) or "postgres",
            url=url,
        )

    def bench_url(self) -> str:
        """Return the URL of the benchmark database, for `scli`'s DATABASE_URL."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))

    def env(self) -> dict[str, str]:
        """Return the environment for `psql` (the password, if the URL has one)."""
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def psql_args(self, database: str, command: str) -> list[str]:
        """Return a `psql` command line that runs one command and stops on error.

        Args:
            database: the database to connect to.
            command: one SQL statement or one backslash command.

        Returns:
            The arguments, `psql` first.
        """
        return [
            "psql",
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-d",
            database,
            "-c",
            command,
        ]

    def run(self, database: str, command: str) -> str:
        """Run one untimed command with `psql` and return its output.

        Args:
            database: the database to connect to.
            command: one SQL statement or one backslash command.

        Returns:
            What psql printed, stripped.
        """
        return run_checked(self.psql_args(database, command), env=self.env())


def run_checked(args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run an untimed helper command; raise with its output if it fails.

    Args:
        args: the command line.
        env: the environment, or None to inherit ours.

    Returns:
        Its standard output, stripped.
    """
    done = subprocess.run(
        list(args), env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(args[:1])} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()}"
        )
    return done.stdout.strip()


def timed(
    args: Sequence[str],
    log_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Sample:
    """Run one measured child process; return its wall time and peak RSS.

    The clock covers the whole process, start-up included. Output goes to files, not
    pipes, so a chatty child can never block before it is reaped by `os.wait4`.

    Args:
        args: the command line.
        log_dir: where the child's stdout and stderr are kept.
        env: the environment, or None to inherit ours.
        stdin: text fed to the child's standard input, if any.

    Returns:
        The sample.
    """
    out_path, err_path = log_dir / "last.stdout", log_dir / "last.stderr"
    in_file: IO[bytes] | None = None
    if stdin is not None:
        in_file = tempfile.TemporaryFile(dir=log_dir)
        in_file.write(stdin.encode())
        in_file.seek(0)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(args),
            env=env,
            stdin=in_file if in_file is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if in_file is not None:
        in_file.close()
    if process.returncode != 0:
        output = (err_path.read_text() + out_path.read_text()).strip()
        raise BenchmarkError(
            f"{' '.join(args)} failed ({process.returncode}): {output[-2000:]}"
        )
    # Linux reports ru_maxrss in KiB.
    return Sample(seconds=seconds, max_rss_mb=usage.ru_maxrss / 1024)


def count_csv_rows(path: Path) -> int:
    """Return the data rows of a CSV without embedded newlines (lines - header).

    Args:
        path: the CSV file.

    Returns:
        The number of records after the header line.
    """
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def stream_file(work_dir: Path, rows: int, viewers: str = "example.com") -> Path:
    """Return a stream CSV of `rows` rows, generating it unless it already exists.

    Args:
        work_dir: where generated files are kept between runs of the script.
        rows: how many streams the file must hold.
        viewers: the domain of the viewers' e-mail addresses.

    Returns:
        The path of the file.
    """
    suffix = "" if viewers == "example.com" else f"_{viewers}"
    path = work_dir / f"streams_{rows}{suffix}.csv"
    if path.exists() and count_csv_rows(path) == rows:
        print(f"reusing {path}", flush=True)
        return path
    print(f"generating {path} ...", flush=True)
    start = time.perf_counter()
    partial = path.with_suffix(".csv.partial")
    # In a child: a child's ru_maxrss starts at its parent's peak RSS (Linux carries
    # the high-water mark across fork and exec), so this process must stay small.
    run_checked(
        [sys.executable, __file__, "--generate", str(partial), str(rows), viewers]
    )
    partial.replace(path)
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    return path


def generate(path: Path, rows: int, viewers: str) -> None:
    """Write a stream CSV with the project's generator (run in a child process).

    Args:
        path: where to write it.
        rows: how many streams.
        viewers: the domain of the viewers' e-mail addresses.
    """
    write_streams(
        path,
        count=rows,
        movies=[f"Benchmark Movie {index:03d}" for index in range(MOVIE_COUNT)],
        emails=[f"viewer{index:05d}@{viewers}" for index in range(EMAIL_COUNT)],
    )


def own_peak_rss_mb() -> float:
    """Return this script's peak RSS in MiB: the floor of every child's reading."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def expect_rows(where: str, found: int, expected: int) -> None:
    """Fail loudly unless a table holds exactly the file's rows.

    Args:
        where: what was counted, for the message.
        found: rows in the table.
        expected: rows in the file.
    """
    if found != expected:
        raise BenchmarkError(
            f"{where} holds {found} rows but the file has {expected}: "
            "this run did not load the file, its time means nothing"
        )


class Bench:
    """Runs the measurements; holds the tools' paths and the collected scenarios."""

    def __init__(self, args: argparse.Namespace) -> None:
        """Check the tools are there and learn what `scli load` accepts.

        Args:
            args: the parsed command line.
        """
        self.work_dir: Path = args.work_dir.resolve()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.work_dir / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.scli = find_scli()
        self.pg = Postgres.from_url(args.pg_url)
        help_text = run_checked([self.scli, "load", "--help"])
        self.force = ["--force"] if "--force" in help_text else []
        self.scenarios: dict[str, Scenario] = {}

    def scenario(self, name: str, rows: int, **extra: Any) -> Scenario:
        """Return the scenario called `name`, creating it on first use.

        Args:
            name: the label shown in the table.
            rows: rows in its file.
            **extra: other `Scenario` fields, used on creation.

        Returns:
            The scenario.
        """
        if name not in self.scenarios:
            self.scenarios[name] = Scenario(name=name, rows=rows, **extra)
        return self.scenarios[name]

    def scli_env(self, database_url: str) -> dict[str, str]:
        """Return the environment for `scli` with DATABASE_URL set.

        Args:
            database_url: the target database.

        Returns:
            Our environment plus DATABASE_URL.
        """
        return {**os.environ, "DATABASE_URL": database_url}

    def scli_load(
        self, path: Path, database_url: str, *, force: bool, extra: Sequence[str] = ()
    ) -> Sample:
        """Time one `scli load` of a stream CSV.

        Args:
            path: the CSV.
            database_url: the target database.
            force: pass `--force` (only if this `scli` has it).
            extra: more options (`--as-of`, `--mode`).

        Returns:
            The sample.
        """
        args = [self.scli, "load", "--model", "stream", "--collector", "csv"]
        args += ["--config", str(path), "--quiet", *extra]
        if force:
            args += self.force
        return timed(args, self.log_dir, env=self.scli_env(database_url))

    # PostgreSQL ---------------------------------------------------------------

    def pg_fresh_database(self) -> None:
        """Drop and recreate the benchmark database, then let `scli` create tables."""
        self.pg.run(
            self.pg.maintenance_db,
            f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
        )
        self.pg.run(self.pg.maintenance_db, f"CREATE DATABASE {BENCH_DATABASE}")
        run_checked(
            [self.scli, "init-db", "--quiet"], env=self.scli_env(self.pg.bench_url())
        )

    def pg_checkpoint(self) -> None:
        """Flush dirty buffers now, so a previous step's writes do not land in the next.

        Without it the server may write the previous step's pages (and recycle WAL)
        while the next step is being timed.
        """
        self.pg.run(BENCH_DATABASE, "CHECKPOINT")

    def pg_count(self, table: str) -> int:
        """Return the rows of a table in the benchmark database.

        Args:
            table: the table.

        Returns:
            Its row count.
        """
        return int(self.pg.run(BENCH_DATABASE, f"SELECT count(*) FROM {table}"))

    def pg_run(self, path: Path, rows: int, other: Path) -> None:
        r"""Run once: `\copy` baseline, fresh `scli load`, reloads, then an append.

        Args:
            path: the stream CSV.
            rows: its row count.
            other: as many streams, none of them in `path`.
        """
        if "'" in str(path):
            raise BenchmarkError(f"the file path must not contain a quote: {path}")
        self.pg_fresh_database()
        self.pg.run(BENCH_DATABASE, PG_BASELINE_DDL)
        self.pg_checkpoint()
        copy = (
            f"\\copy baseline_stream ({CSV_COLUMNS}) FROM '{path}' "
            "WITH (FORMAT csv, HEADER)"
        )
        sample = timed(
            self.pg.psql_args(BENCH_DATABASE, copy), self.log_dir, env=self.pg.env()
        )
        expect_rows("postgres baseline_stream", self.pg_count("baseline_stream"), rows)
        self.scenario(PG_COPY, rows, show_rss=False).samples.append(sample)
        # The baseline's rows must not share the server with ours.
        self.pg.run(BENCH_DATABASE, "DROP TABLE baseline_stream")

        url = self.pg.bench_url()
        self.pg_checkpoint()
        sample = self.scli_load(path, url, force=False, extra=["--as-of", AS_OF])
        expect_rows("postgres stream (fresh)", self.pg_count("stream"), rows)
        self.scenario(PG_FRESH, rows, baseline=PG_COPY).samples.append(sample)

        # The same dump again: nothing to write.
        self.pg_checkpoint()
        sample = self.scli_load(path, url, force=True, extra=["--as-of", AS_OF])
        expect_rows("postgres stream (replay)", self.pg_count("stream"), rows)
        self.scenario(PG_RELOAD, rows, baseline=PG_COPY).samples.append(sample)

        # The next night's full dump, identical: every row is seen again.
        self.pg_checkpoint()
        full = ["--as-of", NEXT_DAY, "--mode", "full"]
        sample = self.scli_load(path, url, force=True, extra=full)
        expect_rows("postgres stream (full)", self.pg_count("stream"), rows)
        self.scenario(PG_FULL, rows, baseline=PG_COPY).samples.append(sample)

        # The night after, as many new streams: the table and its indexes are live.
        self.pg_checkpoint()
        sample = self.scli_load(other, url, force=False, extra=["--as-of", DAY_AFTER])
        expect_rows("postgres stream (append)", self.pg_count("stream"), 2 * rows)
        self.scenario(PG_APPEND, rows, baseline=PG_COPY).samples.append(sample)

    def pg_rss_run(self, path: Path, rows: int) -> Sample:
        """Run one fresh PostgreSQL `scli load` of the larger file, for its RSS.

        Args:
            path: the larger stream CSV.
            rows: its row count.

        Returns:
            The sample.
        """
        self.pg_fresh_database()
        self.pg_checkpoint()
        sample = self.scli_load(path, self.pg.bench_url(), force=False)
        expect_rows("postgres stream (RSS check)", self.pg_count("stream"), rows)
        self.scenario(PG_RSS, rows).samples.append(sample)
        return sample

    def pg_cleanup(self) -> None:
        """Drop the benchmark database: it can hold gigabytes."""
        self.pg.run(
            self.pg.maintenance_db,
            f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
        )

    # SQLite -------------------------------------------------------------------

    def sqlite_fresh(self, name: str) -> Path:
        """Return the path of a new, empty SQLite file, removing any previous one.

        Args:
            name: the file's stem.

        Returns:
            The path (not yet created).
        """
        path = self.work_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    def sqlite_run(self, path: Path, rows: int) -> None:
        """Run once: `sqlite3 .import` baseline, then fresh `scli load`.

        Args:
            path: the stream CSV.
            rows: its row count.
        """
        base_db = self.sqlite_fresh("baseline")
        run_checked(["sqlite3", str(base_db), SQLITE_BASELINE_DDL])
        script = (
            "PRAGMA journal_mode=WAL;\n"
            "PRAGMA synchronous=NORMAL;\n"
            f".import --csv --skip 1 {json.dumps(str(path))} baseline_stream\n"
        )
        sample = timed(
            ["sqlite3", "-batch", "-bail", str(base_db)], self.log_dir, stdin=script
        )
        expect_rows("sqlite baseline_stream", sqlite_count(base_db, "baseline"), rows)
        self.scenario(SQLITE_IMPORT, rows, show_rss=False).samples.append(sample)
        self.sqlite_fresh("baseline")

        ours_db = self.sqlite_fresh("scli")
        url = f"sqlite:///{ours_db}"
        run_checked([self.scli, "init-db", "--quiet"], env=self.scli_env(url))
        sample = self.scli_load(path, url, force=False)
        expect_rows("sqlite stream", sqlite_count(ours_db, "scli"), rows)
        self.scenario(SQLITE_FRESH, rows, baseline=SQLITE_IMPORT).samples.append(sample)
        self.sqlite_fresh("scli")


def sqlite_count(path: Path, which: str) -> int:
    """Return the rows of the table a SQLite benchmark file was filled in.

    Args:
        path: the database file.
        which: "baseline" (table baseline_stream) or "scli" (table stream).

    Returns:
        The row count.
    """
    table = "baseline_stream" if which == "baseline" else "stream"
    connection = sqlite3.connect(path)
    try:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    finally:
        connection.close()
    return int(count)


def find_scli() -> str:
    """Return the `scli` beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "scli"
    if beside.exists():
        return str(beside)
    found = shutil.which("scli")
    if found is None:
        raise BenchmarkError("scli not found: run this with the project's venv python")
    return found


def tool_version(args: Sequence[str]) -> str:
    """Return a tool's one-line version, or "unavailable".

    Args:
        args: the command that prints the version.

    Returns:
        The version line.
    """
    try:
        return run_checked(args).splitlines()[0]
    except (OSError, BenchmarkError, IndexError):
        return "unavailable"


def git_commit(repo: Path) -> str:
    """Return the short HEAD commit, with "-dirty" if anything differs from it.

    Uses read-only git commands (`--no-optional-locks` so the index is not touched).

    Args:
        repo: any path inside the repository.

    Returns:
        For example "97e07dd-dirty".
    """
    try:
        commit = run_checked(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
        status = run_checked(
            ["git", "--no-optional-locks", "-C", str(repo), "status", "--porcelain"]
        )
    except (OSError, BenchmarkError):
        return "unknown"
    return f"{commit}-dirty" if status else commit


def machine_info() -> dict[str, str]:
    """Return the date, machine, tool versions and git commit of this run."""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "python": platform.python_version(),
        "psql": tool_version(["psql", "--version"]),
        "sqlite3": tool_version(["sqlite3", "--version"]).split(" ")[0],
        "commit": git_commit(Path(__file__).resolve().parent),
        "load_start": f"{os.getloadavg()[0]:.2f}",
    }


def short_count(rows: int) -> str:
    """Return a row count as people say it: 1000000 -> "1M", 20000 -> "20k".

    Args:
        rows: the count.

    Returns:
        The short form.
    """
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if rows >= size:
            return f"{rows / size:g}{unit}"
    return str(rows)


def report(
    info: Mapping[str, str],
    scenarios: Mapping[str, Scenario],
    rss_line: str | None,
    floor_mb: float,
) -> str:
    """Return the plain-text results: header line, table, RSS comparison.

    Args:
        info: what `machine_info` returned.
        scenarios: every measurement, in the order to show.
        rss_line: the RSS comparison sentence, if it was measured.
        floor_mb: this script's own peak RSS, below which no child can read.

    Returns:
        The text to print.
    """
    header = (
        f"{info['date']}  nproc={info['nproc']}  python {info['python']}  "
        f"{info['psql']}  sqlite3 {info['sqlite3']}  commit {info['commit']}  "
        f"load avg {info['load_start']} -> {info.get('load_end', '?')}"
    )
    columns = (
        f"{'scenario':<30}{'rows':>9}{'runs':>6}{'median s':>11}{'min s':>9}"
        f"{'max s':>9}{'rows/s':>10}{'peak RSS MB':>14}{'baseline median s':>20}"
        f"{'ratio':>8}"
    )
    lines = [header, "", columns]
    for scenario in sorted(scenarios.values(), key=lambda s: ORDER.index(s.name)):
        median = scenario.median
        rss = f"{scenario.peak_rss_mb:.1f}" if scenario.show_rss else "-"
        base_median, ratio = "-", "-"
        if scenario.baseline is not None and scenario.baseline in scenarios:
            base = scenarios[scenario.baseline].median
            base_median, ratio = f"{base:.2f}", f"{median / base:.2f}"
        lines.append(
            f"{scenario.name:<30}{scenario.rows:>9}{len(scenario.samples):>6}"
            f"{median:>11.2f}{min(scenario.times):>9.2f}{max(scenario.times):>9.2f}"
            f"{scenario.rows / median:>10.0f}{rss:>14}{base_median:>20}{ratio:>8}"
        )
    lines.append("")
    if rss_line:
        lines.append(rss_line)
    lines.append(
        f"(RSS floor: this script's own peak is {floor_mb:.1f} MB; "
        "a child's ru_maxrss never reads lower)"
    )
    return "\n".join(lines)


def rss_comparison(small: Scenario, large: Scenario) -> tuple[str, float]:
    """Compare the peak RSS of the normal-size and the larger PostgreSQL load.

    Args:
        small: the fresh PostgreSQL scenario (several runs: its highest peak).
        large: the larger single load.

    Returns:
        The sentence to print and the difference in percent.
    """
    small_mb, large_mb = small.peak_rss_mb, large.peak_rss_mb
    change = (large_mb / small_mb - 1) * 100
    line = (
        f"RSS at {short_count(small.rows)} vs {short_count(large.rows)}: "
        f"{small_mb:.1f} MB vs {large_mb:.1f} MB ({change:+.1f}%)"
    )
    return line, change


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: the arguments, or None for sys.argv.

    Returns:
        The options.
    """
    parser = argparse.ArgumentParser(
        description="Time scli load of streams against psql \\copy and sqlite3 "
        ".import, and measure its peak memory.",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per file")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--rss-rows",
        type=int,
        default=5_000_000,
        help="rows of the extra PostgreSQL load for the RSS check (0: skip it)",
    )
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help=f"PostgreSQL server (its database is used to (re)create "
        f"{BENCH_DATABASE})",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "scli_load_bench",
        help="where generated CSVs (reused), SQLite files and logs go",
    )
    parser.add_argument(
        "--only", choices=("postgres", "sqlite"), help="run only one database's part"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--generate",
        nargs=3,
        metavar=("PATH", "ROWS", "DOMAIN"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.runs < 1 or args.rss_rows < 0:
        parser.error("--rows and --runs must be positive, --rss-rows not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table.

    Args:
        argv: the arguments, or None for sys.argv.

    Returns:
        The exit code.
    """
    args = parse_args(argv)
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]), args.generate[2])
        return 0
    try:
        bench = Bench(args)
        info = machine_info()
        do_pg = args.only in (None, "postgres")
        do_sqlite = args.only in (None, "sqlite")
        path = stream_file(bench.work_dir, args.rows)
        rows = count_csv_rows(path)
        other = stream_file(bench.work_dir, rows, OTHER_VIEWERS) if do_pg else path
        if bench.force:
            print("scli load has --force: the reload passes it", flush=True)
        for run in range(1, args.runs + 1):
            if do_pg:
                print(f"run {run}/{args.runs}: postgres", flush=True)
                bench.pg_run(path, rows, other)
            if do_sqlite:
                print(f"run {run}/{args.runs}: sqlite", flush=True)
                bench.sqlite_run(path, rows)
        rss_line, rss_change = None, None
        if do_pg and args.rss_rows:
            big = stream_file(bench.work_dir, args.rss_rows)
            print(f"RSS check: postgres fresh load of {args.rss_rows} rows", flush=True)
            bench.pg_rss_run(big, count_csv_rows(big))
            rss_line, rss_change = rss_comparison(
                bench.scenarios[PG_FRESH], bench.scenarios[PG_RSS]
            )
        if do_pg:
            bench.pg_cleanup()
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print()
    info["load_end"] = f"{os.getloadavg()[0]:.2f}"
    floor_mb = own_peak_rss_mb()
    print(report(info, bench.scenarios, rss_line, floor_mb))
    if args.json:
        results = {
            "machine": info,
            "scli_load_force": bool(bench.force),
            "scenarios": [
                {
                    **asdict(scenario),
                    "median_s": scenario.median,
                    "min_s": min(scenario.times),
                    "max_s": max(scenario.times),
                    "rows_per_s": scenario.rows / scenario.median,
                    "peak_rss_mb": scenario.peak_rss_mb,
                    "ratio": (
                        scenario.median / bench.scenarios[scenario.baseline].median
                        if scenario.baseline
                        else None
                    ),
                }
                for scenario in sorted(
                    bench.scenarios.values(), key=lambda s: ORDER.index(s.name)
                )
            ],
            "rss": {
                "line": rss_line,
                "change_percent": rss_change,
                "floor_mb": floor_mb,
            },
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
