"""The report's charts as inline SVG: Vega-Lite specs, drawn by vl-convert.

vl-convert runs Vega itself, offline, and returns SVG with its text as text: the page
needs no script to show a chart. Each chart is a handful of rows the database
counted; nothing here grows with the number of streams.

The specs are Vega-Lite's own JSON, written here as dictionaries: altair would
build the same ones, but loading it costs half a second of every report. The
tests check every spec against the Vega-Lite schema (with altair).

Text is measured while drawing: the fonts are named so that the browser draws with
the metrics vl-convert measured with (Liberation Sans has Arial's and Helvetica's
widths), so labels neither overlap nor get cut.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from strider_challenge.domain.answers import ReportParameters, month_name
from strider_challenge.domain.charts import DayCount, Histogram, InProgress

Spec = dict[str, Any]

#: The Vega-Lite the specs are written for (vl-convert bundles it).
VEGA_LITE = "v6.4"
FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"
WIDTH = 820
HEIGHT = 240
#: The page's colours: bars, the bars of the last week, a marked value, the outage.
BLUE, ORANGE, RED, SHADE = "#4c78a8", "#f58518", "#d62728", "#f2b8b5"

CONFIG: Spec = {
    "font": FONT,
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "titlePadding": 8},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
    "view": {"stroke": None},
}


def svg(spec: Spec, name: str) -> str:
    """The chart drawn as SVG, its element ids made unique to `name` in the page.

    vl-convert may fetch no data from anywhere: every chart carries its values. It
    is imported here, not with the module: every other command would pay for it.
    """
    import vl_convert

    drawn = vl_convert.vegalite_to_svg(
        spec, vl_version=VEGA_LITE, config=CONFIG, allowed_base_urls=[]
    )
    drawn = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', drawn)
    drawn = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", drawn)
    return drawn.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)


def _values(rows: list[Spec]) -> Spec:
    """The chart's rows, carried in its spec."""
    return {"values": rows}


def _count(title: str, **axis: Any) -> Spec:
    """A quantitative channel of whole counts."""
    return {
        "field": "streams",
        "type": "quantitative",
        "title": title,
        "axis": {"format": ",d", "tickMinStep": 1, **axis},
    }


def books_chart(from_books: int, others: int, pct: Decimal | None) -> Spec:
    """Two bars: the streamed movies based on a book, and the others, with shares."""
    share = pct if pct is not None else Decimal(0)
    kinds = ["based on a book", "not based on a book"]
    rows = [
        {"kind": kinds[0], "movies": from_books, "label": f"{from_books:,} ({share}%)"},
        {
            "kind": kinds[1],
            "movies": others,
            "label": f"{others:,} ({Decimal(100) - share:.2f}%)",
        },
    ]
    encoding = {
        "y": {
            "field": "kind",
            "type": "nominal",
            "title": None,
            "sort": None,
            "axis": {"labelFontSize": 13},
        },
        "x": {
            "field": "movies",
            "type": "quantitative",
            "title": "streamed movies (count)",
            "axis": {"format": ",d", "tickMinStep": 1, "tickCount": 10},
        },
    }
    colour = {
        "field": "kind",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": kinds, "range": [BLUE, "#bab0ac"]},
    }
    return {
        "width": WIDTH - 120,
        "height": 90,
        "data": _values(rows),
        "encoding": encoding,
        "layer": [
            {"mark": {"type": "bar", "height": 28}, "encoding": {"color": colour}},
            {
                "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 13},
                "encoding": {"text": {"field": "label", "type": "nominal"}},
            },
        ],
    }


def outage_chart(parameters: ReportParameters, timeline: Sequence[InProgress]) -> Spec:
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
    window = _values(
        [
            {
                "start": _wall_clock(outage.start, parameters),
                "end": _wall_clock(outage.end, parameters),
                "label": "outage",
            }
        ]
    )
    start = {"field": "start", "type": "temporal", "scale": {"type": "utc"}}
    line = {
        "data": _values(rows),
        "mark": {
            "type": "line",
            "color": BLUE,
            "strokeWidth": 2,
            "interpolate": "step-after",
        },
        "encoding": {
            "x": {
                "field": "at",
                "type": "temporal",
                "title": f"time{where}, business time {parameters.zone_label}",
                "scale": {"type": "utc"},
                "axis": {
                    "format": pattern,
                    "labelAngle": 0,
                    "labelOverlap": True,
                    "tickCount": 10,
                },
            },
            "y": _count(f"streams of {parameters.outage_movie} in progress"),
        },
    }
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "layer": [
            {
                "data": window,
                "mark": {"type": "rect", "color": SHADE, "opacity": 0.6},
                "encoding": {"x": start, "x2": {"field": "end"}},
            },
            {
                "data": window,
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "bottom",
                    "dx": 4,
                    "dy": -4,
                    "color": RED,
                    "fontSize": 13,
                },
                "encoding": {
                    "x": start,
                    "y": {"value": 0},
                    "text": {"field": "label", "type": "nominal"},
                },
            },
            line,
        ],
    }


def _wall_clock(instant: datetime, parameters: ReportParameters) -> str:
    """The business-time wall clock, written as UTC so no viewer's zone moves it."""
    local = instant.astimezone(parameters.zone).replace(tzinfo=None)
    return local.isoformat() + "Z"


def histogram_chart(drawn: Histogram, measure: str, marker: str) -> Spec:
    """Bars of a distribution, and one value (`marker`: mean, median) as a rule."""
    rows = [
        {"low": bar.low, "high": bar.high, "streams": bar.streams} for bar in drawn.bars
    ]
    marked = _values(
        [{"at": drawn.marker, "label": f"{marker} {drawn.marker:,.2f} {drawn.unit}"}]
    )
    at = {"field": "at", "type": "quantitative"}
    bars = {
        "data": _values(rows),
        "mark": {"type": "bar", "color": BLUE, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": {
                "field": "low",
                "type": "quantitative",
                "title": f"{measure} ({drawn.unit})",
                "scale": {"zero": False, "nice": False},
                "axis": {"labelOverlap": True},
            },
            "x2": {"field": "high"},
            "y": _count("streams"),
            "y2": {"datum": 0},
        },
    }
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "layer": [
            bars,
            {
                "data": marked,
                "mark": {"type": "rule", "color": RED, "strokeWidth": 2},
                "encoding": {"x": at},
            },
            {
                "data": marked,
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "bottom",
                    "dx": 4,
                    "dy": -4,
                    "color": RED,
                    "fontSize": 13,
                },
                "encoding": {
                    "x": at,
                    "y": {"value": 0},
                    "text": {"field": "label", "type": "nominal"},
                },
            },
        ],
    }


def days_chart(parameters: ReportParameters, days: Sequence[DayCount]) -> Spec:
    """Streams started per day of the month, the last 7 days in another colour."""
    when = ["earlier in the month", "last 7 days"]
    rows = [
        {
            "day": day.day.day,
            "streams": day.streams,
            "when": when[1] if day.last_week else when[0],
        }
        for day in days
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "data": _values(rows),
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "day",
                "type": "ordinal",
                "title": f"day of {month_name(parameters.month)} "
                f"(business time {parameters.zone_label})",
                "axis": {"labelAngle": 0},
            },
            "y": _count("streams started"),
            "color": {
                "field": "when",
                "type": "nominal",
                "title": None,
                "scale": {"domain": when, "range": [BLUE, ORANGE]},
            },
        },
    }
