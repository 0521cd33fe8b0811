"""What the report's charts show: their buckets, marks and timelines.

Pure, like `answers.py`. The database counts streams per bucket, a few rows per
chart; this module decides the buckets before the count and shapes the counts
after it. Buckets are cut so that both databases put every stream in the same one:
days by the local date of business time, durations in whole seconds, sizes by the
same double-precision arithmetic on both.
"""

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from strider_challenge.domain.answers import (
    LAST_WEEK,
    Report,
    ReportParameters,
    Window,
)

#: At most this many bars in a histogram.
MAX_BARS = 30
#: At most this many instants on the outage timeline.
MAX_INSTANTS = 100
#: The outage timeline starts this long before the outage, at least (and ends after).
MIN_PADDING = timedelta(hours=1)


@dataclass(frozen=True)
class Shift:
    """From `start` (UTC) until the next shift, business time is UTC + `offset`."""

    start: datetime
    offset: timedelta

    @property
    def modifier(self) -> str:
        """The offset as both databases add it to an instant: `+3600 seconds`."""
        return f"{int(self.offset.total_seconds()):+d} seconds"


def offset_shifts(window: Window, zone: tzinfo) -> tuple[Shift, ...]:
    """The pieces of `window` over which `zone` keeps one UTC offset, in order.

    A fixed offset gives one piece; a month with a daylight-saving change, two.
    """

    def offset(instant: datetime) -> timedelta:
        return instant.astimezone(zone).utcoffset() or timedelta(0)

    shifts = [Shift(window.start, offset(window.start))]
    probes = _hours(window.start, window.end)
    for before, after in zip(probes, probes[1:]):
        if offset(after) == shifts[-1].offset:
            continue
        # Zones change at most once an hour: find the first microsecond after it.
        while after - before > timedelta(microseconds=1):
            middle = before + (after - before) // 2
            if offset(middle) == shifts[-1].offset:
                before = middle
            else:
                after = middle
        shifts.append(Shift(after, offset(after)))
    return tuple(shifts)


def local_days(window: Window, shifts: Sequence[Shift]) -> tuple[date, ...]:
    """The dates `window` spans in business time (`shifts`: its offsets)."""
    first = (window.start + shifts[0].offset).date()
    last = (window.end - timedelta(microseconds=1) + shifts[-1].offset).date()
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def _hours(start: datetime, end: datetime) -> list[datetime]:
    """Every hour from `start` while before `end`, and the last instant before it."""
    probes = []
    probe = start
    while probe < end:
        probes.append(probe)
        probe += timedelta(hours=1)
    probes.append(end - timedelta(microseconds=1))
    return probes


@dataclass(frozen=True)
class DayCount:
    """The streams that started on one day of the month, in business time."""

    day: date
    streams: int
    last_week: bool


def days_of_month(
    parameters: ReportParameters, counts: Mapping[date, int]
) -> tuple[DayCount, ...]:
    """Every day of the month with its count (0 when absent), the last 7 marked."""
    first = parameters.month
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last_week = following - LAST_WEEK
    return tuple(
        DayCount(day, counts.get(day, 0), day >= last_week)
        for day in (first + timedelta(days=n) for n in range((following - first).days))
    )


@dataclass(frozen=True)
class InProgress:
    """How many streams of the outage movie were in progress at one instant."""

    at: datetime
    streams: int
    in_outage: bool


#: Steps of a timeline, and widths of a duration bar, that read well on an axis.
_CLOCK_STEPS = tuple(
    timedelta(seconds=seconds)
    for seconds in (1, 2, 5, 10, 15, 30)
    + tuple(60 * minutes for minutes in (1, 2, 5, 10, 15, 30))
    + tuple(3600 * hours for hours in (1, 2, 3, 6, 12))
)


def _clock_steps() -> Iterator[timedelta]:
    """1 s, 2 s, 5 s ... 12 h, then 1, 2, 5, 10, 20, 50 ... days."""
    yield from _CLOCK_STEPS
    yield from map(timedelta, _round_numbers(0))


def _round_numbers(exponent: int) -> Iterator[float]:
    """1, 2 and 5 x 10^exponent, then x 10^(exponent + 1) ..., without end."""
    while True:
        for mantissa in (1, 2, 5):
            yield float(f"{mantissa}e{exponent}")
        exponent += 1


def outage_instants(parameters: ReportParameters) -> tuple[datetime, ...]:
    """Instants across the outage and around it, evenly spaced, both ends included.

    The timeline pads the outage by half its length on each side (an hour at
    least) and takes the shortest round step that keeps it to MAX_INSTANTS.
    """
    outage = parameters.outage_window()
    padding = max((outage.end - outage.start) / 2, MIN_PADDING)
    span = outage.end - outage.start + 2 * padding
    step = next(step for step in _clock_steps() if span / step < MAX_INSTANTS - 1)
    instant = outage.start - math.ceil(padding / step) * step
    instants = set()
    while instant <= outage.end + padding:
        instants.add(instant)
        instant += step
    return tuple(sorted(instants | {outage.end}))


def outage_timeline(
    parameters: ReportParameters, instants: Sequence[datetime], counts: Sequence[int]
) -> tuple[InProgress, ...]:
    """The counts at the instants, each marked in or out of the (closed) outage."""
    outage = parameters.outage_window()
    return tuple(
        InProgress(at, streams, outage.start <= at <= outage.end)
        for at, streams in zip(instants, counts, strict=True)
    )


@dataclass(frozen=True)
class Bins:
    """`count` bars of `width` from `low`: bar i holds [low + i w, low + (i + 1) w).

    Durations are in whole seconds; sizes in MB.
    """

    low: float
    width: float
    count: int


def duration_bins(shortest_microseconds: int, longest_microseconds: int) -> Bins:
    """Bars of a round number of whole seconds that cover every stream's duration."""
    candidates = (
        _duration_bins(shortest_microseconds, longest_microseconds, step)
        for step in _clock_steps()
    )
    return next(bins for bins in candidates if bins.count <= MAX_BARS)


def _duration_bins(shortest: int, longest: int, step: timedelta) -> Bins:
    width = int(step.total_seconds())
    low = shortest // (width * 10**6) * width
    return Bins(low, width, (longest - low * 10**6) // (width * 10**6) + 1)


def size_bins(smallest_mb: float, largest_mb: float) -> Bins:
    """Bars of 1, 2 or 5 x 10^n MB that cover every stream's size.

    The bar of a size is floor((size - low) / width) in double precision, the same
    operations on both databases and here, so the largest size's bar is the last.
    """
    candidates = (
        _size_bins(smallest_mb, largest_mb, width) for width in _round_numbers(-3)
    )
    return next(bins for bins in candidates if bins.count <= MAX_BARS)


def _size_bins(smallest: float, largest: float, width: float) -> Bins:
    low = math.floor(smallest / width) * width
    if low > smallest:  # the product rounded up past the smallest size
        low -= width
    return Bins(low, width, math.floor((largest - low) / width) + 1)


@dataclass(frozen=True)
class Bar:
    """One bar of a histogram: [low, high) in the histogram's unit."""

    low: float
    high: float
    streams: int


@dataclass(frozen=True)
class Histogram:
    """Bars, their unit, and one value marked on them (a mean, a median)."""

    bars: tuple[Bar, ...]
    unit: str
    marker: float


def histogram(
    bins: Bins, counts: Mapping[int, int], marker: float, unit: tuple[str, float]
) -> Histogram:
    """The bars of `bins` with their counts (0 when absent), in `unit` (name, size)."""
    name, size = unit
    return Histogram(
        bars=tuple(
            Bar(
                (bins.low + i * bins.width) / size,
                (bins.low + (i + 1) * bins.width) / size,
                counts.get(i, 0),
            )
            for i in range(bins.count)
        ),
        unit=name,
        marker=marker / size,
    )


def duration_unit(bins: Bins) -> tuple[str, float]:
    """Hours, minutes or seconds, whichever a bar is a round number of."""
    if bins.width >= 3600:
        return ("hours", 3600)
    if bins.width >= 60:
        return ("minutes", 60)
    return ("seconds", 1)


def size_unit(bins: Bins) -> tuple[str, float]:
    """GB, as the median answer is, unless the bars are narrower than 0.1 GB."""
    return ("GB", 1000) if bins.width >= 100 else ("MB", 1)


@dataclass(frozen=True)
class ReportCharts:
    """What the charts under the answers show."""

    days: tuple[DayCount, ...]
    outage: tuple[InProgress, ...]
    durations: Histogram
    sizes: Histogram


@dataclass(frozen=True)
class ChartedReport:
    """The answers, and the charts drawn under them (None: no stream to chart)."""

    report: Report
    charts: ReportCharts | None
