"""Introspection back end: the SchemaInfo list that ``query-qmp-schema`` returns.

Written as ``{prefix}qapi-introspect.json`` (a JSON list in which a
conditional part is wrapped as ``{"if": COND, "value": X}``, as in QEMU's
generated qlit) and as the module ``{prefix}qapi_introspect.py``, whose
``schema_info()`` resolves the conditions against the build's config.

Commands and events are listed in schema order, followed by the types
they use, in the order first used; type names are masked as numbers
unless ``-u`` asks for the real ones.  All integer types show as ``int``.
"""

from __future__ import annotations

import json
import pprint
from typing import Any

from generator.backends import GenOptions, register
from generator.output import generated_header, write_if_changed
from qapi.common import c_name
from qapi.schema import (
    QAPISchema,
    QAPISchemaArrayType,
    QAPISchemaBuiltinType,
    QAPISchemaEntity,
    QAPISchemaEnumMember,
    QAPISchemaFeature,
    QAPISchemaIfCond,
    QAPISchemaObjectType,
    QAPISchemaObjectTypeMember,
    QAPISchemaType,
    QAPISchemaVariant,
    QAPISchemaVariants,
    QAPISchemaVisitor,
)
from qapi.source import SourceInfo


def annotated(value: Any, ifcond: QAPISchemaIfCond) -> Any:
    """``value``, wrapped with its condition when it has one."""
    if ifcond.is_present():
        return {"if": ifcond.ifcond, "value": value}
    return value


class IntrospectionVisitor(QAPISchemaVisitor):
    """Builds the SchemaInfo list of a schema."""

    def __init__(self, unmask: bool) -> None:
        self._unmask = unmask
        self._schema: QAPISchema | None = None
        self.trees: list[Any] = []
        self._used_types: list[QAPISchemaType] = []
        self.name_map: dict[str, str] = {}

    def visit_begin(self, schema: QAPISchema) -> None:
        self._schema = schema

    def visit_end(self) -> None:
        # The list grows while it is walked: a type's members use more types.
        index = 0
        while index < len(self._used_types):
            self._used_types[index].visit(self)
            index += 1

    def visit_needed(self, entity: QAPISchemaEntity) -> bool:
        # Types come in visit_end(), and only those that are used.
        return not isinstance(entity, QAPISchemaType)

    def _name(self, name: str) -> str:
        if self._unmask:
            return name
        if name not in self.name_map:
            self.name_map[name] = str(len(self.name_map))
        return self.name_map[name]

    def _use_type(self, typ: QAPISchemaType) -> str:
        assert self._schema is not None
        # Clients see one integer type: the range is not part of the ABI.
        if typ.json_type() == "int":
            typ = self._lookup("int")
        elif isinstance(typ, QAPISchemaArrayType) and typ.element_type.json_type() == "int":
            typ = self._lookup("intList")
        if typ not in self._used_types:
            self._used_types.append(typ)
        assert typ.name is not None
        if isinstance(typ, QAPISchemaBuiltinType):
            return typ.name
        if isinstance(typ, QAPISchemaArrayType):
            return "[" + self._use_type(typ.element_type) + "]"
        return self._name(typ.name)

    def _lookup(self, name: str) -> QAPISchemaType:
        assert self._schema is not None
        typ = self._schema.lookup_type(name)
        assert typ is not None
        return typ

    @staticmethod
    def _features(features: list[QAPISchemaFeature]) -> list[Any]:
        return [annotated(feature.name, feature.ifcond) for feature in features]

    def _add(self, name: str, meta_type: str, obj: dict[str, Any],
             ifcond: QAPISchemaIfCond | None = None,
             features: list[QAPISchemaFeature] | None = None) -> None:
        if meta_type not in ("command", "event", "builtin", "array"):
            name = self._name(name)
        obj["name"] = name
        obj["meta-type"] = meta_type
        if features:
            obj["features"] = self._features(features)
        self.trees.append(annotated(obj, ifcond or QAPISchemaIfCond()))

    def _object_member(self, member: QAPISchemaObjectTypeMember) -> Any:
        obj: dict[str, Any] = {"name": member.name, "type": self._use_type(member.type)}
        if member.optional:
            obj["default"] = None
        if member.features:
            obj["features"] = self._features(member.features)
        return annotated(obj, member.ifcond)

    def _enum_member(self, member: QAPISchemaEnumMember) -> Any:
        obj: dict[str, Any] = {"name": member.name}
        if member.features:
            obj["features"] = self._features(member.features)
        return annotated(obj, member.ifcond)

    def _variant(self, variant: QAPISchemaVariant) -> Any:
        return annotated({"case": variant.name, "type": self._use_type(variant.type)},
                         variant.ifcond)

    def visit_builtin_type(self, name: str, info: SourceInfo | None, json_type: str) -> None:
        self._add(name, "builtin", {"json-type": json_type})

    def visit_enum_type(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                        features: list[QAPISchemaFeature], members: list[QAPISchemaEnumMember],
                        prefix: str | None) -> None:
        self._add(name, "enum", {
            "members": [self._enum_member(m) for m in members],
            "values": [annotated(m.name, m.ifcond) for m in members],
        }, ifcond, features)

    def visit_array_type(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                         element_type: QAPISchemaType) -> None:
        element = self._use_type(element_type)
        self._add("[" + element + "]", "array", {"element-type": element}, ifcond)

    def visit_object_type_flat(self, name: str, info: SourceInfo | None,
                               ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                               members: list[QAPISchemaObjectTypeMember],
                               variants: QAPISchemaVariants | None) -> None:
        obj: dict[str, Any] = {"members": [self._object_member(m) for m in members]}
        if variants:
            assert variants.tag_member is not None
            obj["tag"] = variants.tag_member.name
            obj["variants"] = [self._variant(v) for v in variants.variants]
        self._add(name, "object", obj, ifcond, features)

    def visit_alternate_type(self, name: str, info: SourceInfo | None,
                             ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                             variants: QAPISchemaVariants) -> None:
        self._add(name, "alternate", {
            "members": [annotated({"type": self._use_type(v.type)}, v.ifcond)
                        for v in variants.variants],
        }, ifcond, features)

    def visit_command(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                      features: list[QAPISchemaFeature], arg_type: QAPISchemaObjectType | None,
                      ret_type: QAPISchemaType | None, gen: bool, success_response: bool,
                      boxed: bool, allow_oob: bool, allow_preconfig: bool,
                      coroutine: bool) -> None:
        assert self._schema is not None
        empty = self._schema.the_empty_object_type
        obj: dict[str, Any] = {
            "arg-type": self._use_type(arg_type or empty),
            "ret-type": self._use_type(ret_type or empty),
        }
        if allow_oob:
            obj["allow-oob"] = True
        self._add(name, "command", obj, ifcond, features)

    def visit_event(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                    features: list[QAPISchemaFeature], arg_type: QAPISchemaObjectType | None,
                    boxed: bool) -> None:
        assert self._schema is not None
        arg_type = arg_type or self._schema.the_empty_object_type
        self._add(name, "event", {"arg-type": self._use_type(arg_type)}, ifcond, features)


def schema_info_tree(schema: QAPISchema, unmask: bool = False) -> list[Any]:
    """The SchemaInfo list with its conditions, as QEMU's generator builds it."""
    visitor = IntrospectionVisitor(unmask)
    schema.visit(visitor)
    return visitor.trees


def _masked_names_comment(visitor: IntrospectionVisitor) -> str:
    """Comment lines mapping masked type names back to the schema's."""
    return "".join(f"#   {masked} = {name}\n" for name, masked in visitor.name_map.items())


_MODULE_BODY = '''
from runtime.introspection import resolve_conditions

%(names)s
# The SchemaInfo list; a part shown only under a condition is wrapped as
# {"if": COND, "value": PART}.
SCHEMA_INFO_TREE = %(tree)s


def schema_info(config=None):
    """The query-qmp-schema result for the build's config symbols."""
    return resolve_conditions(SCHEMA_INFO_TREE, config)
'''


@register("introspect")
def gen_introspect(schema: QAPISchema, options: GenOptions) -> list[str]:
    visitor = IntrospectionVisitor(options.unmask)
    schema.visit(visitor)
    tree = visitor.trees
    names = ("# Masked type names:\n" + _masked_names_comment(visitor)) if visitor.name_map else ""
    prefix = options.prefix
    json_text = json.dumps(tree, indent=1) + "\n"
    module_text = (generated_header(schema.fname, "Introspection: the query-qmp-schema result.")
                   + '"""The SchemaInfo list of the schema, for query-qmp-schema."""\n'
                   + _MODULE_BODY % {"tree": pprint.pformat(tree, width=96, sort_dicts=False),
                                    "names": names})
    return [
        write_if_changed(options.output_dir, f"{prefix}qapi-introspect.json", json_text),
        write_if_changed(options.output_dir, f"{c_name(prefix, False)}qapi_introspect.py",
                         module_text),
    ]
