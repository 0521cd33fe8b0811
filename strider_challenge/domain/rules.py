"""Business rules: what a valid record must also satisfy, beyond its fields' types.

Each rule compares a column of the table row with another column or with a number,
and says in one sentence what it requires. A NULL value (a field not given) satisfies
every comparison: optional fields are checked only when given. The rules are declared
once, per dataset (`domain/datasets.py`), and enforced on every path a record can take
into a table: `Dataset.to_row` checks them one row at a time, and the columnar fast
path turns the same declarations into Arrow expressions (`adapters/columnar.py`).
"""

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from strider_challenge.domain.mappers import MappingError

#: The comparisons a rule may make, by the symbol it is written with.
OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class Column:
    """Another column of the same row, as the right-hand side of a comparison."""

    name: str


@dataclass(frozen=True)
class Comparison:
    """`column operator bound`, where bound is a number or another column."""

    column: str
    operator: str
    bound: Column | int | float

    def holds(self, row: Mapping[str, Any]) -> bool:
        """True, or NULL on either side."""
        value = row[self.column]
        bound = row[self.bound.name] if isinstance(self.bound, Column) else self.bound
        if value is None or bound is None:
            return True
        return OPERATORS[self.operator](value, bound)


@dataclass(frozen=True)
class Rule:
    """A sentence a row must make true, and the comparisons that make it so."""

    sentence: str
    comparisons: tuple[Comparison, ...]

    def holds(self, row: Mapping[str, Any]) -> bool:
        """Whether every comparison holds for the row."""
        return all(comparison.holds(row) for comparison in self.comparisons)


class RuleViolation(MappingError):
    """A valid record whose row breaks a business rule; the message is the rule."""


def not_before(column: str, other: str, sentence: str) -> Rule:
    """`column` is not earlier than `other`."""
    return Rule(sentence, (Comparison(column, ">=", Column(other)),))


def at_least(column: str, low: int | float, sentence: str) -> Rule:
    """`column` is `low` or more."""
    return Rule(sentence, (Comparison(column, ">=", low),))


def above(column: str, low: int | float, sentence: str) -> Rule:
    """`column` is more than `low`."""
    return Rule(sentence, (Comparison(column, ">", low),))


def between(column: str, low: int | float, high: int | float, sentence: str) -> Rule:
    """`column` is from `low` to `high`, both included."""
    return Rule(
        sentence, (Comparison(column, ">=", low), Comparison(column, "<=", high))
    )


def check(rules: tuple[Rule, ...], row: Mapping[str, Any]) -> None:
    """Raise RuleViolation with the first rule the row breaks."""
    for rule in rules:
        if not rule.holds(row):
            raise RuleViolation(rule.sentence)
