"""Every type of QEMU's schema round-trips through its generated visitors:
JSON value -> object -> the same JSON value (hypothesis, values drawn from
the IR by tests.generator.qapi_strategies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from generator.pygen import class_name
from qapi.schema import QAPISchemaBuiltinType, QAPISchemaEnumType, QAPISchemaType
from runtime import config
from runtime.errors import QAPIVisitError
from tests.generator.generated import Generated, generated, qemu_schema_path
from tests.generator.qapi_strategies import ValueStrategies
from tests.generator.schema_names import QEMU_TEST_SCHEMA, qemu_type_names

ROUND_TRIP = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def qemu(qemu_source: Path) -> Generated:
    return generated(qemu_schema_path(qemu_source), "qemu_")


@pytest.fixture(scope="module")
def qemu_test(qemu_source: Path) -> Generated:
    return generated(qemu_source / QEMU_TEST_SCHEMA, "qemutest_")


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
    check_round_trip(qemu, name)


@pytest.mark.parametrize("name", qemu_type_names(QEMU_TEST_SCHEMA))
def test_round_trip_of_qemus_test_schema(qemu_test: Generated, name: str) -> None:
    check_round_trip(qemu_test, name)


def test_round_trip_with_every_test_symbol_defined(qemu_test: Generated) -> None:
    # With its conditions true, the test schema has more members and values.
    symbols = {"TEST_IF_" + name for name in (
        "ALT", "ALT_BAR", "CMD", "CMD_BAR", "COND_1", "COND_2", "ENUM", "ENUM_BAR", "EVENT",
        "EVENT2", "EVT", "EVT_BAR", "FEATURE_1", "FEATURE_2", "STRUCT", "STRUCT_BAR", "UNION")}
    saved = config.config()
    config.set_config(symbols)
    try:
        for name in qemu_type_names(QEMU_TEST_SCHEMA):
            check_round_trip(qemu_test, name)
    finally:
        config.set_config(saved)


def check_round_trip(gen: Generated, name: str) -> None:
    typ = gen.schema.lookup_type(name)
    assert typ is not None
    from_json, to_json = visitors(gen, typ)
    if isinstance(typ, QAPISchemaEnumType) and not typ.members:
        with pytest.raises(QAPIVisitError, match="does not accept value ''"):
            from_json("")
        return  # an enumeration without values has no values to visit
    strategy = _strategies(gen).of(name)

    @ROUND_TRIP
    @given(strategy)
    def round_trip(value: Any) -> None:
        obj = from_json(value)
        assert to_json(obj) == value
        if not isinstance(typ, QAPISchemaBuiltinType):
            # Reading the written form again gives an equal object.
            assert from_json(to_json(obj)) == obj

    round_trip()


_STRATEGIES: dict[tuple[str, frozenset[str]], ValueStrategies] = {}


def _strategies(gen: Generated) -> ValueStrategies:
    # Strategies follow the configuration they were built under.
    key = (gen.prefix, config.config())
    if key not in _STRATEGIES:
        _STRATEGIES[key] = ValueStrategies(gen.schema)
    return _STRATEGIES[key]
