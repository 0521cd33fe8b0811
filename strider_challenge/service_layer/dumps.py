"""The nightly dump: load every known file of a dump folder, each as its own load."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.errors import LoadError, SourceError
from strider_challenge.service_layer import services
from strider_challenge.service_layer.ports import Collector
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork

#: The files of a dump, in the order they are loaded: model, name inside the folder.
DUMP_FILES = (
    ("movie", "internal/movies.csv"),
    ("user", "internal/users.csv"),
    ("stream", "internal/streams.csv"),
    ("author", "vendor/authors.json"),
    ("book", "vendor/books.json"),
    ("review", "vendor/reviews.json"),
)
#: Each file may be sent gzip-compressed under its name plus this suffix.
COMPRESSED_SUFFIX = ".gz"

LOADED, SKIPPED, ABSENT, FAILED, NOT_RUN = (
    "loaded",
    "skipped",
    "absent",
    "failed",
    "not run",
)


class Dump(Protocol):
    """A dump folder: which files it has, and a collector for each."""

    @property
    def source(self) -> str:
        """The folder, as shown to the user."""

    def has(self, name: str) -> bool:
        """Whether the folder has the file `name`; SourceError if unreachable."""

    def collector(self, name: str) -> Collector:
        """The collector of the file `name`."""


@dataclass
class DumpFileResult:
    """What became of one file of the dump.

    Args:
        model: the model the file fills.
        file: its name inside the folder (with `.gz` if that is what was found).
        status: loaded, skipped (already loaded), absent, failed, or not run (after
            a failure with `strict`).
        report: the load's report, when it ran to the end.
        error: why it failed.
    """

    model: str
    file: str
    status: str
    report: services.LoadReport | None = None
    error: str | None = None


@dataclass
class DumpReport:
    """The outcome of every file of a dump, in load order."""

    source: str
    files: list[DumpFileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[DumpFileResult]:
        """The files whose load failed."""
        return [result for result in self.files if result.status == FAILED]


def find_files(dump: Dump) -> dict[str, str | None]:
    """Each model's file in the dump: its plain name, else its `.gz`, else None."""
    found: dict[str, str | None] = {}
    for model, name in DUMP_FILES:
        candidates = (name, name + COMPRESSED_SUFFIX)
        found[model] = next((c for c in candidates if dump.has(c)), None)
    return found


def load_dump(
    *,
    dump: Dump,
    uow: AbstractUnitOfWork,
    as_of: datetime | None = None,
    force: bool = False,
    strict: bool = False,
    max_rejects: int | None = None,
    max_deletes: float | None = None,
) -> DumpReport:
    """Load the dump's files in `DUMP_FILES` order, each in its own transaction.

    Every present file is loaded with `services.load`, effective `as_of` (default:
    now), audited in the ledger, and skipped if these bytes were already loaded,
    unless `force`; a full file that would mark more than `max_deletes` percent of its
    model's current records deleted fails. A file that fails is rolled
    back and reported, and the others still load: they do not depend on each other.
    With `strict`, a dump that lacks a file loads nothing, and the first failure stops
    the run (the files after it are reported as not run).

    Raises:
        SourceError: the folder is unreachable, has none of the files, or (with
            `strict`) lacks one; nothing was loaded.
    """
    found = find_files(dump)
    absent = [name for model, name in DUMP_FILES if found[model] is None]
    if len(absent) == len(DUMP_FILES):
        raise SourceError(
            f"{dump.source} has none of the dump's files "
            f"({', '.join(name for _, name in DUMP_FILES)}, or .gz)"
        )
    if strict and absent:
        raise SourceError(
            f"{dump.source} lacks {', '.join(absent)} (nor .gz): --strict loads "
            "nothing from an incomplete dump"
        )
    report = DumpReport(source=dump.source)
    stopped = False
    for model, name in DUMP_FILES:
        file = found[model]
        if file is None:
            result = DumpFileResult(model, name, ABSENT)
        elif stopped:
            result = DumpFileResult(model, file, NOT_RUN)
        else:
            result = _load_file(
                dump, model, file, uow, as_of, force, max_rejects, max_deletes
            )
            stopped = strict and result.status == FAILED
        report.files.append(result)
    return report


def _load_file(
    dump: Dump,
    model: str,
    file: str,
    uow: AbstractUnitOfWork,
    as_of: datetime | None,
    force: bool,
    max_rejects: int | None,
    max_deletes: float | None,
) -> DumpFileResult:
    try:
        loaded = services.load(
            dataset=get_dataset(model),
            collector=dump.collector(file),
            uow=uow,
            as_of=as_of,
            force=force,
            max_rejects=max_rejects,
            max_deletes=max_deletes,
        )
    except LoadError as error:  # a database error too: this file fails alone
        return DumpFileResult(model, file, FAILED, error=str(error))
    status = SKIPPED if loaded.skipped_as is not None else LOADED
    return DumpFileResult(model, file, status, report=loaded)
