"""The company's real December 2021 dump: the counts the business expects."""

from pathlib import Path

from tests.e2e.helpers import AS_OF, DATA_TABLES, LOADS, scli, snapshot

#: (loaded, rejected) per model on the case data.
EXPECTED = {
    "movie": (91, 0),
    "user": (783, 0),
    "stream": (9652, 0),
    "author": (200, 1),
    "book": (103, 0),
    "review": (501, 0),
}


def test_the_six_loads_give_the_expected_counts_and_repeat_as_no_ops(
    database_url: str, case_data: Path
) -> None:
    assert scli(database_url, "init-db").exit_code == 0
    for model, collector, file in LOADS:
        result = scli(
            database_url,
            "load",
            "--as-of",
            AS_OF,
            "-m",
            model,
            "-c",
            collector,
            "-f",
            str(case_data / file),
        )
        loaded, rejected = EXPECTED[model]
        assert result.exit_code == 0, result.output
        assert f"inserted {loaded:,}, updated 0" in result.stdout
        assert f"rejected {rejected}," in result.stdout
    first = snapshot(database_url, DATA_TABLES)

    for model, collector, file in LOADS:
        skipped = scli(
            database_url,
            "load",
            "-m",
            model,
            "-c",
            collector,
            "-f",
            str(case_data / file),
        )
        assert skipped.exit_code == 0
        assert skipped.stdout.startswith(f"{model}: skipped, ")
        result = scli(
            database_url,
            "load",
            "--force",
            "--as-of",
            AS_OF,
            "-m",
            model,
            "-c",
            collector,
            "-f",
            str(case_data / file),
        )
        loaded, _ = EXPECTED[model]
        assert f"inserted 0, updated 0, unchanged {loaded:,}" in result.stdout

    assert snapshot(database_url, DATA_TABLES) == first
    # One row per record, in the current table only: no version has ended yet.
    assert {table: len(rows) for table, rows in first.items()} == {
        name: loaded if name == model else 0
        for model, (loaded, _) in EXPECTED.items()
        for name in (model, f"{model}_history")
    }
