"""Every type of QEMU's schema round-trips through its generated visitors:
JSON value -> object -> the same JSON value (hypothesis, values drawn from
the IR by tests.generator.qapi_strategies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from generator.pygen import class_name
from qapi.schema import QAPISchemaBuiltinType, QAPISchemaType
from tests.generator.generated import Generated, generated, qemu_schema_path
from tests.generator.qapi_strategies import ValueStrategies
from tests.generator.schema_names import qemu_type_names

ROUND_TRIP = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def qemu(qemu_source: Path) -> Generated:
    return generated(qemu_schema_path(qemu_source), "qemu_")


def visitors(gen: Generated, typ: QAPISchemaType) -> tuple[Any, Any]:
    """``visit_T_from_json`` and ``visit_T_to_json`` of a type."""
    name = typ.name if isinstance(typ, QAPISchemaBuiltinType) else class_name(typ)
    return (getattr(gen.visit, f"visit_{name}_from_json"),
            getattr(gen.visit, f"visit_{name}_to_json"))


def test_every_type_is_covered(qemu: Generated) -> None:
    types = [e for e in qemu.schema.entities if isinstance(e, QAPISchemaType)]
    assert len(qemu_type_names()) == len(types) > 900
    for typ in types:
        assert callable(visitors(qemu, typ)[0]) and callable(visitors(qemu, typ)[1])


@pytest.mark.parametrize("name", qemu_type_names())
def test_round_trip(qemu: Generated, name: str) -> None:
    typ = qemu.schema.lookup_type(name)
    assert typ is not None
    from_json, to_json = visitors(qemu, typ)
    strategy = _strategies(qemu).of(name)

    @ROUND_TRIP
    @given(strategy)
    def round_trip(value: Any) -> None:
        obj = from_json(value)
        assert to_json(obj) == value
        if not isinstance(typ, QAPISchemaBuiltinType):
            # Reading the written form again gives an equal object.
            assert from_json(to_json(obj)) == obj

    round_trip()


_STRATEGIES: dict[int, ValueStrategies] = {}


def _strategies(gen: Generated) -> ValueStrategies:
    return _STRATEGIES.setdefault(id(gen), ValueStrategies(gen.schema))
