"""The build's configuration symbols, against which schema 'if' conditions
are evaluated by generated modules.

QEMU decides conditions when it compiles; here the generated modules carry
each condition as data and ask this module.  The emulator sets the symbols
once, before importing generated modules (or they come from the
``CYQEMU_CONFIG`` environment variable, a comma-separated list).
"""

from __future__ import annotations

import os
from typing import Any

_symbols: frozenset[str] = frozenset(
    name for name in os.environ.get("CYQEMU_CONFIG", "").split(",") if name)


def set_config(symbols: set[str] | frozenset[str]) -> None:
    global _symbols
    _symbols = frozenset(symbols)


def config() -> frozenset[str]:
    return _symbols


def evaluate(cond: Any, symbols: frozenset[str] | None = None) -> bool:
    """Whether a schema condition (str, or {'all'|'any'|'not': ...}) holds."""
    defined = _symbols if symbols is None else symbols
    if cond is None:
        return True
    if isinstance(cond, str):
        return cond in defined
    if "not" in cond:
        return not evaluate(cond["not"], defined)
    if "all" in cond:
        return all(evaluate(sub, defined) for sub in cond["all"])
    return any(evaluate(sub, defined) for sub in cond["any"])
