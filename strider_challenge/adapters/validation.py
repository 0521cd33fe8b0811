"""Validation of a raw batch: typed row batches for the stager, and rejections.

A batch goes column by column through the fast path when its dataset and its format
allow it (`adapters/columnar.py`); every row the fast path does not accept, and
every batch it cannot read, goes record by record through the row path: the raw
schema (pydantic), the mapper, the business rules, whose verdict and message stand.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from strider_challenge.adapters.arrow_rows import row_schema, rows_to_batch
from strider_challenge.adapters.collectors import RawBatch, SourceRecord
from strider_challenge.adapters.columnar import FastPath
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.mappers import MappingError, Row
from strider_challenge.domain.results import Rejection


def describe_validation_error(error: ValidationError) -> str:
    """One line per field at fault, joined: `metadata.name: Input should be ...`."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'record'}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )


@dataclass
class Validated:
    """What validation made of one raw batch.

    Args:
        rows: the accepted rows, typed, in one or two batches (fast, then checked).
        fast: how many rows the fast path accepted.
        checked: how many rows the row path accepted.
        rejections: the records refused, with their positions and reasons.
    """

    rows: list[pa.RecordBatch] = field(default_factory=list)
    fast: int = 0
    checked: int = 0
    rejections: list[Rejection] = field(default_factory=list)


class Validator:
    """Turns a dataset's raw batches into typed rows and rejections."""

    def __init__(self, dataset: Dataset[Any]) -> None:
        self.dataset = dataset
        self.fast_path = FastPath(dataset)
        self.schema = row_schema(dataset)

    def validate(self, batch: RawBatch) -> Validated:
        """Validate every record of the batch."""
        columnar = None
        if self.fast_path.available:
            columnar = batch.columnar(self.fast_path.input_schema)
        if columnar is None:
            return self._row_path(batch.records())
        columns, accepted = self.fast_path.accept(columnar.table)
        fast = pa.RecordBatch.from_arrays(
            [*columns, columnar.positions], schema=self.schema
        ).filter(accepted)
        refused = pc.indices_nonzero(pc.invert(accepted)).to_pylist()
        checked = self._row_path(columnar.records_at(refused) + columnar.rest)
        rows = [fast, *checked.rows] if fast.num_rows else checked.rows
        return Validated(rows, fast.num_rows, checked.checked, checked.rejections)

    def _row_path(self, records: Sequence[SourceRecord]) -> Validated:
        rows: list[tuple[int, Row]] = []
        rejections: list[Rejection] = []
        for record in records:
            error = record.problem
            if error is None:
                try:
                    rows.append((record.position, self.dataset.to_row(record.fields)))
                    continue
                except ValidationError as invalid:
                    error = describe_validation_error(invalid)
                except MappingError as unmappable:
                    error = str(unmappable)
            rejections.append(Rejection(record.position, record.raw_text(), error))
        batches = [rows_to_batch(self.dataset, rows)] if rows else []
        return Validated(batches, 0, len(rows), rejections)
