"""The positive suite: schemas under ``good/`` that use every construct.

Each schema must pass ``qapi-gen --check-only`` silently and QEMU's own
qapi-gen too, and the IR built from it must equal QEMU's entity for
entity.  The tests below then look at the IR in detail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qapi.schema import (
    QAPISchema,
    QAPISchemaAlternateType,
    QAPISchemaArrayType,
    QAPISchemaCommand,
    QAPISchemaEnumType,
    QAPISchemaEvent,
    QAPISchemaInclude,
    QAPISchemaObjectType,
)

from .conftest import schema_names
from .qemu_oracle import dump_schema
from .testlib import GOOD_DIR, chdir, qemu_oracle, run_check_only

SCHEMAS = schema_names(GOOD_DIR)

# Accepted by the project on purpose, but not by QEMU 7.2 (whose lexer
# even crashes on a '"': AssertionError in must_match).
QEMU_REJECTS = {"double-quotes.json"}

# Schemas QEMU accepts and the project should, but does not (yet).
FRONT_END_BUGS: dict[str, str] = {}


def _params(names: list[str]):
    for name in names:
        marks = []
        if name in FRONT_END_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=FRONT_END_BUGS[name]))
        yield pytest.param(name, marks=marks, id=name)


def load(name: str) -> QAPISchema:
    with chdir(GOOD_DIR):
        return QAPISchema(name)


def names(items) -> list[str]:
    return [item.name for item in items]


def ifconds(items) -> list[object]:
    return [item.ifcond.ifcond for item in items]


def features(entity) -> list[tuple[str, object]]:
    return [(f.name, f.ifcond.ifcond) for f in entity.features]


def members(typ: QAPISchemaObjectType) -> list[tuple[str, str, bool]]:
    return [(m.name, m.type.name, m.optional) for m in typ.members]


def variants(typ) -> list[tuple[str, str, object]]:
    return [(v.name, v.type.name, v.ifcond.ifcond) for v in typ.variants.variants]


def entity(schema: QAPISchema, name: str, cls: type):
    found = schema.lookup_entity(name)
    assert isinstance(found, cls), f"{name}: {found!r}"
    return found


# -- every schema ---------------------------------------------------------------

@pytest.mark.parametrize("name", _params(SCHEMAS))
def test_accepted(name: str) -> None:
    assert run_check_only(GOOD_DIR, name) == (0, "")


@pytest.mark.parametrize("name", SCHEMAS)
def test_qemu_accepts(name: str, qemu_good_verdicts: dict) -> None:
    verdict = qemu_good_verdicts[name]
    if name in QEMU_REJECTS:
        assert verdict["status"] != "pass"
    else:
        assert verdict["status"] == "pass", verdict["message"]


@pytest.fixture(scope="module")
def qemu_ir(qemu_source: Path) -> dict:
    wanted = [name for name in SCHEMAS if name not in QEMU_REJECTS]
    with chdir(GOOD_DIR):
        return qemu_oracle(qemu_source, "dump", *[str(GOOD_DIR / name) for name in wanted])


@pytest.mark.parametrize("name", _params([n for n in SCHEMAS if n not in QEMU_REJECTS]))
def test_ir_equals_qemu(name: str, qemu_ir: dict) -> None:
    schema = QAPISchema(str(GOOD_DIR / name))
    ours = json.loads(json.dumps(dump_schema(schema, schema.entities, lambda e: e.module)))
    theirs = qemu_ir[str(GOOD_DIR / name)]
    assert [r["name"] for r in ours] == [r["name"] for r in theirs]
    for mine, qemu in zip(ours, theirs, strict=True):
        assert mine == qemu


# -- enums ---------------------------------------------------------------------

def test_enums() -> None:
    schema = load("enums.json")
    colour = entity(schema, "Colour", QAPISchemaEnumType)
    assert colour.member_names() == ["red", "green", "blue"]
    assert colour.prefix is None
    assert colour.module.name == "enums.json"
    assert not colour.is_implicit()

    speed = entity(schema, "Speed", QAPISchemaEnumType)
    assert speed.prefix == "SPD"
    assert speed.member_names() == ["10m", "100m", "1g", "auto"]
    assert entity(schema, "Nothing", QAPISchemaEnumType).members == []

    shade = entity(schema, "Shade", QAPISchemaEnumType)
    assert shade.ifcond.ifcond == {"any": ["CONFIG_COLOUR", "CONFIG_GREY"]}
    assert features(shade) == [("painted", None)]
    assert shade.member_names() == [
        "light", "dark", "old-grey", "x-neon", "__org.example_mauve"]
    assert ifconds(shade.members) == [
        None, "CONFIG_DARK", None, {"not": "CONFIG_SAFE"}, "CONFIG_ORG_EXAMPLE"]
    assert [features(m) for m in shade.members] == [
        [], [], [("deprecated", None)], [("unstable", None)],
        [("unstable", "CONFIG_WARN"), ("fresh", None)]]
    assert all(m.defined_in == "Shade" for m in shade.members)

    legacy = entity(schema, "LegacyMode", QAPISchemaEnumType)
    assert legacy.member_names() == ["Auto", "manual_only", "x-Test"]

    # Array types exist for the builtins, and otherwise only when used
    assert isinstance(schema.lookup_type("strList"), QAPISchemaArrayType)
    assert schema.lookup_type("ColourList") is None
    qtype = entity(schema, "QType", QAPISchemaEnumType)
    assert qtype.is_implicit() and qtype.prefix == "QTYPE"


# -- structs ---------------------------------------------------------------------

def test_struct_base_and_members() -> None:
    schema = load("structs.json")
    point = entity(schema, "Point", QAPISchemaObjectType)
    assert point.meta == "struct"
    assert point.base is entity(schema, "Origin", QAPISchemaObjectType)
    assert members(point) == [
        ("x", "int", False), ("y", "int", False), ("label", "str", True),
        ("z", "number", False), ("weight", "uint8", True)]
    assert names(point.local_members) == ["label", "z", "weight"]
    assert ifconds(point.members) == [None, None, None, "CONFIG_3D", None]
    weight = point.members[-1]
    assert [f.name for f in weight.features] == ["deprecated", "unstable", "heavy"]
    assert features(point) == [("plottable", None), ("fast", "CONFIG_FAST")]
    assert [m.defined_in for m in point.members] == ["Origin", "Origin", "Point", "Point",
                                                     "Point"]
    assert point.variants is None


def test_struct_arrays_and_builtins() -> None:
    schema = load("structs.json")
    empty = entity(schema, "Empty", QAPISchemaObjectType)
    assert empty.members == [] and empty.is_empty()

    polygon = entity(schema, "Polygon", QAPISchemaObjectType)
    assert polygon.ifcond.ifcond == "CONFIG_POLYGONS"
    assert polygon.base is empty
    assert members(polygon) == [
        ("corners", "PointList", False), ("tags", "strList", True),
        ("shade", "ShadeList", True)]
    point_list = entity(schema, "PointList", QAPISchemaArrayType)
    assert point_list.element_type is schema.lookup_type("Point")
    assert point_list.is_implicit()
    # The array of a type defined later in the file
    shade_list = entity(schema, "ShadeList", QAPISchemaArrayType)
    assert shade_list.element_type is schema.lookup_type("Shade")
    assert shade_list.module.name == "structs.json"

    drawing = entity(schema, "Drawing", QAPISchemaObjectType)
    assert members(drawing) == [
        ("layers", "LayerList", False), ("anything", "any", False),
        ("nothing", "null", True), ("types", "QTypeList", False)]
    layer = entity(schema, "Layer", QAPISchemaObjectType)
    assert members(layer) == [("name", "str", False), ("parent", "Layer", True)]


def test_struct_names() -> None:
    schema = load("structs.json")
    assert members(entity(schema, "ShapeKind", QAPISchemaObjectType)) == [
        ("sides", "int8", False)]
    widget = entity(schema, "__org.example_Widget", QAPISchemaObjectType)
    assert widget.c_name() == "__org_example_Widget"
    assert names(widget.members) == [
        "__org.example_size", "x-debug", "__org.example_has-handle"]
    keywords = entity(schema, "Keywords", QAPISchemaObjectType)
    assert names(keywords.members) == ["if", "default", "class", "lambda", "match", "errno"]


# -- unions ---------------------------------------------------------------------

def test_union_inline_base() -> None:
    schema = load("unions.json")
    figure = entity(schema, "Figure", QAPISchemaObjectType)
    assert figure.meta == "union"
    base = figure.base
    assert base is not None and base.name == "q_obj_Figure-base" and base.is_implicit()
    assert members(base) == [("shape", "Shape", False), ("colour", "str", True)]
    assert members(figure) == members(base)
    assert figure.local_members == []
    assert figure.variants.tag_member is base.members[0]
    # Branches as written, then the empty one for each value without a branch
    assert variants(figure) == [
        ("dot", "Dot", None), ("line", "Line", "CONFIG_LINES"),
        ("nothing", "q_empty", None), ("curve", "q_empty", "CONFIG_CURVES")]
    assert schema.lookup_type("q_empty").is_empty()


def test_union_named_base() -> None:
    schema = load("unions.json")
    scene = entity(schema, "Scene", QAPISchemaObjectType)
    assert scene.base is schema.lookup_type("FigureBase")
    assert members(scene) == [
        ("tag", "str", False), ("kind", "Shape", False), ("scale", "number", True)]
    assert scene.variants.tag_member.name == "kind"
    assert scene.variants.tag_member.defined_in == "FigureBase"
    assert variants(scene) == [
        ("line", "Line", None), ("dot", "Line", None),
        ("nothing", "q_empty", None), ("curve", "q_empty", "CONFIG_CURVES")]
    assert scene.ifcond.ifcond == "CONFIG_SCENES"
    assert features(scene) == [("three-d", None)]

    blank = entity(schema, "Blank", QAPISchemaObjectType)
    assert [v[1] for v in variants(blank)] == ["Dot", "q_empty", "q_empty", "q_empty"]

    draw = entity(schema, "draw", QAPISchemaCommand)
    assert draw.arg_type is schema.lookup_type("Figure") and draw.boxed
    picture = entity(schema, "Picture", QAPISchemaObjectType)
    assert members(picture) == [("figures", "FigureList", False), ("main", "Figure", False)]


# -- alternates -------------------------------------------------------------------

def test_alternates() -> None:
    schema = load("alternates.json")
    anything = entity(schema, "Anything", QAPISchemaAlternateType)
    assert variants(anything) == [
        ("number", "number", None), ("flag", "bool", None), ("colour", "Colour", None),
        ("none", "null", None), ("point", "Point", None), ("list", "intList", None)]
    tag = anything.variants.tag_member
    assert (tag.name, tag.type.name) == ("type", "QType")
    assert [v.type.alternate_qtype() for v in anything.variants.variants] == [
        "QTYPE_QNUM", "QTYPE_QBOOL", "QTYPE_QSTRING", "QTYPE_QNULL", "QTYPE_QDICT",
        "QTYPE_QLIST"]

    name_or_point = entity(schema, "NameOrPoint", QAPISchemaAlternateType)
    assert name_or_point.ifcond.ifcond == "CONFIG_NAMES"
    assert features(name_or_point) == [("sturdy", None)]

    assert variants(entity(schema, "SwitchOrCount", QAPISchemaAlternateType)) == [
        ("switch", "Switch", None), ("count", "uint32", None)]
    assert variants(entity(schema, "SpeedOrFlag", QAPISchemaAlternateType)) == [
        ("speed", "Speed", None), ("flag", "bool", {"all": ["CONFIG_A", "CONFIG_B"]}),
        ("nothing", "null", None)]
    assert variants(entity(schema, "JustNull", QAPISchemaAlternateType)) == [
        ("none", "null", None)]
    assert members(entity(schema, "Settings", QAPISchemaObjectType)) == [
        ("value", "Anything", False), ("speed", "SpeedOrFlagList", True)]


# -- commands and events -------------------------------------------------------------

def flags(cmd: QAPISchemaCommand) -> dict[str, bool]:
    return {key: getattr(cmd, key) for key in (
        "gen", "success_response", "boxed", "allow_oob", "allow_preconfig", "coroutine")}


DEFAULT_FLAGS = {"gen": True, "success_response": True, "boxed": False,
                 "allow_oob": False, "allow_preconfig": False, "coroutine": False}


def test_commands() -> None:
    schema = load("commands.json")
    ping = entity(schema, "ping", QAPISchemaCommand)
    assert ping.arg_type is None and ping.ret_type is None
    assert flags(ping) == DEFAULT_FLAGS

    status = schema.lookup_type("Status")
    query = entity(schema, "query-status", QAPISchemaCommand)
    assert query.ret_type is status
    assert flags(query) == {**DEFAULT_FLAGS, "allow_preconfig": True}
    statuses = entity(schema, "query-statuses", QAPISchemaCommand)
    assert isinstance(statuses.ret_type, QAPISchemaArrayType)
    assert statuses.ret_type.name == "StatusList" and statuses.ret_type.element_type is status
    assert flags(statuses) == {**DEFAULT_FLAGS, "allow_oob": True}

    args = schema.lookup_type("RebootArgs")
    assert entity(schema, "reboot", QAPISchemaCommand).arg_type is args
    boxed = entity(schema, "reboot-boxed", QAPISchemaCommand)
    assert boxed.arg_type is args
    assert flags(boxed) == {**DEFAULT_FLAGS, "boxed": True, "coroutine": True,
                            "success_response": False}
    draw = entity(schema, "draw", QAPISchemaCommand)
    assert draw.arg_type.variants is not None
    assert flags(draw) == {**DEFAULT_FLAGS, "boxed": True, "gen": False}


def test_command_implicit_arguments() -> None:
    schema = load("commands.json")
    move = entity(schema, "move", QAPISchemaCommand)
    arg_type = move.arg_type
    assert arg_type.name == "q_obj_move-arg" and arg_type.is_implicit()
    assert arg_type.ifcond == move.ifcond
    assert move.ifcond.ifcond == {"not": "CONFIG_STILL"}
    assert members(arg_type) == [("dx", "int", False), ("dy", "int", True),
                                 ("speed", "number", True)]
    assert ifconds(arg_type.members) == [None, None, "CONFIG_SPEED"]
    assert [f.name for f in arg_type.members[2].features] == ["deprecated"]
    assert features(move) == [("unstable", None), ("deprecated", "CONFIG_OLD")]
    # Empty inline arguments make no type
    assert entity(schema, "x-debug", QAPISchemaCommand).arg_type is None
    assert schema.lookup_entity("q_obj_x-debug-arg") is None
    assert entity(schema, "__org.example_ping", QAPISchemaCommand).ret_type.name == \
        "StatusList"


def test_command_pragma_exceptions() -> None:
    schema = load("commands.json")
    assert entity(schema, "system_reset", QAPISchemaCommand).ret_type is None
    assert entity(schema, "query_count", QAPISchemaCommand).ret_type.name == "int"
    assert entity(schema, "query-names", QAPISchemaCommand).ret_type.name == "strList"
    assert entity(schema, "query-anything", QAPISchemaCommand).ret_type.name == "any"


def test_events() -> None:
    schema = load("commands.json")
    assert entity(schema, "PINGED", QAPISchemaEvent).arg_type is None
    changed = entity(schema, "STATUS_CHANGED", QAPISchemaEvent)
    assert changed.arg_type is schema.lookup_type("Status") and not changed.boxed
    rebooted = entity(schema, "REBOOTED", QAPISchemaEvent)
    assert rebooted.boxed and features(rebooted) == [("deprecated", None)]
    drawn = entity(schema, "DRAWN", QAPISchemaEvent)
    assert drawn.boxed and drawn.arg_type.variants is not None
    assert drawn.ifcond.ifcond == "CONFIG_DRAW"
    moved = entity(schema, "MOVED", QAPISchemaEvent)
    assert moved.arg_type.name == "q_obj_MOVED-arg"
    assert members(moved.arg_type) == [("dx", "int", False), ("dy", "int", True)]
    assert features(moved) == [("unstable", None)]
    assert entity(schema, "x-DEBUG", QAPISchemaEvent).arg_type is None
    assert schema.lookup_entity("__ORG.EXAMPLE_PINGED") is not None


# -- conditions ---------------------------------------------------------------------

def test_conditions() -> None:
    schema = load("conditions.json")

    def cond(name: str):
        return schema.lookup_entity(name).ifcond

    assert cond("Plain").ifcond == "CONFIG_PLAIN"
    assert cond("Both").ifcond == {"all": ["CONFIG_A", "CONFIG_B"]}
    assert cond("Either").ifcond == {"any": ["CONFIG_A", "CONFIG_B", "CONFIG_C"]}
    assert cond("Neither").ifcond == {"not": {"any": ["CONFIG_A", "CONFIG_B"]}}
    nested = cond("Nested")
    assert nested.ifcond == {"all": ["CONFIG_A", {"any": ["CONFIG_B", {"not": "CONFIG_C"}]},
                                     {"not": {"not": "HAVE_D"}}]}
    # As QEMU's generator spells it in #if lines
    assert nested.cgen() == ("(defined(CONFIG_A) && (defined(CONFIG_B) || "
                             "!defined(CONFIG_C)) && !!defined(HAVE_D))")
    assert cond("Plain").cgen() == "defined(CONFIG_PLAIN)"
    assert cond("PlainList") == cond("Plain")

    mode = entity(schema, "Mode", QAPISchemaEnumType)
    assert mode.ifcond.ifcond == {"any": ["CONFIG_MODES"]}
    assert ifconds(mode.members) == [{"not": "CONFIG_SLOW"}]
    toggle = entity(schema, "toggle", QAPISchemaCommand)
    assert toggle.ifcond.ifcond == "CONFIG_TOGGLE"
    assert toggle.arg_type.ifcond == toggle.ifcond
    assert ifconds(toggle.arg_type.members) == ["CONFIG_MODES"]
    assert features(toggle) == [("quick", {"all": ["CONFIG_QUICK"]})]
    assert cond("TOGGLED").ifcond == {"not": "CONFIG_QUIET"}
    knob = entity(schema, "Knob", QAPISchemaAlternateType)
    assert variants(knob) == [("on", "bool", "CONFIG_KNOB"), ("level", "int", None)]
    assert members(entity(schema, "Holder", QAPISchemaObjectType)) == [
        ("plains", "PlainList", True)]


# -- documentation ---------------------------------------------------------------

def test_free_form_docs() -> None:
    schema = load("docs.json")
    free = [doc for doc in schema.docs if not doc.symbol]
    assert [doc.body.text for doc in free] == [
        "= Geometry\n\nEverything about points.", "== Points"]
    assert [doc.symbol for doc in schema.docs if doc.symbol] == [
        "Point", "Colour", "Pen", "draw", "DRAWN", "Shape", "Figure"]


def test_definition_docs() -> None:
    schema = load("docs.json")
    point = entity(schema, "Point", QAPISchemaObjectType)
    doc = point.doc
    assert doc is not None and doc.symbol == "Point"
    assert doc.body.text == "A point in the plane."
    assert doc.args["x"].text == "the abscissa, described\nover two lines"
    assert doc.args["y"].text == "the ordinate, described on the next line"
    assert doc.args["x"].member is point.members[0]
    assert doc.args["y"].member is point.members[1]
    assert doc.features["fancy"].member is point.features[0]
    assert [(s.name, s.text) for s in doc.sections] == [
        ("Since", "7.2"), ("Note", "points have no size."),
        ("Example", '{ "x": 1, "y": 2 }')]

    colour = entity(schema, "Colour", QAPISchemaEnumType)
    assert colour.doc.args["red"].member is colour.members[0]
    assert colour.doc.args["blue"].member is colour.members[1]
    assert colour.doc.features["deprecated"].member is colour.members[0].features[0]
    assert [s.name for s in colour.doc.sections] == ["Notes"]

    pen = entity(schema, "Pen", QAPISchemaAlternateType)
    assert pen.doc.args["colour"].member is pen.variants.variants[0]
    # Undocumented branches get an empty section
    assert pen.doc.args["point"].member is pen.variants.variants[1]
    assert pen.doc.args["point"].text == ""


def test_command_and_event_docs() -> None:
    schema = load("docs.json")
    draw = entity(schema, "draw", QAPISchemaCommand)
    assert [(name, section.member) for name, section in draw.doc.args.items()] == [
        ("at", draw.arg_type.members[0]), ("pen", draw.arg_type.members[1])]
    assert draw.doc.features["unstable"].member is draw.features[0]
    assert [s.name for s in draw.doc.sections] == ["Returns", "Since", "Examples", "TODO"]
    assert draw.doc.sections[0].text == "the point drawn"
    drawn = entity(schema, "DRAWN", QAPISchemaEvent)
    assert drawn.doc.args["at"].member is drawn.arg_type.members[0]
    figure = entity(schema, "Figure", QAPISchemaObjectType)
    assert figure.doc.args["shape"].member is figure.base.members[0]
    assert figure.doc.args["label"].member is figure.base.members[1]


# -- includes, names, lexical layout ------------------------------------------------

def test_includes() -> None:
    schema = load("includes.json")
    assert [m.name for m in schema.modules] == [
        "./builtin", "includes.json", "include/colours.json", "include/sub/shapes.json",
        "include/sub/deeper/pen.json"]
    module_of = {e.name: e.module.name for e in schema.entities if e.name}
    assert module_of["Colour"] == "include/colours.json"
    assert module_of["Shape"] == "include/sub/shapes.json"
    assert module_of["Pen"] == "include/sub/deeper/pen.json"
    assert module_of["pen_up"] == "include/sub/deeper/pen.json"
    assert module_of["Canvas"] == "includes.json"
    # Every directive is an entity, even a repeated one
    includes = [e for e in schema.entities if isinstance(e, QAPISchemaInclude)]
    assert [(e.module.name, e.sub_module.name) for e in includes] == [
        ("includes.json", "include/colours.json"),
        ("includes.json", "include/sub/shapes.json"),
        ("include/sub/shapes.json", "include/sub/deeper/pen.json"),
        ("include/sub/shapes.json", "include/colours.json"),
        ("includes.json", "include/colours.json"),
        ("includes.json", "include/colours.json")]
    canvas = entity(schema, "Canvas", QAPISchemaObjectType)
    assert members(canvas) == [("background", "Colour", False),
                               ("shapes", "ShapeList", False), ("pen", "Pen", False)]


def test_names() -> None:
    schema = load("names.json")
    old = entity(schema, "OldStyle", QAPISchemaObjectType)
    assert members(old) == [("CamelMember", "int", False), ("under_score", "int", False),
                            ("Mixed_Both", "str", True)]
    assert entity(schema, "OldEnum", QAPISchemaEnumType).member_names() == [
        "UPPER", "with_underscore"]
    for name in ("old_command", "__org.example_old_cmd", "x-experiment", "x-EXPERIMENTED",
                 "__org.example_X-HAPPENED", "x-Experimental", "__org.example_x-Both"):
        assert schema.lookup_entity(name) is not None, name
    thing = entity(schema, "__com.example-corp_Thing", QAPISchemaObjectType)
    assert thing.c_name() == "__com_example_corp_Thing"
    assert entity(schema, "Numbers", QAPISchemaEnumType).member_names() == [
        "0", "1st", "2-nd", "x-3rd"]


def test_layout() -> None:
    schema = load("layout.json")
    colour = entity(schema, "Colour", QAPISchemaEnumType)
    assert colour.member_names() == ["red", "green"]
    assert (colour.info.line, colour.info.col) == (2, 1)
    relabel = entity(schema, "relabel", QAPISchemaCommand)
    assert (relabel.info.line, relabel.info.col) == (5, 67)
    assert entity(schema, "Label", QAPISchemaObjectType).ifcond.ifcond == "CONFIG_A"


def test_columns_after_tabs() -> None:
    schema = load("layout.json")
    colour = entity(schema, "Colour", QAPISchemaEnumType)
    # Line 2 is "{<TAB>'enum':<TAB>'Colour', ...", line 4 "<TAB><TAB>'green' ] }"
    assert colour.members[1].info.loc() == "layout.json:4:17"
    assert colour.info.loc() == "layout.json:2:1"
    assert colour.members[0].info.loc() == "layout.json:3:19"


@pytest.mark.parametrize("name", ["empty.json", "comments-only.json"])
def test_nothing_but_builtins(name: str) -> None:
    schema = load(name)
    assert {e.module.name for e in schema.entities} == {"./builtin"}
    assert len(schema.docs) == (1 if name == "comments-only.json" else 0)


def test_double_quotes() -> None:
    schema = load("double-quotes.json")
    assert entity(schema, "Colour", QAPISchemaEnumType).member_names() == ["red", "green"]
    assert members(entity(schema, "Point", QAPISchemaObjectType)) == [
        ("x", "int", True), ("y", "int", False)]
