"""The report's pure parts: parameters, windows in business time, rounding."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from strider_challenge.domain.answers import (
    ANSWER_KEYS,
    Answers,
    ParameterError,
    Report,
    ReportFigures,
    ReportParameters,
    Window,
    answers_from,
    parse_instant,
    parse_month,
    parse_slug,
    parse_zone,
    round_half_up,
)

UTC = timezone.utc
PLUS_ONE = timezone(timedelta(hours=1))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def figures(**overrides: object) -> ReportFigures:
    values: dict[str, object] = {
        "streams": 4,
        "streamed_movies": 3,
        "streamed_movies_from_books": 2,
        "outage_users": 5,
        "nationality_movies": 1,
        "total_stream_microseconds": 10_000_000,
        "median_stream_size_mb": 1125.0,
        "half_movie_users": 7,
    }
    return ReportFigures(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_case_defaults_give_the_business_windows_in_utc() -> None:
    parameters = ReportParameters.parse()

    assert parameters.month_window() == Window(
        utc(2021, 11, 30, 23), utc(2021, 12, 31, 23)
    )
    assert parameters.last_week_window() == Window(
        utc(2021, 12, 24, 23), utc(2021, 12, 31, 23)
    )
    assert parameters.outage_window() == Window(
        utc(2021, 12, 25, 6), utc(2021, 12, 25, 11)
    )
    assert (parameters.outage_movie, parameters.nationality) == (
        "Unforgiven",
        "singaporeans",
    )


def test_the_time_zone_moves_every_window() -> None:
    parameters = ReportParameters.parse(zone="-03:30")

    assert parameters.month_window().start == utc(2021, 12, 1, 3, 30)
    assert parameters.last_week_window().end == utc(2022, 1, 1, 3, 30)
    assert parameters.outage_window().start == utc(2021, 12, 25, 10, 30)


def test_an_outage_with_its_own_offset_keeps_it() -> None:
    parameters = ReportParameters.parse(
        outage_start="2021-12-25T07:00:00+00:00", outage_end="2021-12-25 12:00"
    )

    assert parameters.outage_window() == Window(
        utc(2021, 12, 25, 7), utc(2021, 12, 25, 11)
    )


def test_a_named_zone_follows_daylight_saving_time() -> None:
    parameters = ReportParameters.parse(month="2022-03", zone="Europe/Paris")

    # March 2022 began in winter time (+01:00) and ended in summer time (+02:00).
    assert parameters.month_window() == Window(
        utc(2022, 2, 28, 23), utc(2022, 3, 31, 22)
    )
    assert parameters.last_week_window() == Window(
        utc(2022, 3, 24, 23), utc(2022, 3, 31, 22)
    )


def test_the_last_week_is_the_last_seven_days_of_any_month() -> None:
    february = ReportParameters.parse(month="2021-02", zone="UTC")

    assert february.last_week_window() == Window(utc(2021, 2, 22), utc(2021, 3, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2021-12", date(2021, 12, 1)), (" 2022-01 ", date(2022, 1, 1))],
)
def test_parse_month(text: str, expected: date) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2021-13", "2021-00", "2021-1", "Dec 2021", ""])
def test_parse_month_refuses_what_is_not_a_month(text: str) -> None:
    with pytest.raises(ParameterError, match="is not a month like 2021-12"):
        parse_month(text)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("+01:00", timedelta(hours=1)),
        ("+0100", timedelta(hours=1)),
        ("-03:30", -timedelta(hours=3, minutes=30)),
        ("Z", timedelta(0)),
        ("utc", timedelta(0)),
    ],
)
def test_parse_zone_offsets(text: str, offset: timedelta) -> None:
    assert parse_zone(text).utcoffset(None) == offset


def test_parse_zone_names() -> None:
    assert parse_zone("Asia/Singapore") == ZoneInfo("Asia/Singapore")


@pytest.mark.parametrize("text", ["+25:00", "+01:60"])
def test_parse_zone_refuses_impossible_offsets(text: str) -> None:
    with pytest.raises(ParameterError, match="is not a UTC offset"):
        parse_zone(text)


@pytest.mark.parametrize("text", ["Mars/Base", "../etc", "1"])
def test_parse_zone_refuses_unknown_names(text: str) -> None:
    with pytest.raises(ParameterError, match="neither a UTC offset"):
        parse_zone(text)


def test_parse_instant_reads_naive_text_in_the_zone() -> None:
    assert parse_instant("2021-12-25 07:00", PLUS_ONE) == utc(2021, 12, 25, 6)
    assert parse_instant("2021-12-25T07:00Z", PLUS_ONE) == utc(2021, 12, 25, 7)


def test_parse_instant_refuses_garbage() -> None:
    with pytest.raises(ParameterError, match="is not a date and time"):
        parse_instant("Christmas morning", PLUS_ONE)


def test_parse_slug() -> None:
    assert parse_slug("virgin-islanders-british") == "virgin-islanders-british"
    with pytest.raises(ParameterError, match="not a nationality slug"):
        parse_slug("Singaporeans")


def test_parameters_refuse_an_outage_that_ends_before_it_starts() -> None:
    with pytest.raises(ParameterError, match="ends .* before it starts"):
        ReportParameters.parse(
            outage_start="2021-12-25 12:00", outage_end="2021-12-25 07:00"
        )


def test_parameters_refuse_an_empty_movie() -> None:
    with pytest.raises(ParameterError, match="movie title is empty"):
        ReportParameters.parse(outage_movie="  ")


def test_parameters_refuse_a_movie_with_a_nul_character() -> None:
    with pytest.raises(ParameterError, match="holds a NUL character"):
        ReportParameters.parse(outage_movie="Unforgiven\x00")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(9, 8), 2, "1.13"),  # half-even would give 1.12
        (Fraction(5, 2), 0, "3"),  # half-even would give 2
        (Fraction(7, 2), 0, "4"),
        (Fraction(-5, 2), 0, "-3"),
        (Fraction(8500, 91), 2, "93.41"),
        (Fraction(1, 3), 2, "0.33"),
        (Fraction(0), 2, "0.00"),
        (Fraction(2, 3), 0, "1"),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(
    value: Fraction, places: int, expected: str
) -> None:
    rounded = round_half_up(value, places)

    assert str(rounded) == expected


def test_answers_are_rounded_from_the_exact_figures() -> None:
    answers = answers_from(
        figures(
            streams=2,
            total_stream_microseconds=5_000_000,  # 2.5 s on average
            median_stream_size_mb=1125.0,  # 1.125 GB
        )
    )

    assert answers == Answers(
        pct_streamed_movies_based_on_books=Decimal("66.67"),
        users_affected_by_outage=5,
        movies_from_nationality_authors_streamed_in_month=1,
        avg_stream_duration_seconds=3,
        median_stream_size_gb=Decimal("1.13"),
        users_watched_half_movie_last_week=7,
    )


def test_the_median_rounds_the_float_the_database_gave_exactly() -> None:
    below = answers_from(figures(median_stream_size_mb=1234.9999999999998))
    half = answers_from(figures(median_stream_size_mb=1235.0))

    assert below.median_stream_size_gb == Decimal("1.23")
    assert half.median_stream_size_gb == Decimal("1.24")


def test_a_database_without_streams_has_no_answers() -> None:
    answers = answers_from(figures(streams=0, streamed_movies=0))

    assert set(answers.as_dict().values()) == {None}


def test_without_streamed_catalog_movies_the_percentage_is_empty() -> None:
    answers = answers_from(figures(streamed_movies=0, streamed_movies_from_books=0))

    assert answers.pct_streamed_movies_based_on_books is None
    assert answers.avg_stream_duration_seconds == 3  # 10 s over 4 streams: 2.5


def test_no_key_names_a_parameter_s_default_value() -> None:
    defaults = ReportParameters.parse()
    words = {
        defaults.outage_movie,
        f"{defaults.month:%B}",
        defaults.nationality.rstrip("s"),
        "christmas",
        str(defaults.month.year),
    }

    for key in ANSWER_KEYS:
        assert not [word for word in words if word.lower() in key], key


def test_the_answer_keys_name_what_they_measure_in_order() -> None:
    assert ANSWER_KEYS == (
        "pct_streamed_movies_based_on_books",
        "users_affected_by_outage",
        "movies_from_nationality_authors_streamed_in_month",
        "avg_stream_duration_seconds",
        "median_stream_size_gb",
        "users_watched_half_movie_last_week",
    )
    assert tuple(answers_from(figures()).as_dict()) == ANSWER_KEYS


def test_a_report_is_empty_without_streams() -> None:
    parameters = ReportParameters.parse()
    empty = Report(parameters, figures(streams=0), answers_from(figures(streams=0)))
    full = Report(parameters, figures(), answers_from(figures()))

    assert (empty.empty, full.empty) == (True, False)
