"""The ``visit`` back end: ``{prefix}qapi_visit.py``, two visitors per type.

``visit_T_from_json(value, path="", key=None)`` reads a value as
``json.loads`` gives it into a ``T`` and rejects what QEMU's QObject input
visitor rejects, naming the member (``'a.b[2].c'``) in the error;
``visit_T_to_json(obj)`` writes one back.  Structs also get
``visit_T_members_from_json`` and ``visit_T_members_to_json``, which
handle the members alone: a struct's members are visited with its base's
first, and a union's branch members are those of the branch's struct.
The shared parts, built-in types among them, are in `runtime.visitor`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.backends import GenOptions, register
from generator.output import generated_header, write_if_changed
from generator.pygen import (
    CYTHON_DIRECTIVES,
    class_name,
    fast_check,
    from_json_function,
    import_sibling,
    json_check,
    module_prefix,
    py_name,
    render,
    to_json_function,
    type_hint,
)
from generator.types import condition_key, generated_types
from qapi.schema import (
    QAPISchema,
    QAPISchemaAlternateType,
    QAPISchemaArrayType,
    QAPISchemaBuiltinType,
    QAPISchemaEntity,
    QAPISchemaEnumType,
    QAPISchemaObjectType,
    QAPISchemaObjectTypeMember,
)

# The visitors' annotations are exact (dict, list, str), so Cython may use
# them as C types; the types module's could not be (an optional float
# member holds ABSENT when absent).
VISIT_DIRECTIVES = CYTHON_DIRECTIVES.replace("annotation_typing=False, ", "")


@dataclass
class MemberVisit:
    """How one member of an object is read and written."""

    name: str
    attr: str
    optional: bool
    from_json: str
    to_json: str | None
    ifcond: str | None
    """The member's key in CONDITIONS, when it has a condition."""

    @classmethod
    def of(cls, owner: str, member: QAPISchemaObjectTypeMember) -> MemberVisit:
        return cls(member.name, py_name(member.name), member.optional,
                   from_json_function(member.type), to_json_function(member.type),
                   condition_key(owner, member.name) if member.ifcond.is_present() else None)


@dataclass
class BranchVisit:
    """A branch of a union or an alternate."""

    name: str
    cls: str
    ifcond: str | None
    check: str = ""
    from_json: str = ""
    to_json: str | None = None


@dataclass
class TypeVisit:
    """The visitors of one type."""

    kind: str  # "builtin", "enum", "struct", "union", "alternate", "array"
    name: str
    cls: str
    hint: str
    base: str | None = None
    members: list[MemberVisit] = field(default_factory=list)
    member_names: list[str] = field(default_factory=list)
    branches: list[BranchVisit] = field(default_factory=list)
    tag: str | None = None
    conditional_values: list[tuple[str, str]] = field(default_factory=list)
    element_from_json: str = ""
    element_to_json: str | None = None
    element_check: str | None = None
    """Arrays: when an element needs no visitor call; built-in types: when
    ``value`` needs no conversion."""
    mandatory: int = 0
    """How many local members an object must have, whatever the configuration."""
    conditional_branches: bool = False


def _struct_visit(typ: QAPISchemaObjectType) -> TypeVisit:
    assert typ.name is not None
    base_names = {m.name for m in typ.base.members} if typ.base else set()
    local = [m for m in typ.members if m.name not in base_names]
    visit = TypeVisit("struct", typ.name, class_name(typ), class_name(typ),
                      class_name(typ.base) if typ.base else None,
                      [MemberVisit.of(typ.name, m) for m in local],
                      [m.name for m in typ.members],
                      mandatory=sum(1 for m in local
                                    if not m.optional and not m.ifcond.is_present()))
    if typ.variants:
        _add_union_branches(visit, typ)
    return visit


def _add_union_branches(visit: TypeVisit, union: QAPISchemaObjectType) -> None:
    assert union.name is not None
    assert union.variants is not None and union.variants.tag_member is not None
    visit.kind = "union"
    visit.tag = py_name(union.variants.tag_member.name)
    for variant in union.variants.variants:
        assert isinstance(variant.type, QAPISchemaObjectType)
        if variant.type.is_empty():
            continue
        ifcond = (condition_key(union.name, variant.name)
                  if variant.ifcond.is_present() else None)
        visit.branches.append(BranchVisit(variant.name, class_name(variant.type), ifcond))
        visit.conditional_branches |= ifcond is not None


def _alternate_visit(typ: QAPISchemaAlternateType) -> TypeVisit:
    assert typ.name is not None
    visit = TypeVisit("alternate", typ.name, class_name(typ), class_name(typ))
    for variant in typ.variants.variants:
        ifcond = (condition_key(typ.name, variant.name)
                  if variant.ifcond.is_present() else None)
        visit.branches.append(BranchVisit(
            variant.name, class_name(variant.type), ifcond, json_check(variant.type),
            from_json_function(variant.type), to_json_function(variant.type)))
    return visit


def _enum_visit(typ: QAPISchemaEnumType) -> TypeVisit:
    assert typ.name is not None
    visit = TypeVisit("enum", typ.name, class_name(typ), class_name(typ))
    visit.conditional_values = [(m.name, condition_key(typ.name, m.name))
                                for m in typ.members if m.ifcond.is_present()]
    return visit


def _builtin_visit(typ: QAPISchemaBuiltinType) -> TypeVisit:
    assert typ.name is not None
    return TypeVisit("builtin", typ.name, typ.name, type_hint(typ),
                     element_check=fast_check(typ))


def _array_visit(typ: QAPISchemaArrayType) -> TypeVisit:
    assert typ.name is not None
    return TypeVisit("array", typ.name, class_name(typ), type_hint(typ),
                     element_from_json=from_json_function(typ.element_type),
                     element_to_json=to_json_function(typ.element_type))


def type_visits(schema: QAPISchema) -> list[TypeVisit]:
    """The visitors to generate, in the order the types module defines classes."""
    visits = [_builtin_visit(entity) for entity in schema.entities
              if isinstance(entity, QAPISchemaBuiltinType)]
    for entity in generated_types(schema):
        if isinstance(entity, QAPISchemaEnumType):
            visits.append(_enum_visit(entity))
        elif isinstance(entity, QAPISchemaObjectType):
            visits.append(_struct_visit(entity))
        elif isinstance(entity, QAPISchemaAlternateType):
            visits.append(_alternate_visit(entity))
    visits += [_array_visit(entity) for entity in _arrays(schema.entities)]
    return visits


def _arrays(entities: list[QAPISchemaEntity]) -> list[QAPISchemaArrayType]:
    # Lists of built-in types are generated too (rather than taken from
    # runtime.visitor): compiled along, they check their elements in line.
    return [entity for entity in entities if isinstance(entity, QAPISchemaArrayType)]


def visit_module(schema: QAPISchema, prefix: str) -> str:
    """The text of the visit module."""
    header = generated_header(schema.fname, "QAPI visitors: JSON values to objects and back.")
    visits = type_visits(schema)
    classes = [visit.cls for visit in visits if visit.kind not in ("array", "builtin")]
    return render("visit.py.j2", header=header, directives=VISIT_DIRECTIVES,
                  import_types=import_sibling(f"{prefix}qapi_types", ["CONDITIONS"] + classes),
                  types=visits)


@register("visit")
def gen_visit(schema: QAPISchema, options: GenOptions) -> list[str]:
    """Write ``{prefix}qapi_visit.py``."""
    prefix = module_prefix(options.prefix)
    fname = f"{prefix}qapi_visit.py"
    return [write_if_changed(options.output_dir, fname, visit_module(schema, prefix))]
