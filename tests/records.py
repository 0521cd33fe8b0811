"""Raw records shaped like the company's and the vendor's, and files made of them."""

import csv
import json
from pathlib import Path
from typing import Any

CSV_HEADERS = {
    "movie": ["title", "duration_mins", "original_language", "size_mb"],
    "user": ["first_name", "last_name", "email"],
    "stream": ["movie_title", "user_email", "size_mb", "start_at", "end_at"],
}


def movie(title: str = "Unforgiven", **overrides: Any) -> dict[str, Any]:
    record = {
        "title": title,
        "duration_mins": "131",
        "original_language": "English",
        "size_mb": "1100",
    }
    return {**record, **overrides}


def user(email: str = "ada@example.com", **overrides: Any) -> dict[str, Any]:
    return {
        **{"first_name": "Ada", "last_name": "Lovelace", "email": email},
        **overrides,
    }


def stream(
    start_at: str = "2021-12-25T06:30:00.000+0100", **overrides: Any
) -> dict[str, Any]:
    record = {
        "movie_title": "Unforgiven",
        "user_email": "ada@example.com",
        "size_mb": "613.4245936603365",
        "start_at": start_at,
        "end_at": "2021-12-25T08:00:00.000+0100",
    }
    return {**record, **overrides}


def author(name: str | None = "Ada Writer", **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "metadata": {
            "name": name,
            "birth_date": "1956-05-07T00:00:00.000+0000",
            "died_at": None,
        },
        "nationalities": [
            {"id": None, "label": "", "slug": None},
            {"id": None, "label": "Singaporeans", "slug": "singaporeans"},
        ],
    }
    return {**record, **overrides}


def book(name: str = "The Long Goodbye", **overrides: Any) -> dict[str, Any]:
    record = {"name": name, "pages": 320, "author": "Ada Writer", "publisher": "Pan"}
    return {**record, **overrides}


def review(
    movie_title: str = "UNFORGIVEN",
    book_title: str = "THE LONG GOODBYE",
    created: str = "2021-12-02T06:11:35.525+0100",
    **overrides: Any,
) -> dict[str, Any]:
    record = {
        "content": {"text": "Solitudo magnam vulpes."},
        "rating": {"rate": 4, "label": "FOUR"},
        "books": [{"id": None, "metadata": {"title": book_title, "pages": "unknown"}}],
        "movies": [{"id": 0, "title": "end"}, {"id": 0, "title": movie_title}],
        "updated": "2021-12-17T11:49:40.461+0100",
        "created": created,
    }
    return {**record, **overrides}


def write_csv(path: Path, model: str, records: list[dict[str, Any]]) -> Path:
    """Write records as the company's CSV export of `model`."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_HEADERS[model])
        writer.writeheader()
        writer.writerows(records)
    return path


def write_json(path: Path, records: list[Any]) -> Path:
    """Write records as the vendor's JSON array."""
    path.write_text(json.dumps(records, indent=4), encoding="utf-8")
    return path
