"""The charts' pure parts: offsets across a month, days, timelines, bars."""

import math
from datetime import date, datetime, timedelta, timezone

import pytest

from strider_challenge.domain.answers import (
    ReportParameters,
    Window,
    definitions,
    parse_zone,
)
from strider_challenge.domain.charts import (
    MAX_BARS,
    MAX_INSTANTS,
    Bar,
    Bins,
    DayCount,
    InProgress,
    Shift,
    days_of_month,
    duration_bins,
    duration_unit,
    histogram,
    local_days,
    offset_shifts,
    outage_instants,
    outage_timeline,
    size_bins,
    size_unit,
)
from tests.conftest import ROOT

UTC = timezone.utc
HOUR = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_fixed_offset_is_one_shift_over_the_month() -> None:
    parameters = ReportParameters.parse()

    shifts = offset_shifts(parameters.month_window(), parameters.zone)

    assert shifts == (Shift(utc(2021, 11, 30, 23), HOUR),)
    assert shifts[0].modifier == "+3600 seconds"


def test_a_daylight_saving_change_starts_a_shift_at_its_instant() -> None:
    parameters = ReportParameters.parse(month="2022-03", zone="Europe/Paris")

    shifts = offset_shifts(parameters.month_window(), parameters.zone)

    assert shifts == (
        Shift(utc(2022, 2, 28, 23), HOUR),
        Shift(utc(2022, 3, 27, 1), 2 * HOUR),  # 02:00 winter time became 03:00
    )
    assert [shift.modifier for shift in shifts] == ["+3600 seconds", "+7200 seconds"]


def test_a_half_hour_change_and_a_negative_offset() -> None:
    lord_howe = ReportParameters.parse(month="2022-04", zone="Australia/Lord_Howe")
    santiago = ReportParameters.parse(month="2022-04", zone="America/Santiago")

    howe = offset_shifts(lord_howe.month_window(), lord_howe.zone)
    chile = offset_shifts(santiago.month_window(), santiago.zone)

    assert [shift.offset for shift in howe] == [11 * HOUR, 10.5 * HOUR]
    assert howe[1].start == utc(2022, 4, 2, 15)
    assert [shift.modifier for shift in chile] == ["-10800 seconds", "-14400 seconds"]
    assert chile[1].start == utc(2022, 4, 3, 3)


def test_a_change_in_the_last_hour_of_a_window_is_found() -> None:
    # Paris moved to summer time at 01:00 UTC, half an hour before the window ends.
    window = Window(utc(2022, 3, 26, 23, 30), utc(2022, 3, 27, 1, 30))

    shifts = offset_shifts(window, parse_zone("Europe/Paris"))

    assert shifts == (Shift(window.start, HOUR), Shift(utc(2022, 3, 27, 1), 2 * HOUR))


def test_local_days_are_the_business_dates_of_a_window() -> None:
    december = ReportParameters.parse()
    march = ReportParameters.parse(month="2022-03", zone="Europe/Paris")

    days = local_days(december.month_window(), (Shift(utc(2021, 11, 30, 23), HOUR),))
    spring = local_days(
        march.month_window(), offset_shifts(march.month_window(), march.zone)
    )

    assert (days[0], days[-1], len(days)) == (date(2021, 12, 1), date(2021, 12, 31), 31)
    assert (spring[0], spring[-1], len(spring)) == (
        date(2022, 3, 1),
        date(2022, 3, 31),
        31,
    )


def test_days_of_month_fills_the_missing_days_and_marks_the_last_week() -> None:
    parameters = ReportParameters.parse(month="2021-02")

    days = days_of_month(parameters, {date(2021, 2, 3): 5, date(2021, 2, 28): 2})

    assert len(days) == 28
    assert days[2] == DayCount(date(2021, 2, 3), 5, False)
    assert days[0].streams == 0
    assert [day.day.day for day in days if day.last_week] == list(range(22, 29))
    assert days[-1] == DayCount(date(2021, 2, 28), 2, True)


def test_december_ends_the_year() -> None:
    days = days_of_month(ReportParameters.parse(), {})

    assert (days[0].day, days[-1].day) == (date(2021, 12, 1), date(2021, 12, 31))
    assert days[24] == DayCount(date(2021, 12, 25), 0, True)
    assert not days[23].last_week


def test_the_outage_timeline_pads_the_case_outage_by_half_its_length() -> None:
    instants = outage_instants(ReportParameters.parse())

    # 07:00-12:00 business time, padded 2.5 h each side, every 10 minutes.
    assert instants[0] == utc(2021, 12, 25, 3, 30)
    assert instants[-1] == utc(2021, 12, 25, 13, 30)
    assert {b - a for a, b in zip(instants, instants[1:])} == {timedelta(minutes=10)}
    assert len(instants) == 61
    assert utc(2021, 12, 25, 6) in instants and utc(2021, 12, 25, 11) in instants


def test_a_short_outage_keeps_an_hour_each_side_and_both_ends() -> None:
    parameters = ReportParameters.parse(
        outage_start="2021-12-25 07:00", outage_end="2021-12-25 07:07"
    )

    instants = outage_instants(parameters)

    assert instants[0] == utc(2021, 12, 25, 5)
    assert utc(2021, 12, 25, 6, 7) in instants  # the end, off the 2-minute grid
    assert instants[-1] == utc(2021, 12, 25, 7, 6)
    assert len(instants) <= MAX_INSTANTS


def test_a_long_outage_takes_day_steps() -> None:
    parameters = ReportParameters.parse(
        outage_start="2021-12-01 00:00", outage_end="2022-12-01 00:00"
    )

    instants = outage_instants(parameters)

    assert instants[1] - instants[0] == timedelta(days=10)
    assert len(instants) <= MAX_INSTANTS


def test_the_outage_timeline_marks_the_closed_window() -> None:
    parameters = ReportParameters.parse()
    instants = [utc(2021, 12, 25, 5, 50), utc(2021, 12, 25, 6), utc(2021, 12, 25, 11)]

    timeline = outage_timeline(parameters, instants, [1, 2, 3])

    assert timeline == (
        InProgress(instants[0], 1, False),
        InProgress(instants[1], 2, True),
        InProgress(instants[2], 3, True),
    )
    with pytest.raises(ValueError):
        outage_timeline(parameters, instants, [1, 2])


@pytest.mark.parametrize(
    ("shortest", "longest", "expected"),
    [
        (0, 86_377_370_000, Bins(0, 3600, 24)),  # the sample data: up to 24 h
        (3_600_000_000, 3_600_000_000, Bins(3600, 1, 1)),
        (-5_000_000, 3_000_000, Bins(-5, 1, 9)),  # an end before its start
        (0, 29_999_999, Bins(0, 1, 30)),
        (0, 30_000_000, Bins(0, 2, 16)),
        (0, 400 * 86_400 * 10**6, Bins(0, 20 * 86_400, 21)),
        (90 * 60 * 10**6, 95 * 60 * 10**6 - 1, Bins(5400, 10, 30)),
        (90 * 60 * 10**6, 95 * 60 * 10**6, Bins(5400, 15, 21)),  # 31 bars of 10 s
    ],
)
def test_duration_bins_are_round_seconds_covering_every_duration(
    shortest: int, longest: int, expected: Bins
) -> None:
    bins = duration_bins(shortest, longest)

    assert bins == expected
    assert bins.count <= MAX_BARS
    assert bins.low * 10**6 <= shortest
    assert longest < (bins.low + bins.count * bins.width) * 10**6


@pytest.mark.parametrize(
    ("smallest", "largest", "expected"),
    [
        (0.297739503096208, 3790.02563920488, Bins(0.0, 200.0, 19)),
        (5.0, 5.0, Bins(5.0, 0.001, 1)),
        (1000.0, 1250.0, Bins(1000.0, 10.0, 26)),
        (10.5, 2999.0, Bins(0.0, 100.0, 30)),
        (10.5, 3000.0, Bins(0.0, 200.0, 16)),  # 31 bars of 100 MB
    ],
)
def test_size_bins_are_one_two_five_covering_every_size(
    smallest: float, largest: float, expected: Bins
) -> None:
    bins = size_bins(smallest, largest)

    assert bins == expected
    assert math.floor((largest - bins.low) / bins.width) == bins.count - 1


def test_size_bins_step_back_when_the_low_edge_rounds_past_the_smallest() -> None:
    # 0.009 / 0.001 is 9.0 but 9 * 0.001 is 0.009000000000000001 > 0.009.
    bins = size_bins(0.009, 0.02)

    assert bins.width == 0.001
    assert bins.low <= 0.009 and math.floor((0.009 - bins.low) / bins.width) == 0
    assert bins.count == math.floor((0.02 - bins.low) / bins.width) + 1


def test_histogram_fills_missing_bars_and_converts_to_the_unit() -> None:
    bins = Bins(0, 3600, 3)

    drawn = histogram(bins, {0: 4, 2: 1}, 5400.0, duration_unit(bins))

    assert drawn.unit == "hours" and drawn.marker == 1.5
    assert drawn.bars == (Bar(0, 1, 4), Bar(1, 2, 0), Bar(2, 3, 1))


@pytest.mark.parametrize(
    ("width", "unit"),
    [(7200, "hours"), (3600, "hours"), (600, "minutes"), (5, "seconds")],
)
def test_duration_unit(width: int, unit: str) -> None:
    assert duration_unit(Bins(0, width, 1))[0] == unit


def test_size_unit_is_gb_unless_bars_are_narrow() -> None:
    assert size_unit(Bins(0, 200.0, 1)) == ("GB", 1000)
    assert size_unit(Bins(0, 50.0, 1)) == ("MB", 1)


def test_the_readme_defines_the_answers_as_the_report_page_does() -> None:
    readme = (ROOT / "README.md").read_text()

    for key, sentence in definitions(ReportParameters.parse()).items():
        assert f"| `{key}` | {sentence} |" in readme


def test_definitions_follow_the_parameters() -> None:
    defined = definitions(
        ReportParameters.parse(
            month="2022-02",
            zone="UTC",
            outage_start="2022-02-01 22:00",
            outage_end="2022-02-02 01:00",
            nationality="chileans",
        )
    )

    assert (
        "2022-02-01 22:00 to 2022-02-02 01:00: the stream started at or before "
        "2022-02-02 01:00 and ended at or after 2022-02-01 22:00"
        in (defined["users_affected_by_outage"])
    )
    assert (
        "slug `chileans`, with at least one stream overlapping February: it "
        "started before 2022-03-01 00:00 and ended after 2022-02-01 00:00."
        in (defined["movies_from_nationality_authors_streamed_in_month"])
    )
    assert "[02-22 00:00, 03-01 00:00)" in (
        defined["users_watched_half_movie_last_week"]
    )
