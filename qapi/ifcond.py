"""Schema 'if' conditions: a config symbol, or all/any/not of conditions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Condition = str | dict[str, Any] | None


class QAPISchemaIfCond:
    """An 'if' condition: a config symbol, or all/any/not of conditions."""

    def __init__(self, ifcond: Condition = None) -> None:
        self.ifcond = ifcond

    def is_present(self) -> bool:
        return bool(self.ifcond)

    def evaluate(self, config: Callable[[str], bool]) -> bool:
        """Whether the condition holds, given which config symbols are defined."""
        return _evaluate(self.ifcond, config) if self.ifcond else True

    def cgen(self) -> str:
        """The condition as a C preprocessor expression."""
        return _cgen(self.ifcond) if self.ifcond else ""

    def docgen(self) -> str:
        """The condition as documentation text."""
        return _docgen(self.ifcond, top=True) if self.ifcond else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QAPISchemaIfCond) and self.ifcond == other.ifcond

    def __hash__(self) -> int:
        return hash(repr(self.ifcond))

    def __repr__(self) -> str:
        return f"QAPISchemaIfCond({self.ifcond!r})"


def _evaluate(cond: Condition, config: Callable[[str], bool]) -> bool:
    if isinstance(cond, str):
        return config(cond)
    assert isinstance(cond, dict)
    if "not" in cond:
        return not _evaluate(cond["not"], config)
    if "all" in cond:
        return all(_evaluate(sub, config) for sub in cond["all"])
    return any(_evaluate(sub, config) for sub in cond["any"])


def _cgen(cond: Condition) -> str:
    if isinstance(cond, str):
        return f"defined({cond})"
    assert isinstance(cond, dict)
    if "not" in cond:
        return "!" + _cgen(cond["not"])
    operator, operands = ("&&", cond["all"]) if "all" in cond else ("||", cond["any"])
    return "(" + f" {operator} ".join(_cgen(sub) for sub in operands) + ")"


def _docgen(cond: Condition, top: bool = False) -> str:
    if isinstance(cond, str):
        return cond
    assert isinstance(cond, dict)
    if "not" in cond:
        return "not " + _docgen(cond["not"])
    operator, operands = ("and", cond["all"]) if "all" in cond else ("or", cond["any"])
    text = f" {operator} ".join(_docgen(sub) for sub in operands)
    return text if top else f"({text})"
