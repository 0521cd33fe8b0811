r"""Benchmark `scli load` of streams against the databases' own bulk loaders.

The measurements are the list `SCENARIOS`: each starts from a database STATE (an
empty one, or one already holding 1x, 5x or 10x `--rows` streams), runs one command
(`scli load`, `psql \copy` or `sqlite3 .import`) on one FILE, and may name the
baseline its time is divided by and the target that ratio must meet. The project's
generator writes every file; states are built once (untimed) as template databases,
and every timed run starts from a fresh copy of its state (`CREATE DATABASE ...
TEMPLATE`), so runs are independent and can be interleaved: run i times every
scenario once, in list order, before run i+1 starts.

Every timed step is a whole child process (start-up included), timed with a
monotonic clock and reaped with `os.wait4` for its peak RSS. After every step the
table's row count must be what the scenario expects, or the benchmark fails: a load
that loads nothing cannot look fast. Run `--help` for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from strider_challenge.generator import DUMP_DAYS, DUMP_FIRST_DAY, write_streams

#: The database every timed PostgreSQL run uses, recreated from its state each time.
BENCH_DATABASE = "scli_bench"
#: Prefix of the template databases that hold the states.
STATE_PREFIX = "scli_bench_state_"
#: Column order of the generated stream CSV (its header line).
CSV_COLUMNS = "movie_title,user_email,size_mb,start_at,end_at"
#: Baseline PostgreSQL table: the five data columns and primary key of `stream`,
#: spelt out so the baseline stays fixed when scli adds columns, indexes or
#: partitions to its own table (those are part of scli's cost).
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
#: The effective times: the dump's own load, the next night's, the night's streams.
AS_OF = "2021-12-31T02:00:00+01:00"
NEXT_NIGHT = "2022-01-01T02:00:00+01:00"
NIGHT_AS_OF = "2022-01-02T02:00:00+01:00"
#: The day a night's new streams start on: no state holds a stream of that day.
NIGHT_DAY = date(2022, 1, 1)
#: Word pools for the generator: any strings do, only their counts matter.
MOVIES = [f"Benchmark Movie {index:03d}" for index in range(500)]
EMAIL_COUNT = 50_000
#: What one night of 8 GB of stream CSV holds, for the extrapolation.
NIGHT_OF_8_GB = 66_000_000


@dataclass(frozen=True)
class File:
    """A generated stream CSV: `scale` x `--rows` rows written with these arguments."""

    scale: int
    seed: int = 2021
    viewers: str = "example.com"
    night: bool = False
    changed: float = 0.0


#: Every file a scenario or state reads. The dump and its changed copy share keys; the
#: held files share none with `night` (another day) or `same_days` (other viewers).
FILES = {
    "dump": File(1),
    "changed": File(1, changed=0.10),
    "held_5x": File(5, seed=5),
    "held_10x": File(10, seed=10),
    "night": File(1, seed=2022, night=True),
    "same_days": File(1, seed=2023, viewers="example.net"),
}


@dataclass(frozen=True)
class State:
    """A database to start from: scli's tables or the baseline table, maybe filled."""

    database: str
    tables: str  # "scli" or "baseline"
    file: str | None = None


STATES = {
    "pg_empty": State("postgres", "scli"),
    "pg_1x": State("postgres", "scli", "dump"),
    "pg_5x": State("postgres", "scli", "held_5x"),
    "pg_10x": State("postgres", "scli", "held_10x"),
    "pg_copy_empty": State("postgres", "baseline"),
    "pg_copy_5x": State("postgres", "baseline", "held_5x"),
    "sqlite_empty": State("sqlite", "scli"),
    "sqlite_copy_empty": State("sqlite", "baseline"),
}


@dataclass(frozen=True)
class Scenario:
    """One timed command from one state, and what its time is compared with."""

    name: str
    state: str
    file: str
    options: tuple[str, ...] = ()
    baseline: str | None = None
    target: float | None = None
    new_rows: bool = True  # the file's rows are all new to the state


SCENARIOS = (
    Scenario(r"pg \copy, empty keyed table", "pg_copy_empty", "dump"),
    Scenario(
        "pg fresh load",
        "pg_empty",
        "dump",
        ("--as-of", AS_OF),
        r"pg \copy, empty keyed table",
        1.0,
    ),
    Scenario(
        "pg same file again, same as-of",
        "pg_1x",
        "dump",
        ("--force", "--as-of", AS_OF),
        r"pg \copy, empty keyed table",
        0.5,
        new_rows=False,
    ),
    Scenario(
        "pg next night, identical full",
        "pg_1x",
        "dump",
        ("--force", "--mode", "full", "--as-of", NEXT_NIGHT),
        r"pg \copy, empty keyed table",
        1.0,
        new_rows=False,
    ),
    Scenario(
        "pg full dump, 10% changed",
        "pg_1x",
        "changed",
        ("--mode", "full", "--as-of", NEXT_NIGHT),
        r"pg \copy, empty keyed table",
        1.5,
        new_rows=False,
    ),
    Scenario(r"pg \copy night into 5x", "pg_copy_5x", "night"),
    Scenario(
        "pg night into 5x (new day)",
        "pg_5x",
        "night",
        ("--as-of", NIGHT_AS_OF),
        r"pg \copy night into 5x",
        1.0,
    ),
    Scenario(r"pg \copy same days into 5x", "pg_copy_5x", "same_days"),
    Scenario(
        "pg same days into 5x",
        "pg_5x",
        "same_days",
        ("--as-of", NIGHT_AS_OF),
        r"pg \copy same days into 5x",
        1.5,
    ),
    Scenario("pg night into 1x", "pg_1x", "night", ("--as-of", NIGHT_AS_OF)),
    Scenario("pg night into 10x", "pg_10x", "night", ("--as-of", NIGHT_AS_OF)),
    Scenario("sqlite .import, empty keyed table", "sqlite_copy_empty", "dump"),
    Scenario(
        "sqlite fresh load",
        "sqlite_empty",
        "dump",
        (),
        "sqlite .import, empty keyed table",
        1.0,
    ),
)
#: The nightly append at growing sizes held: its cost must not grow with the table.
FLAT_SERIES = ("pg night into 1x", "pg night into 5x (new day)", "pg night into 10x")
#: Peak RSS limit of every `scli load`, and how much it may grow from 1x to 5x rows.
RSS_LIMIT_MB, RSS_GROWTH = 150.0, 0.15


class BenchmarkError(RuntimeError):
    """A step failed or left the wrong number of rows: the numbers would lie."""


@dataclass
class Sample:
    """One timed child process."""

    seconds: float
    max_rss_mb: float


@dataclass
class Results:
    """The samples of every scenario, and of the scli loads that built the states."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    builds: dict[str, Sample] = field(default_factory=dict)

    def median(self, name: str) -> float:
        """Return the median seconds of a scenario."""
        return statistics.median(sample.seconds for sample in self.samples[name])


# Child processes -------------------------------------------------------------


def run_checked(args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run an untimed helper command; raise with its output if it fails."""
    done = subprocess.run(
        list(args), env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(args[:3])} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
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

    Output goes to files, not pipes, so a chatty child never blocks before
    `os.wait4` reaps it.
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
    if in_file is not None:
        in_file.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        output = (err_path.read_text() + out_path.read_text()).strip()
        raise BenchmarkError(f"{' '.join(args)} failed ({code}): {output[-2000:]}")
    return Sample(seconds=seconds, max_rss_mb=usage.ru_maxrss / 1024)  # KiB on Linux


# The files -------------------------------------------------------------------


def generate(path: Path, file: File, rows: int) -> None:
    """Write one file with the project's generator (in a child: see `file_path`)."""
    write_streams(
        path,
        count=file.scale * rows,
        seed=file.seed,
        movies=MOVIES,
        emails=[f"viewer{index:05d}@{file.viewers}" for index in range(EMAIL_COUNT)],
        changed=file.changed,
        first_day=NIGHT_DAY if file.night else DUMP_FIRST_DAY,
        days=1 if file.night else DUMP_DAYS,
    )


def file_path(work_dir: Path, name: str, rows: int) -> Path:
    """Return the CSV of a file, generating it unless a complete one is there."""
    path = work_dir / f"{name}_{rows}.csv"
    if path.exists():
        return path
    print(f"generating {path.name} ...", flush=True)
    partial = path.with_suffix(".partial")
    # In a child: Linux carries a parent's peak RSS into the children it starts, so
    # this script must stay small for the children's ru_maxrss to mean anything.
    run_checked([sys.executable, __file__, "--generate", name, str(rows), str(partial)])
    partial.replace(path)
    return path


def changed_rows(first: Path, second: Path) -> int:
    """Return how many lines two files of the same keys differ in."""
    with first.open("rb") as one, second.open("rb") as other:
        return sum(a != b for a, b in zip(one, other, strict=True))


# The databases ---------------------------------------------------------------


@dataclass
class Postgres:
    """The PostgreSQL server, from `--pg-url`, run through `psql`."""

    url: str

    def __post_init__(self) -> None:
        """Check the URL names a PostgreSQL server."""
        parts = urlsplit(self.url)
        if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
            raise BenchmarkError(f"--pg-url must be a postgresql:// URL: {self.url!r}")
        self.parts = parts

    def database_url(self, database: str) -> str:
        """Return the URL of one database on the server, for scli (psycopg2)."""
        scheme = "postgresql+psycopg2"
        return urlunsplit(self.parts._replace(scheme=scheme, path=f"/{database}"))

    def psql(self, database: str, command: str) -> list[str]:
        """Return a `psql` command line that runs one command, stopping on error."""
        parts = self.parts
        return [
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
            "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
            "-U", unquote(parts.username or "postgres"), "-d", database, "-c", command,
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        """Return the environment for `psql`, with the URL's password if it has one."""
        password = self.parts.password
        return {**os.environ, **({"PGPASSWORD": unquote(password)} if password else {})}

    def run(self, database: str, command: str) -> str:
        """Run one untimed command and return what it printed."""
        return run_checked(self.psql(database, command), env=self.env())

    def admin(self, command: str) -> str:
        """Run one command on the server's maintenance database (from the URL)."""
        return self.run(unquote(self.parts.path.lstrip("/")) or "postgres", command)

    def recreate(self, database: str, template: str | None = None) -> None:
        """Drop a database and create it again, empty or as a copy of a template."""
        self.admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f"CREATE DATABASE {database}{copy}")

    def count(self, database: str, table: str) -> int:
        """Return the rows of a table."""
        return int(self.run(database, f"SELECT count(*) FROM {table}"))


class Bench:
    """Builds the states, runs the scenarios and keeps their samples."""

    def __init__(self, args: argparse.Namespace) -> None:
        """Find the tools; nothing is built yet."""
        self.rows: int = args.rows
        self.work_dir: Path = args.work_dir.resolve()
        self.log_dir = self.work_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.scli = str(Path(sys.executable).with_name("scli"))
        if not Path(self.scli).exists():
            raise BenchmarkError(
                "no scli beside this python: run it with .venv/bin/python"
            )
        self.pg = Postgres(args.pg_url)
        self.results = Results()
        self.paths: dict[str, Path] = {}
        self.held: dict[str, int] = {}

    def path(self, name: str) -> Path:
        """Return a file's path, generated on first use."""
        if name not in self.paths:
            path = file_path(self.work_dir, name, self.rows)
            if "'" in str(path) or '"' in str(path):
                raise BenchmarkError(f"the work dir must not contain quotes: {path}")
            self.paths[name] = path
        return self.paths[name]

    def file_rows(self, name: str | None) -> int:
        """Return the rows of a file (0 for None)."""
        return FILES[name].scale * self.rows if name else 0

    def scli_load(self, database_url: str, file: str, options: Sequence[str]) -> Sample:
        """Time one `scli load` of a stream file."""
        args = [self.scli, "load", "--model", "stream", "--collector", "csv"]
        args += ["--file", str(self.path(file)), "--quiet", *options]
        env = {**os.environ, "DATABASE_URL": database_url}
        return timed(args, self.log_dir, env=env)

    def copy(self, database: str, file: str) -> Sample:
        r"""Time one `psql \copy` of a stream file into the baseline table."""
        command = (
            f"\\copy baseline_stream ({CSV_COLUMNS}) FROM '{self.path(file)}' "
            "WITH (FORMAT csv, HEADER)"
        )
        return timed(self.pg.psql(database, command), self.log_dir, env=self.pg.env())

    def sqlite_file(self, name: str) -> Path:
        """Return the path of a SQLite file, any previous one removed."""
        path = self.work_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    def init_scli(self, database_url: str) -> None:
        """Create scli's tables (untimed)."""
        env = {**os.environ, "DATABASE_URL": database_url}
        run_checked([self.scli, "init-db", "--quiet"], env=env)

    # States -------------------------------------------------------------------

    def build_states(self, names: Sequence[str]) -> None:
        """Build every PostgreSQL state the scenarios need, once, as a template."""
        for name in names:
            state = STATES[name]
            if state.database != "postgres":
                continue
            template = STATE_PREFIX + name
            print(f"building state {name} ...", flush=True)
            self.pg.recreate(template)
            if state.tables == "baseline":
                self.pg.run(template, PG_BASELINE_DDL)
                if state.file:
                    self.copy(template, state.file)
            else:
                url = self.pg.database_url(template)
                self.init_scli(url)
                if state.file:
                    sample = self.scli_load(url, state.file, ("--as-of", AS_OF))
                    self.results.builds[
                        f"pg fresh load, {FILES[state.file].scale}x"
                    ] = sample
            table = "baseline_stream" if state.tables == "baseline" else "stream"
            expect(name, self.pg.count(template, table), self.file_rows(state.file))
            # Settled like a table that has been there a while: hint bits set,
            # statistics gathered, for scli and the baseline alike.
            self.pg.run(template, "VACUUM (FREEZE, ANALYZE)")
            self.held[name] = self.file_rows(state.file)

    def drop_states(self) -> None:
        """Drop the benchmark's databases: together they hold gigabytes."""
        for name in (BENCH_DATABASE, *(STATE_PREFIX + state for state in STATES)):
            self.pg.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    # Scenarios ----------------------------------------------------------------

    def run(self, scenario: Scenario) -> Sample:
        """Run one scenario from a fresh copy of its state and check what it left."""
        state = STATES[scenario.state]
        held = self.file_rows(state.file)
        expected = held + (self.file_rows(scenario.file) if scenario.new_rows else 0)
        if state.database == "postgres":
            self.pg.recreate(BENCH_DATABASE, STATE_PREFIX + scenario.state)
            self.pg.run(BENCH_DATABASE, "CHECKPOINT")
            if state.tables == "baseline":
                sample = self.copy(BENCH_DATABASE, scenario.file)
                table = "baseline_stream"
            else:
                url = self.pg.database_url(BENCH_DATABASE)
                sample = self.scli_load(url, scenario.file, scenario.options)
                table = "stream"
            expect(scenario.name, self.pg.count(BENCH_DATABASE, table), expected)
            if scenario.file == "changed":
                changes = changed_rows(self.path("dump"), self.path("changed"))
                found = self.pg.count(BENCH_DATABASE, "stream_history")
                expect(f"{scenario.name} (history)", found, changes)
            return sample
        if state.tables == "baseline":
            database = self.sqlite_file("baseline")
            run_checked(["sqlite3", str(database), SQLITE_BASELINE_DDL])
            script = (
                "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
                f".import --csv --skip 1 {json.dumps(str(self.path(scenario.file)))} "
                "baseline_stream\n"
            )
            sample = timed(
                ["sqlite3", "-batch", "-bail", str(database)],
                self.log_dir,
                stdin=script,
            )
            table = "baseline_stream"
        else:
            database = self.sqlite_file("scli")
            url = f"sqlite:///{database}"
            self.init_scli(url)
            sample = self.scli_load(url, scenario.file, scenario.options)
            table = "stream"
        with sqlite3.connect(database) as connection:
            (found,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        connection.close()
        self.sqlite_file(database.stem)
        expect(scenario.name, int(found), expected)
        return sample


def expect(where: str, found: int, expected: int) -> None:
    """Fail unless a table holds exactly the rows the step must have left."""
    if found != expected:
        raise BenchmarkError(
            f"{where}: {found} rows where {expected} were expected; "
            "its time would mean nothing"
        )


# The results -----------------------------------------------------------------


def short(rows: int) -> str:
    """Return a row count as people say it: 1000000 -> 1M."""
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if rows >= size:
            return f"{rows / size:g}{unit}"
    return str(rows)


def git_commit() -> str:
    """Return the short HEAD commit, with -dirty if the tree differs from it."""
    here = str(Path(__file__).resolve().parent)
    try:
        commit = run_checked(["git", "-C", here, "rev-parse", "--short", "HEAD"])
        dirty = run_checked(
            ["git", "--no-optional-locks", "-C", here, "status", "--porcelain"]
        )
    except (OSError, BenchmarkError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def machine() -> dict[str, str]:
    """Return when, where and on which commit the numbers were taken."""

    def version(args: list[str]) -> str:
        try:
            return run_checked(args).splitlines()[0]
        except (OSError, BenchmarkError, IndexError):
            return "unavailable"

    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "python": platform.python_version(),
        "psql": version(["psql", "--version"]),
        "sqlite3": version(["sqlite3", "--version"]).split(" ")[0],
        "commit": git_commit(),
        "load_start": f"{os.getloadavg()[0]:.2f}",
    }


def table(bench: Bench, scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Return one row per scenario that ran: times, RSS, ratio, target."""
    results, rows = bench.results, []
    for scenario in scenarios:
        if scenario.name not in results.samples:
            continue
        samples = results.samples[scenario.name]
        median = results.median(scenario.name)
        rows_loaded = bench.file_rows(scenario.file)
        ratio = None
        if scenario.baseline in results.samples:
            ratio = median / results.median(scenario.baseline)
        scli = STATES[scenario.state].tables == "scli"
        rows.append(
            {
                "scenario": scenario.name,
                "rows": rows_loaded,
                "held": bench.file_rows(STATES[scenario.state].file),
                "runs": len(samples),
                "median_s": median,
                "min_s": min(s.seconds for s in samples),
                "max_s": max(s.seconds for s in samples),
                "rows_per_s": rows_loaded / median,
                "peak_rss_mb": max(s.max_rss_mb for s in samples) if scli else None,
                "baseline": scenario.baseline if ratio is not None else None,
                "ratio": ratio,
                "target": scenario.target,
                "met": None if ratio is None else ratio <= (scenario.target or 0),
            }
        )
    return rows


def findings(bench: Bench, rows: list[dict[str, Any]]) -> list[str]:
    """Return the sentences under the table: RSS, the flat append, 8 GB a day."""
    results, lines = bench.results, []
    peaks = {row["scenario"]: row["peak_rss_mb"] for row in rows if row["peak_rss_mb"]}
    peaks.update({name: s.max_rss_mb for name, s in results.builds.items()})
    if peaks:
        worst = max(peaks, key=lambda name: peaks[name])
        lines.append(
            f"peak RSS of every scli load <= {RSS_LIMIT_MB:.0f} MB: "
            f"{'met' if peaks[worst] <= RSS_LIMIT_MB else 'MISSED'} "
            f"(highest {peaks[worst]:.1f} MB, {worst})"
        )
    small, large = peaks.get("pg fresh load"), peaks.get("pg fresh load, 5x")
    if small and large:
        growth = large / small - 1
        lines.append(
            f"RSS fresh load {short(bench.rows)} -> {short(5 * bench.rows)}: "
            f"{small:.1f} -> {large:.1f} MB ({growth:+.1%}; target within "
            f"{RSS_GROWTH:.0%}: {'met' if abs(growth) <= RSS_GROWTH else 'MISSED'})"
        )
    by_name = {scenario.name: scenario for scenario in SCENARIOS}
    series = [name for name in FLAT_SERIES if name in results.samples]
    if series:
        held = [bench.file_rows(STATES[by_name[name].state].file) for name in series]
        shown = ", ".join(
            f"{short(rows)} held {results.median(name):.2f} s"
            for name, rows in zip(series, held, strict=True)
        )
        lines.append(f"nightly append of {short(bench.rows)} new streams: {shown}")
        slowest = max(results.median(name) for name in series)
        minutes = slowest / bench.rows * NIGHT_OF_8_GB / 60
        lines.append(
            f"8 GB a night ({short(NIGHT_OF_8_GB)} streams) at the slowest of those "
            f"rates: {minutes:.1f} min (target <= 10 min: "
            f"{'met' if minutes <= 10 else 'MISSED'})"
        )
    return lines


def render(
    info: Mapping[str, str], rows: list[dict[str, Any]], notes: list[str]
) -> str:
    """Return the plain-text report: one header line, the table, the findings."""
    header = (
        f"{info['date']}  nproc={info['nproc']}  python {info['python']}  "
        f"{info['psql']}  sqlite3 {info['sqlite3']}  commit {info['commit']}  "
        f"load avg {info['load_start']} -> {info.get('load_end', '?')}"
    )
    columns = (
        f"{'scenario':<36}{'rows':>6}{'held':>6}{'runs':>5}{'median s':>10}"
        f"{'min s':>8}{'max s':>8}{'rows/s':>9}{'RSS MB':>8}{'ratio':>7}"
        f"{'target':>8}  met"
    )
    lines = [header, "", columns]
    for row in rows:
        rss = f"{row['peak_rss_mb']:.0f}" if row["peak_rss_mb"] else "-"
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        target = f"<={row['target']:.1f}" if row["target"] else "-"
        met = {None: "", True: "yes", False: "NO"}[row["met"]]
        lines.append(
            f"{row['scenario']:<36}{short(row['rows']):>6}{short(row['held']):>6}"
            f"{row['runs']:>5}{row['median_s']:>10.2f}{row['min_s']:>8.2f}"
            f"{row['max_s']:>8.2f}{row['rows_per_s']:>9.0f}{rss:>8}{ratio:>7}"
            f"{target:>8}  {met}"
        )
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    notes = [
        *notes,
        f"(ratio = median / its baseline's median, same run; RSS floor "
        f"{floor:.0f} MB: a child's ru_maxrss never reads below its parent's)",
    ]
    return "\n".join([*lines, "", *notes])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description=r"Time scli load of streams against psql \copy and sqlite3 "
        ".import in every scenario of SCENARIOS; print one table.",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the dump")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="TEXT",
        help="run only the scenarios whose name contains one of these texts "
        "(their baselines are added)",
    )
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="the PostgreSQL server (its database is used to create the others)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "scli_load_bench",
        help="where the generated CSVs (kept for the next run), SQLite files and "
        "logs go",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--generate", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.runs < 1:
        parser.error("--rows and --runs must be positive")
    return args


def chosen(only: Sequence[str] | None) -> list[Scenario]:
    """Return the scenarios asked for, with the baselines they need, in list order."""
    if not only:
        return list(SCENARIOS)
    names = {s.name for s in SCENARIOS if any(text in s.name for text in only)}
    names |= {s.baseline for s in SCENARIOS if s.name in names and s.baseline}
    return [s for s in SCENARIOS if s.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    if args.generate:
        name, rows, path = args.generate
        generate(Path(path), FILES[name], int(rows))
        return 0
    scenarios = chosen(args.only)
    try:
        bench = Bench(args)
        info = machine()
        for name in sorted({s.file for s in scenarios} | {"dump"}):
            bench.path(name)
        states = sorted({s.state for s in scenarios})
        bench.build_states(states)
        for run in range(1, args.runs + 1):
            for scenario in scenarios:
                print(f"run {run}/{args.runs}: {scenario.name}", flush=True)
                sample = bench.run(scenario)
                bench.results.samples.setdefault(scenario.name, []).append(sample)
        if not args.keep and any(STATES[s].database == "postgres" for s in states):
            bench.drop_states()
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    info["load_end"] = f"{os.getloadavg()[0]:.2f}"
    rows = table(bench, scenarios)
    notes = findings(bench, rows)
    print()
    print(render(info, rows, notes))
    if args.json:
        builds = {name: vars(sample) for name, sample in bench.results.builds.items()}
        samples = {n: [vars(s) for s in v] for n, v in bench.results.samples.items()}
        document = {"machine": info, "rows": rows, "findings": notes,
                    "builds": builds, "samples": samples}  # fmt: skip
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
