import io
from pathlib import Path

import pytest
import typer
from rich.console import Console

from strider_challenge import __version__
from strider_challenge.domain.results import Rejection, ValidationTally
from strider_challenge.entrypoints import cli
from strider_challenge.entrypoints.common import print_rejections
from strider_challenge.service_layer.services import LoadReport


def test_progress_shows_rows_and_rate_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)

    with cli._progress("stream", enabled=True, console=console) as update:
        assert update is not None
        update(25_000)
        update(50_000)

    assert "loading stream" in screen.getvalue()
    assert "50,000 rows" in screen.getvalue()


def test_progress_disabled_is_none() -> None:
    with cli._progress("stream", enabled=False) as update:
        assert update is None


def test_main_returns_the_exit_code_when_not_standalone(capsys: object) -> None:
    command = typer.main.get_command(cli.app)

    ok = command.main(["--version"], standalone_mode=False)
    usage = command.main(["load", "--nope"], standalone_mode=False)

    assert (ok, usage) == (0, 2)


def test_version_text() -> None:
    assert __version__.count(".") == 2


def rejected(count: int) -> LoadReport:
    samples = tuple(Rejection(i, "{}", "name: missing") for i in range(min(count, 5)))
    tally = ValidationTally(rows_read=count, rejected=count, samples=samples)
    return LoadReport(model="author", source="a.json", run_id=4, validation=tally)


@pytest.mark.parametrize(
    ("count", "first_line"),
    [
        (1, "author: 1 record rejected, not loaded (in rejected_record, load_id 4):"),
        (
            3,
            "author: 3 records rejected, not loaded (all in rejected_record, load_id "
            "4):",
        ),
        (
            1200,
            "author: 1,200 records of a.json rejected, not loaded (all in "
            "rejected_record, load_id 4); the first 5:",
        ),
    ],
)
def test_rejections_say_how_many_and_how_many_follow(
    capsys: pytest.CaptureFixture[str], count: int, first_line: str
) -> None:
    of = " of a.json" if count > 3 else ""

    print_rejections(rejected(count), "index", of=of)

    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == first_line
    assert lines[1:] == [f"  index {i}: name: missing" for i in range(min(count, 5))]


def test_every_command_gives_arrow_the_system_allocator(tmp_path: Path) -> None:
    """Arrow's blocks come from malloc, which hands them back between blocks."""
    import pyarrow as pa
    from typer.testing import CliRunner

    pa.set_memory_pool(pa.jemalloc_memory_pool())
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"

    result = CliRunner().invoke(
        cli.app, ["init-db", "--quiet"], env={"DATABASE_URL": url}
    )

    assert result.exit_code == 0, result.output
    assert pa.default_memory_pool().backend_name == "system"
