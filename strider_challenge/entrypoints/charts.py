"""The report's charts as inline SVG: Vega-Lite specs (altair), drawn by vl-convert.

vl-convert runs Vega itself, offline, and returns SVG with its text as text: the page
needs no script to show a chart. Each chart is a handful of rows the database
counted; nothing here grows with the number of streams.

Text is measured while drawing: the fonts are named so that the browser draws with
the metrics vl-convert measured with (Liberation Sans has Arial's and Helvetica's
widths), so labels neither overlap nor get cut.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import altair as alt
import vl_convert

from strider_challenge.domain.answers import ReportParameters, month_name
from strider_challenge.domain.charts import (
    DayCount,
    Histogram,
    InProgress,
)

FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"
WIDTH = 820
HEIGHT = 240
#: The page's colours: bars, the bars of the last week, a marked value, the outage.
BLUE, ORANGE, RED, SHADE = "#4c78a8", "#f58518", "#d62728", "#f2b8b5"

_CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "titlePadding": 8},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
    "view": {"stroke": None},
}


def svg(chart: alt.TopLevelMixin, name: str) -> str:
    """The chart drawn as SVG, its element ids made unique to `name` in the page.

    vl-convert may fetch no data from anywhere: every chart carries its values.
    """
    spec = chart.to_dict()
    drawn = vl_convert.vegalite_to_svg(spec, config=_CONFIG, allowed_base_urls=[])
    drawn = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', drawn)
    drawn = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", drawn)
    return drawn.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)


def _values(rows: list[dict[str, Any]]) -> alt.InlineData:
    """The chart's rows, carried in its spec."""
    return alt.InlineData(values=rows)


def _count_axis(title: str) -> alt.Y:
    return alt.Y("streams:Q", title=title, axis=alt.Axis(format=",d", tickMinStep=1))


def books_chart(from_books: int, others: int, pct: Decimal | None) -> alt.TopLevelMixin:
    """Two bars: the streamed movies based on a book, and the others, with shares."""
    share = pct if pct is not None else Decimal(0)
    rows = [
        {
            "kind": "based on a book",
            "movies": from_books,
            "label": f"{from_books:,} ({share}%)",
        },
        {
            "kind": "not based on a book",
            "movies": others,
            "label": f"{others:,} ({Decimal(100) - share:.2f}%)",
        },
    ]
    base = alt.Chart(_values(rows)).encode(
        y=alt.Y("kind:N", title=None, sort=None, axis=alt.Axis(labelFontSize=13)),
        x=alt.X(
            "movies:Q",
            title="streamed movies (count)",
            axis=alt.Axis(format=",d", tickMinStep=1, tickCount=10),
        ),
    )
    bars = base.mark_bar(height=28).encode(
        color=alt.Color(
            "kind:N",
            legend=None,
            scale=alt.Scale(
                domain=["based on a book", "not based on a book"],
                range=[BLUE, "#bab0ac"],
            ),
        )
    )
    labels = base.mark_text(align="left", dx=6, fontSize=13).encode(text="label:N")
    return alt.layer(bars, labels, width=WIDTH - 120, height=90)


def outage_chart(
    parameters: ReportParameters, timeline: Sequence[InProgress]
) -> alt.TopLevelMixin:
    """Streams of the outage movie in progress over time, the outage shaded."""
    outage = parameters.outage_window()
    zone = parameters.zone
    days = {point.at.astimezone(zone).date() for point in timeline}
    pattern = "%H:%M" if len(days) == 1 else "%b %d %H:%M"
    where = f" on {min(days):%Y-%m-%d}" if len(days) == 1 else ""
    rows = [
        {"at": _wall_clock(point.at, parameters), "streams": point.streams}
        for point in timeline
    ]
    window = [
        {
            "start": _wall_clock(outage.start, parameters),
            "end": _wall_clock(outage.end, parameters),
            "label": "outage",
        }
    ]
    x = alt.X(
        "at:T",
        title=f"time{where}, business time {parameters.zone_label}",
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format=pattern, labelAngle=0, labelOverlap=True, tickCount=10),
    )
    shade = (
        alt.Chart(_values(window))
        .mark_rect(color=SHADE, opacity=0.6)
        .encode(x=alt.X("start:T", scale=alt.Scale(type="utc")), x2="end:T")
    )
    caption = (
        alt.Chart(_values(window))
        .mark_text(align="left", baseline="top", dx=4, dy=4, color=RED, fontSize=13)
        .encode(x=alt.X("start:T", scale=alt.Scale(type="utc")), y=alt.value(0))
        .encode(text="label:N")
    )
    line = (
        alt.Chart(_values(rows))
        .mark_line(color=BLUE, strokeWidth=2, interpolate="step-after")
        .encode(
            x=x,
            y=_count_axis(f"streams of {parameters.outage_movie} in progress"),
        )
    )
    return alt.layer(shade, caption, line, width=WIDTH, height=HEIGHT)


def _wall_clock(instant: datetime, parameters: ReportParameters) -> str:
    """The business-time wall clock, written as UTC so no viewer's zone moves it."""
    local = instant.astimezone(parameters.zone).replace(tzinfo=None)
    return local.isoformat() + "Z"


def histogram_chart(drawn: Histogram, measure: str, marker: str) -> alt.TopLevelMixin:
    """Bars of a distribution, and one value (`marker`: mean, median) as a rule."""
    rows = [
        {"low": bar.low, "high": bar.high, "streams": bar.streams} for bar in drawn.bars
    ]
    marked = [
        {"at": drawn.marker, "label": f"{marker} {drawn.marker:,.2f} {drawn.unit}"}
    ]
    bars = (
        alt.Chart(_values(rows))
        .mark_bar(color=BLUE, stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "low:Q",
                title=f"{measure} ({drawn.unit})",
                scale=alt.Scale(zero=False, nice=False),
                axis=alt.Axis(labelOverlap=True),
            ),
            x2="high:Q",
            y=_count_axis("streams"),
            y2=alt.datum(0),
        )
    )
    rule = (
        alt.Chart(_values(marked)).mark_rule(color=RED, strokeWidth=2).encode(x="at:Q")
    )
    label = (
        alt.Chart(_values(marked))
        .mark_text(align="left", baseline="bottom", dx=4, dy=-4, color=RED, fontSize=13)
        .encode(x="at:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, label, width=WIDTH, height=HEIGHT)


def days_chart(
    parameters: ReportParameters, days: Sequence[DayCount]
) -> alt.TopLevelMixin:
    """Streams started per day of the month, the last 7 days in another colour."""
    rows = [
        {
            "day": day.day.day,
            "streams": day.streams,
            "when": "last 7 days" if day.last_week else "earlier in the month",
        }
        for day in days
    ]
    chart: alt.Chart = (
        alt.Chart(_values(rows), width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(
                "day:O",
                title=f"day of {month_name(parameters.month)} "
                f"(business time {parameters.zone_label})",
                axis=alt.Axis(labelAngle=0),
            ),
            y=_count_axis("streams started"),
            color=alt.Color(
                "when:N",
                title=None,
                scale=alt.Scale(
                    domain=["earlier in the month", "last 7 days"],
                    range=[BLUE, ORANGE],
                ),
            ),
        )
    )
    return chart
