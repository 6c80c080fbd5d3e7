"""Generated code keeps the schema's 'if' conditions as data and honours
them through runtime.config, as a QEMU built with or without a feature
would behave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime import config
from runtime.errors import CommandNotFound, QAPIVisitError
from runtime.events import set_emitter
from tests.generator.generated import Generated, generated

SCHEMA = Path(__file__).with_name("data") / "conditions.json"


@pytest.fixture(scope="module")
def cond() -> Generated:
    return generated(SCHEMA, "cond-")


@pytest.fixture
def configure() -> Iterator[Any]:
    """Set the config symbols for one test; the old ones come back after."""
    saved = config.config()
    yield lambda *symbols: config.set_config(set(symbols))
    config.set_config(saved)


def rejected(function: Any, value: Any) -> str:
    with pytest.raises(QAPIVisitError) as error:
        function(value)
    return error.value.desc


def test_conditions_are_data(cond: Generated) -> None:
    assert cond.types.CONDITIONS == {
        "Color.infrared": "CONFIG_IR",
        "Paint.gloss": "CONFIG_GLOSS",
        "Paint.uv": {"not": "CONFIG_NO_UV"},
        "Laser": "CONFIG_LASER",
        "ToolKind.laser": "CONFIG_LASER",
        "Tool.laser": "CONFIG_LASER",
        "Tool.hand": "CONFIG_GLOVES",
        "ColorOrCode.code": "CONFIG_CODES",
    }
    # The classes exist whatever the configuration; the values do too.
    assert [c.value for c in cond.types.Color] == ["red", "infrared"]
    assert cond.types.Laser(power=1).power == 1


def test_enum_values(cond: Generated, configure: Any) -> None:
    visit = cond.visit.visit_Color_from_json
    assert visit("red") is cond.types.Color.RED
    assert rejected(visit, "infrared") == \
        "Parameter '<anonymous>' does not accept value 'infrared'"
    configure("CONFIG_IR")
    assert visit("infrared") is cond.types.Color.INFRARED


def test_members(cond: Generated, configure: Any) -> None:
    visit = cond.visit.visit_Paint_from_json
    assert rejected(visit, {"color": "red"}) == "Parameter 'uv' is missing"
    assert visit({"color": "red", "uv": True}).uv is True
    assert rejected(visit, {"color": "red", "uv": True, "gloss": 3}) == \
        "Parameter 'gloss' is unexpected"
    configure("CONFIG_NO_UV", "CONFIG_GLOSS")
    paint = visit({"color": "red", "gloss": 3})
    assert paint.gloss == 3 and paint.uv is cond.types.ABSENT
    assert cond.visit.visit_Paint_to_json(paint) == {"color": "red", "gloss": 3}
    assert rejected(visit, {"color": "red", "uv": False}) == "Parameter 'uv' is unexpected"


def test_union_branches(cond: Generated, configure: Any) -> None:
    visit = cond.visit.visit_Tool_from_json
    laser = {"kind": "laser", "power": 5}
    assert rejected(visit, laser) == "Parameter 'kind' does not accept value 'laser'"
    assert visit({"kind": "hand", "owner": "me"}) == cond.types.Tool(kind="hand", owner="me")
    assert rejected(visit, {"kind": "brush", "width": 1, "size": 2}) == \
        "Parameter 'size' is unexpected"
    configure("CONFIG_LASER")
    tool = visit(laser)
    assert tool.power == 5 and tool == cond.types.Tool(kind="laser", power=5)
    assert cond.visit.visit_Tool_to_json(tool) == laser
    assert rejected(visit, {"kind": "laser", "power": 1 << 16}) == \
        "Parameter 'power' expects uint16_t"


def test_branch_condition_apart_from_its_value(cond: Generated, configure: Any) -> None:
    # Tag value 'hand' always exists; its branch only with CONFIG_GLOVES.
    visit = cond.visit.visit_Tool_from_json
    assert visit({"kind": "hand"}) == cond.types.Tool(kind="hand")
    assert rejected(visit, {"kind": "hand", "size": 1}) == "Parameter 'size' is unexpected"
    configure("CONFIG_GLOVES")
    assert visit({"kind": "hand", "size": 1}).size == 1


def test_alternate_branches(cond: Generated, configure: Any) -> None:
    visit = cond.visit.visit_ColorOrCode_from_json
    assert visit("red") == cond.types.ColorOrCode("color", cond.types.Color.RED)
    assert rejected(visit, 7) == \
        "Invalid parameter type for '<anonymous>', expected: ColorOrCode"
    configure("CONFIG_CODES")
    assert visit(7) == cond.types.ColorOrCode("code", 7)


def test_commands(cond: Generated, configure: Any) -> None:
    registry = cond.commands.build_registry()
    registry.implement("fire-laser", lambda laser: None)
    with pytest.raises(CommandNotFound, match="The command fire-laser has not been found"):
        registry.execute("fire-laser", {"power": 1})
    assert "fire-laser" not in [c.name for c in registry.commands()]
    configure("CONFIG_LASER")
    assert registry.execute("fire-laser", {"power": 1}) == {}
    assert registry.lookup("fire-laser").ifcond == "CONFIG_LASER"


def test_events(cond: Generated, configure: Any) -> None:
    sent: list[dict[str, Any]] = []
    previous = set_emitter(sent.append)
    try:
        cond.events.send_laser_fired(cond.types.Laser(power=2))
        assert sent == []
        configure("CONFIG_LASER")
        cond.events.send_laser_fired(cond.types.Laser(power=2))
        assert [(e["event"], e["data"]) for e in sent] == [("LASER_FIRED", {"power": 2})]
    finally:
        set_emitter(previous)
