"""The report page in a real browser: Debian's Chromium, headless, offline.

The page must load with no request but its own file, log no error, and draw every
chart: an SVG with marks, labels that neither overlap nor leave the chart. A
screenshot is written next to the test's files (look at it). In CI the browser
must be there (`.ci/run` installs it); elsewhere the tests skip without it.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Browser, chromium
from tests.conftest import SAMPLE_DATA
from tests.e2e.helpers import LOADS, scli

#: What the page reports of each chart.
CHARTS_SEEN = """
Array.from(document.querySelectorAll("figure.chart")).map((figure) => {
  const svg = figure.querySelector("svg");
  if (!svg) return { name: figure.parentElement.id, svg: false };
  const box = svg.getBoundingClientRect();
  const marks = Array.from(svg.querySelectorAll(".role-mark path, .role-mark line"))
    .filter((mark) => {
      const drawn = mark.getBBox();
      return mark.getAttribute("d") !== "" && drawn.width + drawn.height > 0;
    }).length;
  const shown = (text) =>
    getComputedStyle(text).opacity !== "0" && text.getAttribute("opacity") !== "0";
  let overlaps = 0, outside = 0;
  for (const group of svg.querySelectorAll(
    ".role-axis-label, .role-axis-title, .role-legend-label, .role-mark"
  )) {
    const boxes = Array.from(group.querySelectorAll("text"))
      .filter(shown).map((text) => text.getBoundingClientRect());
    boxes.forEach((a, i) => {
      if (a.left < box.left - 0.5 || a.right > box.right + 0.5 ||
          a.top < box.top - 0.5 || a.bottom > box.bottom + 0.5) outside += 1;
      for (const b of boxes.slice(i + 1)) {
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
            a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps += 1;
      }
    });
  }
  return {
    name: figure.parentElement.id, svg: true, width: box.width,
    height: box.height, marks, overlaps, outside,
  };
})
"""
#: The page's text, to read what it says.
TEXT = "document.body.innerText"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile, closed after the test."""
    executable = chromium()
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with Browser(executable, tmp_path / "profile") as opened:
        yield opened


def page_of(database_url: str, path: Path) -> Path:
    result = scli(database_url, "report", "--format", "html", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_the_sample_report_draws_every_chart_offline(
    browser: Browser, sqlite_url: str, tmp_path: Path
) -> None:
    assert scli(sqlite_url, "init-db").exit_code == 0
    for model, collector, file in LOADS:
        args = ["load", "-q", "-m", model, "-c", collector, "-f"]
        assert scli(sqlite_url, *args, str(SAMPLE_DATA / file)).exit_code == 0
    page = page_of(sqlite_url, tmp_path / "report.html")
    screenshot = tmp_path / "report.png"

    seen = browser.open(page, CHARTS_SEEN, screenshot)

    assert seen.requests == [page.resolve().as_uri()]
    assert seen.errors == []
    charts: list[dict[str, Any]] = seen.found
    assert [chart["name"] for chart in charts] == [
        "books",
        "outage",
        "durations",
        "sizes",
        "days",
    ]
    for chart in charts:
        assert chart["svg"], chart
        assert chart["width"] > 600 and chart["height"] > 100, chart
        assert chart["width"] <= 1280 - 2 * 32, chart  # no horizontal scrolling
        assert chart["marks"] >= 2, chart
        assert chart["overlaps"] == 0 and chart["outside"] == 0, chart
    shot = screenshot.read_bytes()
    assert shot.startswith(b"\x89PNG\r\n\x1a\n") and len(shot) > 50_000


def test_an_empty_report_says_there_is_nothing_to_chart(
    browser: Browser, ready: str, tmp_path: Path
) -> None:
    page = page_of(ready, tmp_path / "empty.html")

    seen = browser.open(page, TEXT, tmp_path / "empty.png")

    assert seen.errors == [] and seen.requests == [page.resolve().as_uri()]
    assert "The database has no streams: there is nothing to chart." in seen.found
    assert (tmp_path / "empty.png").read_bytes().startswith(b"\x89PNG")
