"""`scli report --format html` and `--output`, in-process and as a process."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.helpers import scli
from tests.e2e.test_report_cli import load
from tests.report_data import RULES_DUMP

SCLI = Path(sys.executable).with_name("scli")


@pytest.fixture
def rules(database_url: str, tmp_path: Path) -> str:
    """A database holding the rules dump."""
    return load(database_url, tmp_path / "dump", **RULES_DUMP)


def test_html_goes_to_the_output_file_with_the_same_answers(
    rules: str, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"

    result = scli(rules, "report", "--format", "html", "--output", str(page))
    table = scli(rules, "report").stdout.splitlines()[4:]

    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    shown = re.findall(r'<td class="answer">([^<]*)</td>', text)
    assert shown == [line.split()[-1] for line in table]
    assert shown == ["60.00", "2", "2", "4,886", "0.61", "2"]
    assert text.count("<svg") == 5


def test_html_without_output_or_with_a_dash_prints_the_page(rules: str) -> None:
    printed = scli(rules, "report", "--format", "html")
    dashed = scli(rules, "report", "--format", "html", "-o", "-")

    assert printed.exit_code == 0 and dashed.exit_code == 0
    assert printed.stdout.startswith("<!DOCTYPE html>")
    assert printed.stdout == dashed.stdout


def test_every_format_can_go_to_a_file(rules: str, tmp_path: Path) -> None:
    target = tmp_path / "answers.json"
    target.write_text("old")

    result = scli(rules, "report", "--format", "json", "-o", str(target))

    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["avg_stream_duration_seconds"] == 4886


@pytest.mark.postgres
def test_sqlite_and_postgres_print_the_same_page(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    pages = [
        scli(load(url, tmp_path / name, **RULES_DUMP), "report", "--format", "html")
        for url, name in ((sqlite_url, "a"), (postgres_url, "b"))
    ]

    assert pages[0].exit_code == 0 and pages[1].exit_code == 0
    assert pages[0].stdout == pages[1].stdout


def test_an_empty_database_prints_a_page_with_nothing_to_chart(
    ready: str, tmp_path: Path
) -> None:
    page = tmp_path / "empty.html"

    result = scli(ready, "report", "--format", "html", "-o", str(page))

    assert result.exit_code == 0
    assert "the database has no streams" in result.stderr
    text = page.read_text()
    assert "The database has no streams: there is nothing to chart." in text
    assert "<svg" not in text


def test_an_output_that_cannot_be_written_is_one_line(
    rules: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "report.html"

    result = scli(rules, "report", "--format", "html", "-o", str(missing))

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: cannot write {missing}: No such file or directory\n"
    )


def test_html_is_refused_by_query() -> None:
    result = scli("sqlite://", "query", "SELECT 1", "--format", "html")

    assert result.exit_code == 2
    assert "'html' is not one of table, csv, json" in result.stderr


def test_the_console_script_writes_the_page(rules: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"

    done = subprocess.run(
        [str(SCLI), "report", "--format", "html", "-o", str(page)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": rules, "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert page.read_text().count('<figure class="chart"><svg') == 5
