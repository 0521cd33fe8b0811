import io

import typer
from rich.console import Console

from strider_challenge import __version__
from strider_challenge.entrypoints import cli


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
