from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from strider_challenge.domain.datasets import DATASETS, get_dataset
from strider_challenge.domain.errors import UnknownModelError
from strider_challenge.domain.mappers import MappingError
from tests import records

PLUS_ONE = timezone(timedelta(hours=1))


def test_stream_instants_keep_their_offset_and_size_is_a_number() -> None:
    row = get_dataset("stream").to_row(records.stream())

    assert row["start_at"] == datetime(2021, 12, 25, 5, 30, tzinfo=timezone.utc)
    assert row["start_at"].utcoffset() == timedelta(hours=1)
    assert row["size_mb"] == pytest.approx(613.4245936603365)
    assert isinstance(row["size_mb"], float)


def test_stream_without_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        get_dataset("stream").to_row(records.stream(start_at="2021-12-25T06:30:00"))


def test_movie_numbers_are_parsed_from_csv_text() -> None:
    row = get_dataset("movie").to_row(records.movie())

    assert row == {
        "title": "Unforgiven",
        "duration_mins": 131,
        "original_language": "English",
        "size_mb": 1100,
    }


@pytest.mark.parametrize("title", ["", "   "])
def test_blank_key_is_refused(title: str) -> None:
    with pytest.raises(ValidationError):
        get_dataset("movie").to_row(records.movie(title=title))


def test_user_is_stored_as_sent() -> None:
    assert get_dataset("user").to_row(records.user()) == {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }


def test_author_keeps_every_meaningful_nationality_in_canonical_order() -> None:
    nationalities = [
        {"id": None, "label": "Singaporeans", "slug": "singaporeans"},
        {"id": None, "label": "", "slug": None},
        {"id": None, "label": "Andorrans", "slug": "andorrans"},
        {"id": None, "label": "unknown", "slug": None},
    ]
    row = get_dataset("author").to_row(records.author(nationalities=nationalities))

    assert row["nationalities"] == [
        {"slug": None, "label": "unknown"},
        {"slug": "andorrans", "label": "Andorrans"},
        {"slug": "singaporeans", "label": "Singaporeans"},
    ]
    assert row["birth_date"] == date(1956, 5, 7)
    assert row["died_at"] is None


def test_author_nationality_order_does_not_change_the_row() -> None:
    first = records.author()
    swapped = records.author(nationalities=list(reversed(first["nationalities"])))
    dataset = get_dataset("author")

    assert dataset.to_row(first) == dataset.to_row(swapped)


def test_author_dates_are_the_utc_calendar_day() -> None:
    metadata = {
        "name": "Al",
        "birth_date": "2000-06-30T00:00:00.000+0000",
        "died_at": "2042-08-07T00:00:00.000+0000",
    }
    row = get_dataset("author").to_row(records.author(metadata=metadata))

    assert (row["birth_date"], row["died_at"]) == (date(2000, 6, 30), date(2042, 8, 7))


def test_author_without_a_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="metadata.name"):
        get_dataset("author").to_row(records.author(name=None))


def test_book_name_is_its_title() -> None:
    row = get_dataset("book").to_row(records.book())

    assert row == {
        "title": "The Long Goodbye",
        "pages": 320,
        "author": "Ada Writer",
        "publisher": "Pan",
    }


@pytest.mark.parametrize("sentinel_first", [True, False])
def test_review_drops_the_sentinel_wherever_it_stands(sentinel_first: bool) -> None:
    movies = [{"id": 0, "title": "end"}, {"id": 0, "title": "UNFORGIVEN"}]
    if not sentinel_first:
        movies.reverse()
    row = get_dataset("review").to_row(records.review(movies=movies))

    assert row == {
        "movie_title": "UNFORGIVEN",
        "book_title": "THE LONG GOODBYE",
        "created_at": datetime(2021, 12, 2, 6, 11, 35, 525000, tzinfo=PLUS_ONE),
        "updated_at": datetime(2021, 12, 17, 11, 49, 40, 461000, tzinfo=PLUS_ONE),
        "text": "Solitudo magnam vulpes.",
        "rating": 4,
        "rating_label": "FOUR",
    }


@pytest.mark.parametrize(
    "movies, message",
    [
        ([{"id": 0, "title": "end"}], "names 0"),
        ([{"id": 0, "title": "A"}, {"id": 0, "title": "B"}], "names 2"),
    ],
)
def test_review_must_name_exactly_one_movie(
    movies: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(MappingError, match=message):
        get_dataset("review").to_row(records.review(movies=movies))


def test_review_must_name_exactly_one_book() -> None:
    with pytest.raises(MappingError, match="one book, this one names 0"):
        get_dataset("review").to_row(records.review(books=[]))


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(UnknownModelError, match="known: movie, user, stream"):
        get_dataset("film")


@pytest.mark.parametrize("dataset", DATASETS.values(), ids=list(DATASETS))
def test_every_dataset_key_is_part_of_its_columns(dataset: object) -> None:
    from strider_challenge.domain.datasets import Dataset

    assert isinstance(dataset, Dataset)
    assert set(dataset.key) <= set(dataset.columns)
    assert dataset.table_name == dataset.name


@pytest.mark.parametrize("model", list(DATASETS))
def test_every_mapper_fills_exactly_the_table_columns(model: str) -> None:
    dataset = get_dataset(model)
    record = getattr(records, model)()

    row = dataset.to_row(record)

    assert tuple(row) == dataset.columns
    now = datetime.now(timezone.utc)
    tracking = {"first_seen_at": now, "last_seen_at": now, "valid_from": now}
    dataset.table.model_validate({**row, **tracking})


@pytest.mark.parametrize(
    "model, overrides, field",
    [
        ("movie", {"title": "A\x00B"}, "title"),
        ("user", {"first_name": "A\x00"}, "first_name"),
        ("movie", {"duration_mins": str(2**31)}, "duration_mins"),
        ("stream", {"size_mb": "nan"}, "size_mb"),
        ("stream", {"size_mb": "inf"}, "size_mb"),
    ],
)
def test_values_no_database_can_store_are_refused(
    model: str, overrides: dict[str, str], field: str
) -> None:
    record = {**getattr(records, model)(), **overrides}

    with pytest.raises(ValidationError, match=field):
        get_dataset(model).to_row(record)
