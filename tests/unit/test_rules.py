"""Business rules, checked on one row at a time: the row path's side."""

from typing import Any

import pytest

from strider_challenge.adapters import spool
from strider_challenge.adapters.database import describe_database_error
from strider_challenge.adapters.spool import RejectionSpool
from strider_challenge.domain.datasets import DATASETS, get_dataset
from strider_challenge.domain.results import Rejection
from strider_challenge.domain.rules import RuleViolation, above, at_least, check
from tests import records

#: Each rule, a record that breaks it, and the sentence the rejection carries.
BROKEN = [
    (
        "stream",
        records.stream(end_at="2021-12-25T06:29:59.999+0100"),
        "a stream's end_at is not before its start_at",
    ),
    ("stream", records.stream(size_mb="-0.5"), "a stream's size_mb is not negative"),
    ("movie", records.movie(duration_mins="0"), "a movie's duration_mins is positive"),
    ("movie", records.movie(size_mb="-1"), "a movie's size_mb is not negative"),
    ("book", records.book(pages=0), "a book's pages, when given, is positive"),
    (
        "review",
        records.review(rating={"rate": 6, "label": "SIX"}),
        "a review's rating, when given, is 1 to 5",
    ),
    (
        "review",
        records.review(rating={"rate": 0, "label": "NONE"}),
        "a review's rating, when given, is 1 to 5",
    ),
]


@pytest.mark.parametrize("model, record, sentence", BROKEN)
def test_a_record_that_breaks_a_rule_is_refused_with_its_sentence(
    model: str, record: dict[str, Any], sentence: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        get_dataset(model).to_row(record)

    assert str(refused.value) == sentence


@pytest.mark.parametrize(
    "model, record",
    [
        ("stream", records.stream(end_at="2021-12-25T06:30:00.000+0100")),
        ("stream", records.stream(size_mb="0")),
        ("book", records.book(pages=None)),
        ("review", records.review(rating={"rate": None, "label": None})),
        ("review", records.review(rating={"rate": 1, "label": "ONE"})),
    ],
)
def test_the_edges_of_a_rule_and_a_field_not_given_pass(
    model: str, record: dict[str, Any]
) -> None:
    assert get_dataset(model).to_row(record)


def test_every_dataset_names_its_rules_with_sentences() -> None:
    sentences = [rule.sentence for d in DATASETS.values() for rule in d.rules]

    assert len(sentences) == 6 and all(s.startswith("a ") for s in sentences)


def test_the_first_rule_broken_is_the_one_reported() -> None:
    rules = (above("n", 0, "n is positive"), at_least("n", 5, "n is five or more"))

    check(rules, {"n": 7})
    with pytest.raises(RuleViolation, match="^n is five or more$"):
        check(rules, {"n": 3})
    with pytest.raises(RuleViolation, match="^n is positive$"):
        check(rules, {"n": -3})


def test_an_instant_that_utc_cannot_hold_is_refused_by_the_raw_schema() -> None:
    early = records.stream("0001-01-01T00:30:00.000+0100")

    with pytest.raises(ValueError, match="outside years 1 to 9999 in UTC"):
        get_dataset("stream").to_row(early)


def test_the_spool_keeps_rejections_in_order_past_its_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spool, "IN_MEMORY", 100)
    kept = RejectionSpool()
    written = [
        Rejection(n, f'{{"n": {n}, "t": "\\t"}}', f"line {n}\n") for n in range(50)
    ]

    kept.write(written[:20])
    kept.write(written[20:])

    assert list(kept) == written and kept.count == 50
    assert kept._file._rolled  # type: ignore[attr-defined]
    kept.close()


def test_a_database_error_without_a_message_is_named_by_its_type() -> None:
    assert describe_database_error(KeyError()) == "database: KeyError"
    assert describe_database_error(ValueError("a\nb")) == "database: a"
