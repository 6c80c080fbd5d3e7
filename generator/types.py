"""The ``types`` back end: ``{prefix}qapi_types.py``, a Python class per type.

- an enumeration is an `enum.StrEnum` whose values are the wire strings,
  in the schema's order;
- a struct is a `runtime.objects.QAPIStruct` subclass with ``__slots__``,
  a keyword-only ``__init__`` (base members first: a struct with a base
  derives from the base's class) and a ``has_X`` property per optional
  member;
- a union derives from its base's class; its branch members are
  attributes of the union object itself, as on the wire;
- an alternate is a `runtime.objects.QAPIAlternate`: ``type`` names the
  branch, ``value`` holds its value;
- lists are plain Python lists and need no class.

Built-in scalars and their lists come from the runtime, so there is no
separate output for ``--builtins``.  Every ``if`` of the schema is kept
in ``CONDITIONS`` for the visitors to check against `runtime.config`
(members, enumeration values, branches).  A type's own condition is data
only: its class always exists, and the commands and events that use it
carry the condition themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.backends import GenOptions, register
from generator.output import generated_header, write_if_changed
from generator.pygen import (
    CYTHON_DIRECTIVES,
    class_name,
    condition,
    describe,
    doc_summary,
    enum_member_names,
    module_prefix,
    py_name,
    render,
    type_hint,
)
from qapi.schema import (
    QAPISchema,
    QAPISchemaAlternateType,
    QAPISchemaEntity,
    QAPISchemaEnumType,
    QAPISchemaObjectType,
    QAPISchemaObjectTypeMember,
)


@dataclass
class MemberParam:
    """An object member as an attribute and an ``__init__`` parameter."""

    name: str
    attr: str
    optional: bool
    hint: str

    @property
    def declaration(self) -> str:
        """The ``__init__`` parameter."""
        default = " = ABSENT" if self.optional else ""
        return f"{self.attr}: {self.hint}{default}"

    @classmethod
    def of(cls, member: QAPISchemaObjectTypeMember) -> MemberParam:
        # A member with a condition may not exist: it may be left out.
        optional = member.optional or member.ifcond.is_present()
        hint = type_hint(member.type) + (" | Absent" if optional else "")
        return cls(member.name, py_name(member.name), optional, hint)


@dataclass
class ClassView:
    """One class of the types module."""

    kind: str  # "enum", "struct", "union", "alternate"
    name: str
    cls: str
    doc: str
    base: str | None = None
    slots: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    params: list[MemberParam] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    branches: list[tuple[str, str]] = field(default_factory=list)
    tag: str | None = None


def _object_view(typ: QAPISchemaObjectType) -> ClassView:
    assert typ.name is not None
    base = class_name(typ.base) if typ.base else None
    base_names = {m.name for m in typ.base.members} if typ.base else set()
    local = [m for m in typ.members if m.name not in base_names]
    view = ClassView("union" if typ.variants else "struct", typ.name, class_name(typ),
                     doc_summary(typ.doc, describe(typ)), base,
                     params=[MemberParam.of(m) for m in typ.members])
    for member in local:
        view.slots.append(py_name(member.name))
        if member.optional:
            view.optional.append(py_name(member.name))
    if typ.variants:
        _add_branches(view, typ)
    return view


def _add_branches(view: ClassView, union: QAPISchemaObjectType) -> None:
    """A union's branch members become attributes (shared by name)."""
    assert union.variants is not None and union.variants.tag_member is not None
    view.tag = py_name(union.variants.tag_member.name)
    for variant in union.variants.variants:
        branch = variant.type
        assert isinstance(branch, QAPISchemaObjectType)
        if branch.is_empty():
            continue
        view.branches.append((variant.name, class_name(branch)))
        for member in branch.members:
            attr = py_name(member.name)
            if attr not in view.slots:
                view.slots.append(attr)
            if member.optional and attr not in view.optional:
                view.optional.append(attr)


def _enum_view(typ: QAPISchemaEnumType) -> ClassView:
    assert typ.name is not None
    return ClassView("enum", typ.name, class_name(typ), doc_summary(typ.doc, describe(typ)),
                     values=list(zip(enum_member_names(typ), typ.member_names(), strict=True)))


def _alternate_view(typ: QAPISchemaAlternateType) -> ClassView:
    assert typ.name is not None
    return ClassView("alternate", typ.name, class_name(typ),
                     doc_summary(typ.doc, describe(typ)),
                     values=[(v.name, v.name) for v in typ.variants.variants])


def _conditions(entity: QAPISchemaEntity) -> list[tuple[str, str]]:
    """(key, literal) of each condition an entity and its parts carry."""
    assert entity.name is not None
    found = []
    cond = condition(entity.ifcond)
    if cond:
        found.append((entity.name, cond))
    parts: list[tuple[str, object]] = []
    if isinstance(entity, QAPISchemaEnumType):
        parts = [(m.name, m.ifcond) for m in entity.members]
    elif isinstance(entity, QAPISchemaObjectType):
        parts = [(m.name, m.ifcond) for m in entity.local_members]
        if entity.variants:
            parts += [(v.name, v.ifcond) for v in entity.variants.variants]
    elif isinstance(entity, QAPISchemaAlternateType):
        parts = [(v.name, v.ifcond) for v in entity.variants.variants]
    for name, ifcond in parts:
        cond = condition(ifcond)  # type: ignore[arg-type]
        if cond and (f"{entity.name}.{name}", cond) not in found:
            found.append((f"{entity.name}.{name}", cond))
    return found


def condition_key(owner: str, part: str | None = None) -> str:
    """The key of a condition in ``CONDITIONS``: ``Type`` or ``Type.member``."""
    return owner if part is None else f"{owner}.{part}"


def generated_types(schema: QAPISchema) -> list[QAPISchemaEntity]:
    """The types that get a class, bases before the classes deriving from them."""
    ordered: list[QAPISchemaEntity] = []
    placed: set[str] = set()

    def place(entity: QAPISchemaEntity) -> None:
        assert entity.name is not None
        if entity.name in placed:
            return
        if isinstance(entity, QAPISchemaObjectType) and entity.base is not None:
            place(entity.base)
        placed.add(entity.name)
        ordered.append(entity)

    for entity in schema.entities:
        if isinstance(entity, (QAPISchemaEnumType, QAPISchemaObjectType,
                               QAPISchemaAlternateType)):
            place(entity)
    return ordered


def types_module(schema: QAPISchema) -> str:
    """The text of the types module."""
    classes: list[ClassView] = []
    conditions: list[tuple[str, str]] = []
    for entity in generated_types(schema):
        if isinstance(entity, QAPISchemaEnumType):
            classes.append(_enum_view(entity))
        elif isinstance(entity, QAPISchemaObjectType):
            classes.append(_object_view(entity))
        elif isinstance(entity, QAPISchemaAlternateType):
            classes.append(_alternate_view(entity))
        conditions += _conditions(entity)
    header = generated_header(schema.fname, "QAPI types: a class per type of the schema.")
    return render("types.py.j2", header=header, directives=CYTHON_DIRECTIVES,
                  classes=classes, conditions=conditions)


@register("types")
def gen_types(schema: QAPISchema, options: GenOptions) -> list[str]:
    """Write ``{prefix}qapi_types.py``."""
    fname = f"{module_prefix(options.prefix)}qapi_types.py"
    return [write_if_changed(options.output_dir, fname, types_module(schema))]
