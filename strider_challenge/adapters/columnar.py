"""The columnar fast path: whole columns checked and typed by Arrow compute kernels.

For a flat dataset (each column one raw field, `mappers.ColumnsFrom`), the checks
are derived from the raw schema's field types, never listed per model: a `Text`
or `Str` field is matched against its pattern, an `Int` parsed and kept within its
bounds, a float parsed and kept finite, a `Timestamp` parsed with its offset and kept
within years 1 to 9999 in UTC; then the dataset's business rules are evaluated on the
typed columns. The fast path only *accepts*: a row it does not accept goes to the
row path (pydantic, one record at a time), whose verdict and message stand. So each
check is a strict subset of what pydantic accepts (`" 5"` is an integer to pydantic;
here it is left to pydantic), and a property test proves that every row accepted
here is accepted by pydantic and becomes the identical row.

A field type this module does not know gives the dataset no fast path at all.
"""

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import AfterValidator, AwareDatetime, StringConstraints
from pydantic.fields import FieldInfo

from strider_challenge.adapters.arrow_rows import INSTANT, arrow_type, table_columns
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.mappers import ColumnsFrom
from strider_challenge.domain.raw import STR_PATTERN, TEXT_PATTERN, in_utc_calendar
from strider_challenge.domain.rules import Column, Comparison, Rule

#: Unicode's White_Space, which pydantic's patterns (Rust regex) mean by `\s`; RE2,
#: Arrow's engine, means ASCII white space only, so it is spelt out.
_WHITE_SPACE = (
    r"\x{9}-\x{d}\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}"
)

#: Each pattern of the raw schemas, as RE2 must write it to match the same strings.
RE2_PATTERNS = {
    STR_PATTERN: r"^[^\x00]*$",
    TEXT_PATTERN: rf"^[^\x00]*[^\x00{_WHITE_SPACE}][^\x00]*$",
}

#: Integers as the fast path reads them from text: plain digits, an optional minus.
_INTEGER = r"^-?[0-9]{1,10}$"
#: Floats in decimal or scientific notation (no `inf`, `nan`, `_` or blanks).
_FLOAT = r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
#: ISO 8601 instants with seconds, at most microseconds, and an offset or `Z`.
_INSTANT = (
    r"^[0-9]{4}-[01][0-9]-[0-3][0-9][T ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])$"
)
#: The instants Python (and pydantic's UTC check) can hold.
_EARLIEST = pa.scalar(datetime(1, 1, 1, tzinfo=timezone.utc), INSTANT)
_LATEST = pa.scalar(datetime(9999, 12, 31, 23, 59, 59, 999999, timezone.utc), INSTANT)

#: A column's checked values, and whether each row passed.
Checked = tuple[pa.Array, pa.Array]


@dataclass(frozen=True)
class FieldCheck:
    """How one raw field is checked and typed, column-wise.

    Args:
        kind: `str`, `int`, `float` or `instant`.
        optional: the field may be null (JSON `null`; CSV has no null).
        pattern: for `str`, the RE2 pattern a value must match.
        low, high: for `int`, the bounds (included).
    """

    kind: str
    optional: bool = False
    pattern: str | None = None
    low: int | None = None
    high: int | None = None

    @property
    def input_type(self) -> pa.DataType:
        """The type a typed reader (JSON Lines) should read the field as."""
        return {"int": pa.int64(), "float": pa.float64()}.get(self.kind, pa.string())

    def apply(self, array: pa.Array) -> Checked:
        """The typed values and, per row, whether the value is accepted."""
        check = _KERNELS[self.kind]
        values, ok = check(self, array)
        nulls = pc.is_null(array)
        accepted = pc.if_else(nulls, self.optional, pc.fill_null(ok, False))
        return values, accepted


def _strings(check: FieldCheck, array: pa.Array) -> Checked:
    if not pa.types.is_string(array.type):
        return array, pa.repeat(pa.scalar(False), len(array))
    return array, pc.match_substring_regex(array, check.pattern or "")


def _cast_each(array: pa.Array, to: pa.DataType) -> Checked:
    """Cast, values that do not convert becoming null; split in halves to find them."""
    try:
        return pc.cast(array, to), pa.repeat(pa.scalar(True), len(array))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(array) == 1:
            return pa.nulls(1, to), pa.array([False])
    half = len(array) // 2
    left, right = _cast_each(array[:half], to), _cast_each(array[half:], to)
    return pa.concat_arrays([left[0], right[0]]), pa.concat_arrays([left[1], right[1]])


def _parsed(array: pa.Array, pattern: str, to: pa.DataType) -> Checked:
    """Text matching `pattern`, converted to `to`; other rows not accepted."""
    matches = pc.fill_null(pc.match_substring_regex(array, pattern), False)
    values, converted = _cast_each(pc.if_else(matches, array, pa.scalar(None)), to)
    return values, pc.and_(matches, converted)


def _integers(check: FieldCheck, array: pa.Array) -> Checked:
    if pa.types.is_string(array.type):
        values, ok = _parsed(array, _INTEGER, pa.int64())
    elif pa.types.is_integer(array.type):
        values, ok = array.cast(pa.int64()), pa.repeat(pa.scalar(True), len(array))
    else:
        return pa.nulls(len(array), pa.int64()), pa.repeat(pa.scalar(False), len(array))
    within = pc.and_(
        pc.greater_equal(values, check.low), pc.less_equal(values, check.high)
    )
    return values, pc.and_(ok, within)


def _floats(check: FieldCheck, array: pa.Array) -> Checked:
    if pa.types.is_string(array.type):
        values, ok = _parsed(array, _FLOAT, pa.float64())
    elif pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
        # Unsafe: an integer past 2**53 rounds to the nearest float, as float() does.
        values = array.cast(pa.float64(), safe=False)
        ok = pa.repeat(pa.scalar(True), len(array))
    else:
        return pa.nulls(len(array), pa.float64()), pa.repeat(
            pa.scalar(False), len(array)
        )
    return values, pc.and_(ok, pc.is_finite(values))


def _instants(check: FieldCheck, array: pa.Array) -> Checked:
    if not pa.types.is_string(array.type):
        return pa.nulls(len(array), INSTANT), pa.repeat(pa.scalar(False), len(array))
    values, ok = _parsed(array, _INSTANT, INSTANT)
    within = pc.and_(
        pc.greater_equal(values, _EARLIEST), pc.less_equal(values, _LATEST)
    )
    return values, pc.and_(ok, within)


_KERNELS: dict[str, Callable[[FieldCheck, pa.Array], Checked]] = {
    "str": _strings,
    "int": _integers,
    "float": _floats,
    "instant": _instants,
}


def _unwrap(annotation: Any, metadata: Sequence[Any]) -> tuple[Any, list[Any], bool]:
    """The field's base type, its constraints, and whether None is allowed."""
    constraints, optional = list(metadata), False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            return None, [], False
        annotation, optional = members[0], True
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, constraints, optional


def field_check(info: FieldInfo, allow_inf_nan: bool = False) -> FieldCheck | None:
    """The columnar check of a raw field, or None if its type is not one known here."""
    base, constraints, optional = _unwrap(info.annotation, info.metadata)
    if base is str:
        patterns = [c.pattern for c in constraints if isinstance(c, StringConstraints)]
        known = len(constraints) == len(patterns) == 1 and patterns[0] in RE2_PATTERNS
        if not known:
            return None
        return FieldCheck("str", optional, pattern=RE2_PATTERNS[str(patterns[0])])
    if base is int:
        low = [c.ge for c in constraints if isinstance(c, annotated_types.Ge)]
        high = [c.le for c in constraints if isinstance(c, annotated_types.Le)]
        bounds = [b for b in (*low, *high) if isinstance(b, int)]
        if len(constraints) != 2 or len(low) != 1 or len(high) != 1 or len(bounds) != 2:
            return None
        return FieldCheck("int", optional, low=bounds[0], high=bounds[1])
    if base is float and not constraints and not allow_inf_nan:
        return FieldCheck("float", optional)
    utc = [c for c in constraints if isinstance(c, AfterValidator)]
    if base is AwareDatetime and len(constraints) == len(utc) == 1:
        if utc[0].func is in_utc_calendar:
            return FieldCheck("instant", optional)
    return None


_COMPARE = {">=": pc.greater_equal, ">": pc.greater, "<=": pc.less_equal}


def _holds(comparison: Comparison, columns: dict[str, pa.Array]) -> pa.Array:
    """Per row, whether the comparison holds (a null on either side holds)."""
    value = columns[comparison.column]
    bound = comparison.bound
    other = columns[bound.name] if isinstance(bound, Column) else bound
    return pc.fill_null(_COMPARE[comparison.operator](value, other), True)


def rule_holds(rule: Rule, columns: dict[str, pa.Array]) -> pa.Array:
    """Per row, whether the row satisfies the rule."""
    result = pa.repeat(pa.scalar(True), len(next(iter(columns.values()))))
    for comparison in rule.comparisons:
        result = pc.and_(result, _holds(comparison, columns))
    return result


class FastPath:
    """The columnar checks of one dataset, or none when it cannot have them."""

    def __init__(self, dataset: Dataset[Any]) -> None:
        self.dataset = dataset
        self.checks: dict[str, FieldCheck] = {}
        self.fields: dict[str, str] = {}  # column -> raw field
        mapper = dataset.mapper
        if not dataset.flat or not isinstance(mapper, ColumnsFrom):
            return
        allow_inf_nan = bool(dataset.raw.model_config.get("allow_inf_nan", True))
        checks = {
            name: field_check(info, allow_inf_nan)
            for name, info in dataset.raw.model_fields.items()
        }
        if any(check is None for check in checks.values()):
            return
        self.checks = {name: check for name, check in checks.items() if check}
        self.fields = dict(mapper.fields)

    @property
    def available(self) -> bool:
        """Whether the dataset's records can be checked column-wise."""
        return bool(self.checks)

    @property
    def input_schema(self) -> pa.Schema:
        """The raw fields, typed as a typed reader should read them."""
        return pa.schema(
            [pa.field(name, check.input_type) for name, check in self.checks.items()]
        )

    def accept(self, raw: pa.Table) -> tuple[list[pa.Array], pa.Array]:
        """The row columns (in the table's order) and, per row, whether accepted."""
        rows = raw.num_rows
        values: dict[str, pa.Array] = {}
        accepted = pa.repeat(pa.scalar(True), rows)
        for name, check in self.checks.items():
            if name in raw.column_names:
                column = raw.column(name).combine_chunks()
            else:
                column = pa.nulls(rows, check.input_type)
            values[name], ok = check.apply(column)
            accepted = pc.and_(accepted, ok)
        row = {column: values[field] for column, field in self.fields.items()}
        for rule in self.dataset.rules:
            accepted = pc.and_(accepted, rule_holds(rule, row))
        columns = [
            row[column.name].cast(arrow_type(column), safe=False)
            for column in table_columns(self.dataset)
        ]
        return columns, accepted
