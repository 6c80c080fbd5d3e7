"""The schema IR: entities (types, commands, events), their members, and the
visitor protocol the back ends use to walk them.

`QAPISchema(fname)` parses, checks and resolves a schema.  Its entities
are grouped in modules (one per schema file, plus ``./builtin``) and
visited in definition order.  Implicit entities are made as QEMU makes
them, so the generated output names and orders things the same way:
``q_obj_NAME-arg`` for inline command/event arguments, ``q_obj_NAME-base``
for inline union bases, ``TYPEList`` for arrays, ``q_empty`` and ``QType``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from qapi.common import c_name
from qapi.doc import QAPIDoc
from qapi.error import QAPISemError
from qapi.expr import check_exprs
from qapi.ifcond import QAPISchemaIfCond as QAPISchemaIfCond  # re-exported for back ends
from qapi.parser import QAPISchemaParser, TopLevelExpr
from qapi.source import SourceInfo
from qapi.values import JSONObject

# -- entities ------------------------------------------------------------------

class QAPISchemaEntity:
    """Anything defined in a schema: a type, a command, an event, an include."""

    meta: str = ""

    def __init__(self, name: str | None, info: SourceInfo | None, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond | None = None,
                 features: list[QAPISchemaFeature] | None = None) -> None:
        self.name = name
        # Explicit definitions point to where they are written; builtins have
        # no position; implicit ones point to the definition that made them.
        self.info = info
        self.doc = doc
        self._ifcond = ifcond or QAPISchemaIfCond()
        self.features = features or []
        for feature in self.features:
            feature.set_defined_in(name or "")
        self.module: QAPISchemaModule | None = None
        self._checked = False

    def c_name(self) -> str:
        assert self.name is not None
        return c_name(self.name)

    def check(self, schema: QAPISchema) -> None:
        assert not self._checked
        seen: dict[str, QAPISchemaMember] = {}
        for feature in self.features:
            feature.check_clash(self.info, seen)
        self._checked = True

    def connect_doc(self, doc: QAPIDoc | None = None) -> None:
        doc = doc or self.doc
        if doc is not None:
            for feature in self.features:
                doc.connect_feature(feature)

    def check_doc(self) -> None:
        if self.doc is not None:
            self.doc.check()

    def _set_module(self, schema: QAPISchema, info: SourceInfo | None) -> None:
        fname = info.fname if info else QAPISchemaModule.BUILTIN_MODULE_NAME
        self.module = schema.module_by_fname(fname)
        self.module.add_entity(self)

    def set_module(self, schema: QAPISchema) -> None:
        self._set_module(schema, self.info)

    @property
    def ifcond(self) -> QAPISchemaIfCond:
        return self._ifcond

    def is_implicit(self) -> bool:
        return self.info is None

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        assert self._checked

    def describe(self) -> str:
        return f"{self.meta} '{self.name}'"


class QAPISchemaVisitor:
    """Base of the back ends: one method per kind of entity, all no-ops."""

    def visit_begin(self, schema: QAPISchema) -> None:
        pass

    def visit_end(self) -> None:
        pass

    def visit_module(self, name: str) -> None:
        pass

    def visit_needed(self, entity: QAPISchemaEntity) -> bool:
        return True

    def visit_include(self, name: str, info: SourceInfo | None) -> None:
        pass

    def visit_builtin_type(self, name: str, info: SourceInfo | None, json_type: str) -> None:
        pass

    def visit_enum_type(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                        features: list[QAPISchemaFeature], members: list[QAPISchemaEnumMember],
                        prefix: str | None) -> None:
        pass

    def visit_array_type(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                         element_type: QAPISchemaType) -> None:
        pass

    def visit_object_type(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                          features: list[QAPISchemaFeature], base: QAPISchemaObjectType | None,
                          members: list[QAPISchemaObjectTypeMember],
                          variants: QAPISchemaVariants | None) -> None:
        pass

    def visit_object_type_flat(self, name: str, info: SourceInfo | None,
                               ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                               members: list[QAPISchemaObjectTypeMember],
                               variants: QAPISchemaVariants | None) -> None:
        pass

    def visit_alternate_type(self, name: str, info: SourceInfo | None,
                             ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                             variants: QAPISchemaVariants) -> None:
        pass

    def visit_command(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                      features: list[QAPISchemaFeature], arg_type: QAPISchemaObjectType | None,
                      ret_type: QAPISchemaType | None, gen: bool, success_response: bool,
                      boxed: bool, allow_oob: bool, allow_preconfig: bool,
                      coroutine: bool) -> None:
        pass

    def visit_event(self, name: str, info: SourceInfo | None, ifcond: QAPISchemaIfCond,
                    features: list[QAPISchemaFeature], arg_type: QAPISchemaObjectType | None,
                    boxed: bool) -> None:
        pass


class QAPISchemaModule:
    """The entities of one schema file (or the builtins), in definition order."""

    BUILTIN_MODULE_NAME = "./builtin"

    def __init__(self, name: str) -> None:
        self.name = name
        self.entities: list[QAPISchemaEntity] = []

    @staticmethod
    def is_system_module(name: str) -> bool:
        return name.startswith("./")

    @classmethod
    def is_user_module(cls, name: str) -> bool:
        return not cls.is_system_module(name)

    @classmethod
    def is_builtin_module(cls, name: str) -> bool:
        return name == cls.BUILTIN_MODULE_NAME

    def add_entity(self, entity: QAPISchemaEntity) -> None:
        self.entities.append(entity)

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        visitor.visit_module(self.name)
        for entity in self.entities:
            if visitor.visit_needed(entity):
                entity.visit(visitor)


class QAPISchemaInclude(QAPISchemaEntity):
    def __init__(self, sub_module: QAPISchemaModule, info: SourceInfo) -> None:
        super().__init__(None, info, None)
        self.sub_module = sub_module

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        visitor.visit_include(self.sub_module.name, self.info)


class QAPISchemaType(QAPISchemaEntity):
    """A type; ``json_type`` is how its values look on the wire."""

    def json_type(self) -> str:
        raise NotImplementedError

    def alternate_qtype(self) -> str | None:
        """The QType an alternate branch of this type is chosen by, if any."""
        return {
            "null": "QTYPE_QNULL", "string": "QTYPE_QSTRING", "number": "QTYPE_QNUM",
            "int": "QTYPE_QNUM", "boolean": "QTYPE_QBOOL", "array": "QTYPE_QLIST",
            "object": "QTYPE_QDICT",
        }.get(self.json_type())

    def doc_type(self) -> str | None:
        return None if self.is_implicit() else self.name

    def check(self, schema: QAPISchema) -> None:
        super().check(schema)
        for feature in self.features:
            if feature.is_special():
                raise QAPISemError(
                    feature.info or self.info,
                    f"feature '{feature.name}' is not supported for types")

    def describe(self) -> str:
        return f"{self.meta} type '{self.name}'"


class QAPISchemaBuiltinType(QAPISchemaType):
    meta = "built-in"

    def __init__(self, name: str, json_type: str, c_type: str) -> None:
        super().__init__(name, None, None)
        self._json_type = json_type
        self.c_type = c_type

    def c_name(self) -> str:
        assert self.name is not None
        return self.name

    def json_type(self) -> str:
        return self._json_type

    def doc_type(self) -> str:
        return self._json_type

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_builtin_type(self.name, self.info, self._json_type)


class QAPISchemaEnumType(QAPISchemaType):
    meta = "enum"

    def __init__(self, name: str, info: SourceInfo | None, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond | None, features: list[QAPISchemaFeature] | None,
                 members: list[QAPISchemaEnumMember], prefix: str | None) -> None:
        super().__init__(name, info, doc, ifcond, features)
        for member in members:
            member.set_defined_in(name)
        self.members = members
        self.prefix = prefix

    def check(self, schema: QAPISchema) -> None:
        super().check(schema)
        seen: dict[str, QAPISchemaMember] = {}
        for member in self.members:
            member.check_clash(self.info, seen)

    def connect_doc(self, doc: QAPIDoc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        for member in self.members:
            member.connect_doc(doc)

    def is_implicit(self) -> bool:
        return self.name == "QType"

    def member_names(self) -> list[str]:
        return [member.name for member in self.members]

    def json_type(self) -> str:
        return "string"

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_enum_type(self.name, self.info, self.ifcond, self.features,
                                self.members, self.prefix)


class QAPISchemaArrayType(QAPISchemaType):
    meta = "array"

    def __init__(self, name: str, info: SourceInfo | None, element_type: str) -> None:
        super().__init__(name, info, None)
        self._element_type_name = element_type
        self._element_type: QAPISchemaType | None = None

    @property
    def element_type(self) -> QAPISchemaType:
        assert self._element_type is not None
        return self._element_type

    def check(self, schema: QAPISchema) -> None:
        super().check(schema)
        what = self.info.defn_meta if self.info and self.info.defn_meta else "array"
        self._element_type = schema.resolve_type(self._element_type_name, self.info, what)

    def set_module(self, schema: QAPISchema) -> None:
        self._set_module(schema, self.element_type.info)

    @property
    def ifcond(self) -> QAPISchemaIfCond:
        return self.element_type.ifcond

    def is_implicit(self) -> bool:
        return True

    def json_type(self) -> str:
        return "array"

    def doc_type(self) -> str | None:
        element_doc_type = self.element_type.doc_type()
        return f"array of {element_doc_type}" if element_doc_type else None

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_array_type(self.name, self.info, self.ifcond, self.element_type)

    def describe(self) -> str:
        return f"{self.meta} type ['{self._element_type_name}']"


class QAPISchemaObjectType(QAPISchemaType):
    """A struct, a union (with variants), or an implicit object type."""

    def __init__(self, name: str, info: SourceInfo | None, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond | None, features: list[QAPISchemaFeature] | None,
                 base: str | None, local_members: list[QAPISchemaObjectTypeMember],
                 variants: QAPISchemaVariants | None) -> None:
        super().__init__(name, info, doc, ifcond, features)
        self.meta = "union" if variants else "struct"
        for member in local_members:
            member.set_defined_in(name)
        if variants is not None:
            variants.set_defined_in(name)
        self._base_name = base
        self.base: QAPISchemaObjectType | None = None
        self.local_members = local_members
        self.variants = variants
        self._members: list[QAPISchemaObjectTypeMember] | None = None

    @property
    def members(self) -> list[QAPISchemaObjectTypeMember]:
        """All members, the base's first; known once checked."""
        assert self._members is not None
        return self._members

    def check(self, schema: QAPISchema) -> None:
        # Checking a base or branch type checks it first, so an object
        # can be reached again while it is being checked: only when it
        # contains itself.
        if self._members is not None:
            return
        if self._checked:
            raise QAPISemError(self.info, f"object {self.name} contains itself")
        super().check(schema)
        seen: dict[str, QAPISchemaMember] = {}
        if self._base_name:
            base = schema.resolve_type(self._base_name, self.info, "'base'")
            if not isinstance(base, QAPISchemaObjectType) or base.variants:
                raise QAPISemError(
                    self.info, f"'base' requires a struct type, {base.describe()} isn't")
            self.base = base
            base.check(schema)
            base.check_clash(self.info, seen)
        for member in self.local_members:
            member.check(schema)
            member.check_clash(self.info, seen)
        members = [m for m in seen.values() if isinstance(m, QAPISchemaObjectTypeMember)]
        if self.variants:
            self.variants.check(schema, seen)
            self.variants.check_clash(self.info, seen)
        self._members = members

    def check_clash(self, info: SourceInfo | None, seen: dict[str, QAPISchemaMember]) -> None:
        for member in self.members:
            member.check_clash(info, seen)

    def connect_doc(self, doc: QAPIDoc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        if self.base is not None and self.base.is_implicit():
            self.base.connect_doc(doc)
        for member in self.local_members:
            member.connect_doc(doc)

    def is_implicit(self) -> bool:
        assert self.name is not None
        return self.name.startswith("q_")

    def is_empty(self) -> bool:
        return not self.members and not self.variants

    def json_type(self) -> str:
        return "object"

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_object_type(self.name, self.info, self.ifcond, self.features,
                                  self.base, self.local_members, self.variants)
        visitor.visit_object_type_flat(self.name, self.info, self.ifcond, self.features,
                                       self.members, self.variants)


class QAPISchemaAlternateType(QAPISchemaType):
    meta = "alternate"

    def __init__(self, name: str, info: SourceInfo, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond | None, features: list[QAPISchemaFeature] | None,
                 variants: QAPISchemaVariants) -> None:
        super().__init__(name, info, doc, ifcond, features)
        assert variants.tag_member is not None
        variants.set_defined_in(name)
        variants.tag_member.set_defined_in(name)
        self.variants = variants

    def check(self, schema: QAPISchema) -> None:
        super().check(schema)
        assert self.variants.tag_member is not None
        self.variants.tag_member.check(schema)
        self.variants.check(schema, {})
        seen: dict[str, QAPISchemaMember] = {}
        # Each branch claims the JSON types it accepts; two may not share one.
        types_seen: dict[str, str] = {}
        for variant in self.variants.variants:
            variant.check_clash(self.info, seen)
            qtype = variant.type.alternate_qtype()
            if not qtype:
                raise QAPISemError(
                    variant.info,
                    f"{variant.describe(self.info)} cannot use {variant.type.describe()}")
            conflicting = {qtype}
            if qtype == "QTYPE_QSTRING":
                # The keyval visitor gives everything as a string, so a
                # string branch may also match what a bool or number
                # branch would parse.
                if isinstance(variant.type, QAPISchemaEnumType):
                    for member in variant.type.members:
                        if member.name in ("on", "off"):
                            conflicting.add("QTYPE_QBOOL")
                        if re.match(r"[-+0-9.]", member.name):
                            conflicting.add("QTYPE_QNUM")
                else:
                    conflicting.update(("QTYPE_QNUM", "QTYPE_QBOOL"))
            for qt in sorted(conflicting):
                if qt in types_seen:
                    raise QAPISemError(
                        variant.info,
                        f"{variant.describe(self.info)} can't be distinguished "
                        f"from '{types_seen[qt]}'")
                types_seen[qt] = variant.name

    def connect_doc(self, doc: QAPIDoc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        for variant in self.variants.variants:
            variant.connect_doc(doc)

    def json_type(self) -> str:
        return "value"

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_alternate_type(self.name, self.info, self.ifcond, self.features,
                                     self.variants)


class QAPISchemaVariants:
    """The branches of a union (chosen by a tag member) or an alternate."""

    def __init__(self, tag_name: str | None, info: SourceInfo,
                 tag_member: QAPISchemaObjectTypeMember | None,
                 variants: list[QAPISchemaVariant]) -> None:
        assert (tag_name is None) != (tag_member is None)
        self._tag_name = tag_name
        self.info = info
        self.tag_member = tag_member
        self.variants = variants

    def set_defined_in(self, name: str) -> None:
        for variant in self.variants:
            variant.set_defined_in(name)

    def check(self, schema: QAPISchema, seen: dict[str, QAPISchemaMember]) -> None:
        if self._tag_name is not None:
            self._check_discriminator(schema, seen)
            self._add_implicit_branches()
        if not self.variants:
            raise QAPISemError(self.info, "union has no branches")
        for variant in self.variants:
            variant.check(schema)
            if self._tag_name is None:
                continue
            tag_type = self.tag_type
            if variant.name not in tag_type.member_names():
                raise QAPISemError(
                    variant.info,
                    f"branch '{variant.name}' is not a value of {tag_type.describe()}")
            if not isinstance(variant.type, QAPISchemaObjectType) or variant.type.variants:
                raise QAPISemError(
                    variant.info,
                    f"{variant.describe(self.info)} cannot use {variant.type.describe()}")
            variant.type.check(schema)

    @property
    def tag_type(self) -> QAPISchemaEnumType:
        assert self.tag_member is not None
        tag_type = self.tag_member.type
        assert isinstance(tag_type, QAPISchemaEnumType)
        return tag_type

    def _check_discriminator(self, schema: QAPISchema,
                             seen: dict[str, QAPISchemaMember]) -> None:
        assert self._tag_name is not None
        tag_member = seen.get(c_name(self._tag_name))
        base = "'base'"
        if not isinstance(tag_member, QAPISchemaObjectTypeMember) \
                or tag_member.name != self._tag_name:
            raise QAPISemError(
                self.info, f"discriminator '{self._tag_name}' is not a member of {base}")
        self.tag_member = tag_member
        base_type = schema.lookup_type(tag_member.defined_in)
        assert base_type is not None
        if not base_type.is_implicit():
            base = f"base type '{tag_member.defined_in}'"
        if not isinstance(tag_member.type, QAPISchemaEnumType):
            raise QAPISemError(
                self.info,
                f"discriminator member '{self._tag_name}' of {base} must be of enum type")
        if tag_member.optional:
            raise QAPISemError(
                self.info,
                f"discriminator member '{self._tag_name}' of {base} must not be optional")
        if tag_member.ifcond.is_present():
            raise QAPISemError(
                self.info,
                f"discriminator member '{self._tag_name}' of {base} must not be conditional")

    def _add_implicit_branches(self) -> None:
        """Tag values without a branch select the empty object."""
        assert self.tag_member is not None
        cases = {variant.name for variant in self.variants}
        for member in self.tag_type.members:
            if member.name not in cases:
                variant = QAPISchemaVariant(member.name, self.info, "q_empty", member.ifcond)
                variant.set_defined_in(self.tag_member.defined_in)
                self.variants.append(variant)

    def check_clash(self, info: SourceInfo | None, seen: dict[str, QAPISchemaMember]) -> None:
        for variant in self.variants:
            assert isinstance(variant.type, QAPISchemaObjectType)
            variant.type.check_clash(info, dict(seen))


class QAPISchemaMember:
    """A named part of an entity: object member, enum value, branch, feature."""

    role = "member"

    def __init__(self, name: str, info: SourceInfo | None,
                 ifcond: QAPISchemaIfCond | None = None) -> None:
        self.name = name
        self.info = info
        self.ifcond = ifcond or QAPISchemaIfCond()
        self.defined_in = ""

    def set_defined_in(self, name: str) -> None:
        assert not self.defined_in
        self.defined_in = name

    def check_clash(self, info: SourceInfo | None, seen: dict[str, QAPISchemaMember]) -> None:
        # Names that differ only where C mangling would merge them clash.
        cname = c_name(self.name)
        if cname in seen:
            raise QAPISemError(
                self.info if self.info and info and self.info.defn_name == info.defn_name
                else info,
                f"{self.describe(info)} collides with {seen[cname].describe(info)}")
        seen[cname] = self

    def connect_doc(self, doc: QAPIDoc | None) -> None:
        if doc is not None:
            doc.connect_member(self)

    def describe(self, info: SourceInfo | None) -> str:
        role = self.role
        defined_in = self.defined_in
        if defined_in.startswith("q_obj_"):
            defined_in = defined_in[len("q_obj_"):]
            if defined_in.endswith("-arg"):
                role = "parameter"
            elif defined_in.endswith("-base"):
                role = "base " + role
        elif info is None or defined_in != info.defn_name:
            return f"{role} '{self.name}' of type '{defined_in}'"
        return f"{role} '{self.name}'"


class QAPISchemaFeaturedMember(QAPISchemaMember):
    """A member that may have features of its own (enum values, object members)."""

    def __init__(self, name: str, info: SourceInfo | None,
                 ifcond: QAPISchemaIfCond | None = None,
                 features: list[QAPISchemaFeature] | None = None) -> None:
        super().__init__(name, info, ifcond)
        self.features = features or []
        for feature in self.features:
            feature.set_defined_in(name)

    def connect_doc(self, doc: QAPIDoc | None) -> None:
        super().connect_doc(doc)
        if doc is not None:
            for feature in self.features:
                doc.connect_feature(feature)


class QAPISchemaEnumMember(QAPISchemaFeaturedMember):
    role = "value"


class QAPISchemaFeature(QAPISchemaMember):
    role = "feature"

    def is_special(self) -> bool:
        return self.name in ("deprecated", "unstable")


class QAPISchemaObjectTypeMember(QAPISchemaFeaturedMember):
    def __init__(self, name: str, info: SourceInfo | None, typ: str, optional: bool,
                 ifcond: QAPISchemaIfCond | None = None,
                 features: list[QAPISchemaFeature] | None = None) -> None:
        super().__init__(name, info, ifcond, features)
        self._type_name = typ
        self._type: QAPISchemaType | None = None
        self.optional = optional

    @property
    def type(self) -> QAPISchemaType:
        assert self._type is not None
        return self._type

    def check(self, schema: QAPISchema) -> None:
        assert self.defined_in
        self._type = schema.resolve_type(self._type_name, self.info, self.describe)
        seen: dict[str, QAPISchemaMember] = {}
        for feature in self.features:
            feature.check_clash(self.info, seen)


class QAPISchemaVariant(QAPISchemaObjectTypeMember):
    role = "branch"

    def __init__(self, name: str, info: SourceInfo | None, typ: str,
                 ifcond: QAPISchemaIfCond | None = None) -> None:
        super().__init__(name, info, typ, False, ifcond)


class QAPISchemaEntityWithArguments(QAPISchemaEntity):
    """A command or event: its arguments (or data) are an object type."""

    arg_type: QAPISchemaObjectType | None = None

    def connect_doc(self, doc: QAPIDoc | None = None) -> None:
        # Inline arguments are documented in the command's (event's) own doc.
        super().connect_doc(doc)
        doc = doc or self.doc
        if doc is not None and self.arg_type is not None and self.arg_type.is_implicit():
            self.arg_type.connect_doc(doc)


class QAPISchemaCommand(QAPISchemaEntityWithArguments):
    meta = "command"

    def __init__(self, name: str, info: SourceInfo, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                 arg_type: str | None, ret_type: str | None, gen: bool,
                 success_response: bool, boxed: bool, allow_oob: bool,
                 allow_preconfig: bool, coroutine: bool) -> None:
        super().__init__(name, info, doc, ifcond, features)
        self._arg_type_name = arg_type
        self.arg_type: QAPISchemaObjectType | None = None
        self._ret_type_name = ret_type
        self.ret_type: QAPISchemaType | None = None
        self.gen = gen
        self.success_response = success_response
        self.boxed = boxed
        self.allow_oob = allow_oob
        self.allow_preconfig = allow_preconfig
        self.coroutine = coroutine

    def check(self, schema: QAPISchema) -> None:
        assert self.info is not None
        super().check(schema)
        if self._arg_type_name:
            self.arg_type = _check_arguments(
                schema, self._arg_type_name, self.info, self.boxed, "command's 'data'")
        if self._ret_type_name:
            self.ret_type = schema.resolve_type(
                self._ret_type_name, self.info, "command's 'returns'")
            if self.name not in self.info.pragma.command_returns_exceptions:
                typ = self.ret_type
                if isinstance(typ, QAPISchemaArrayType):
                    typ = typ.element_type
                if not isinstance(typ, QAPISchemaObjectType):
                    raise QAPISemError(
                        self.info,
                        f"command's 'returns' cannot take {self.ret_type.describe()}")

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_command(
            self.name, self.info, self.ifcond, self.features, self.arg_type, self.ret_type,
            self.gen, self.success_response, self.boxed, self.allow_oob,
            self.allow_preconfig, self.coroutine)


class QAPISchemaEvent(QAPISchemaEntityWithArguments):
    meta = "event"

    def __init__(self, name: str, info: SourceInfo, doc: QAPIDoc | None,
                 ifcond: QAPISchemaIfCond, features: list[QAPISchemaFeature],
                 arg_type: str | None, boxed: bool) -> None:
        super().__init__(name, info, doc, ifcond, features)
        self._arg_type_name = arg_type
        self.arg_type: QAPISchemaObjectType | None = None
        self.boxed = boxed

    def check(self, schema: QAPISchema) -> None:
        assert self.info is not None
        super().check(schema)
        if self._arg_type_name:
            self.arg_type = _check_arguments(
                schema, self._arg_type_name, self.info, self.boxed, "event's 'data'")

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        super().visit(visitor)
        assert self.name is not None
        visitor.visit_event(self.name, self.info, self.ifcond, self.features,
                            self.arg_type, self.boxed)


def _check_arguments(schema: QAPISchema, name: str, info: SourceInfo, boxed: bool,
                     what: str) -> QAPISchemaObjectType:
    arg_type = schema.resolve_type(name, info, what)
    if not isinstance(arg_type, QAPISchemaObjectType):
        raise QAPISemError(info, f"{what} cannot take {arg_type.describe()}")
    if arg_type.variants and not boxed:
        raise QAPISemError(
            info, f"{what} can take {arg_type.describe()} only with 'boxed': true")
    return arg_type


# -- the schema ------------------------------------------------------------------

_BUILTINS = (
    ("str", "string", "char *"), ("number", "number", "double"),
    ("int", "int", "int64_t"), ("int8", "int", "int8_t"), ("int16", "int", "int16_t"),
    ("int32", "int", "int32_t"), ("int64", "int", "int64_t"), ("uint8", "int", "uint8_t"),
    ("uint16", "int", "uint16_t"), ("uint32", "int", "uint32_t"),
    ("uint64", "int", "uint64_t"), ("size", "int", "uint64_t"), ("bool", "boolean", "bool"),
    ("any", "value", "QObject *"), ("null", "null", "QNull *"),
)
_QTYPES = ("none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool")


class QAPISchema:
    """A parsed, checked and resolved schema; raises `QAPIError` on bad input."""

    def __init__(self, fname: str) -> None:
        self.fname = fname
        parser = QAPISchemaParser(fname)
        exprs = check_exprs(parser.exprs)
        self.docs = parser.docs
        self._entity_list: list[QAPISchemaEntity] = []
        self._entity_dict: dict[str, QAPISchemaEntity] = {}
        self._module_dict: dict[str, QAPISchemaModule] = {}
        self._schema_dir = os.path.dirname(fname)
        self._make_module(QAPISchemaModule.BUILTIN_MODULE_NAME)
        self._make_module(fname)
        self._def_predefineds()
        self._def_exprs(exprs)
        self.check()

    # -- lookup ----------------------------------------------------------------

    @property
    def entities(self) -> list[QAPISchemaEntity]:
        return list(self._entity_list)

    @property
    def modules(self) -> list[QAPISchemaModule]:
        return list(self._module_dict.values())

    def lookup_entity(self, name: str) -> QAPISchemaEntity | None:
        return self._entity_dict.get(name)

    def lookup_type(self, name: str) -> QAPISchemaType | None:
        entity = self._entity_dict.get(name)
        return entity if isinstance(entity, QAPISchemaType) else None

    def resolve_type(self, name: str, info: SourceInfo | None,
                     what: str | Callable[[SourceInfo | None], str]) -> QAPISchemaType:
        typ = self.lookup_type(name)
        if typ is None:
            if callable(what):
                what = what(info)
            raise QAPISemError(info, f"{what} uses unknown type '{name}'")
        return typ

    def module_by_fname(self, fname: str) -> QAPISchemaModule:
        return self._module_dict[self._module_name(fname)]

    # -- building ------------------------------------------------------------------

    def _module_name(self, fname: str) -> str:
        if QAPISchemaModule.is_system_module(fname):
            return fname
        return os.path.relpath(fname, self._schema_dir)

    def _make_module(self, fname: str) -> QAPISchemaModule:
        name = self._module_name(fname)
        if name not in self._module_dict:
            self._module_dict[name] = QAPISchemaModule(name)
        return self._module_dict[name]

    def _def_entity(self, entity: QAPISchemaEntity) -> None:
        self._entity_list.append(entity)
        if entity.name is None:
            return
        other = self._entity_dict.get(entity.name)
        if other is not None:
            if other.info is not None:
                raise QAPISemError(
                    entity.info,
                    f"'{entity.name}' is already defined\n{other.info}: previous definition")
            raise QAPISemError(entity.info, f"{other.describe()} is already defined")
        self._entity_dict[entity.name] = entity

    def _def_predefineds(self) -> None:
        for name, json_type, c_type in _BUILTINS:
            self._def_entity(QAPISchemaBuiltinType(name, json_type, c_type))
            self._make_array_type(name, None)
        self.the_empty_object_type = QAPISchemaObjectType(
            "q_empty", None, None, None, None, None, [], None)
        self._def_entity(self.the_empty_object_type)
        self._def_entity(QAPISchemaEnumType(
            "QType", None, None, None, None,
            [QAPISchemaEnumMember(name, None) for name in _QTYPES], "QTYPE"))

    def _make_features(self, features: list[JSONObject] | None) -> list[QAPISchemaFeature]:
        return [QAPISchemaFeature(f["name"], f.info, QAPISchemaIfCond(f.get("if")))
                for f in features or []]

    def _make_array_type(self, element_type: str, info: SourceInfo | None) -> str:
        name = element_type + "List"  # names ending in List are reserved for this
        if self.lookup_type(name) is None:
            self._def_entity(QAPISchemaArrayType(name, info, element_type))
        return name

    def _make_implicit_object_type(self, name: str, info: SourceInfo, ifcond: QAPISchemaIfCond,
                                   role: str,
                                   members: list[QAPISchemaObjectTypeMember]) -> str | None:
        if not members:
            return None
        name = f"q_obj_{name}-{role}"
        if self.lookup_entity(name) is None:
            self._def_entity(QAPISchemaObjectType(
                name, info, None, ifcond, None, None, members, None))
        return name

    def _type_ref(self, typ: str | list[str], info: SourceInfo) -> str:
        if isinstance(typ, list):
            return self._make_array_type(typ[0], info)
        return typ

    def _make_members(self, data: JSONObject) -> list[QAPISchemaObjectTypeMember]:
        members = []
        for key, value in data.items():
            info = data.where(key)
            name, optional = (key[1:], True) if key.startswith("*") else (key, False)
            members.append(QAPISchemaObjectTypeMember(
                name, info, self._type_ref(value["type"], info), optional,
                QAPISchemaIfCond(value.get("if")), self._make_features(value.get("features"))))
        return members

    def _make_variants(self, data: JSONObject) -> list[QAPISchemaVariant]:
        return [QAPISchemaVariant(key, data.where(key),
                                  self._type_ref(value["type"], data.where(key)),
                                  QAPISchemaIfCond(value.get("if")))
                for key, value in data.items()]

    def _def_enum_type(self, expr: JSONObject, info: SourceInfo, doc: QAPIDoc | None) -> None:
        members = [QAPISchemaEnumMember(value["name"], value.info,
                                        QAPISchemaIfCond(value.get("if")),
                                        self._make_features(value.get("features")))
                   for value in expr["data"]]
        self._def_entity(QAPISchemaEnumType(
            expr["enum"], info, doc, QAPISchemaIfCond(expr.get("if")),
            self._make_features(expr.get("features")), members, expr.get("prefix")))

    def _def_struct_type(self, expr: JSONObject, info: SourceInfo, doc: QAPIDoc | None) -> None:
        self._def_entity(QAPISchemaObjectType(
            expr["struct"], info, doc, QAPISchemaIfCond(expr.get("if")),
            self._make_features(expr.get("features")), expr.get("base"),
            self._make_members(expr["data"]), None))

    def _def_union_type(self, expr: JSONObject, info: SourceInfo, doc: QAPIDoc | None) -> None:
        name = expr["union"]
        ifcond = QAPISchemaIfCond(expr.get("if"))
        base = expr["base"]
        if isinstance(base, JSONObject):
            base = self._make_implicit_object_type(
                name, info, ifcond, "base", self._make_members(base))
        variants = self._make_variants(expr["data"])
        self._def_entity(QAPISchemaObjectType(
            name, info, doc, ifcond, self._make_features(expr.get("features")), base, [],
            QAPISchemaVariants(expr["discriminator"], info, None, variants)))

    def _def_alternate_type(self, expr: JSONObject, info: SourceInfo,
                            doc: QAPIDoc | None) -> None:
        variants = self._make_variants(expr["data"])
        tag_member = QAPISchemaObjectTypeMember("type", info, "QType", False)
        self._def_entity(QAPISchemaAlternateType(
            expr["alternate"], info, doc, QAPISchemaIfCond(expr.get("if")),
            self._make_features(expr.get("features")),
            QAPISchemaVariants(None, info, tag_member, variants)))

    def _arguments(self, name: str, data: object, info: SourceInfo,
                   ifcond: QAPISchemaIfCond) -> str | None:
        if isinstance(data, JSONObject):
            return self._make_implicit_object_type(
                name, info, ifcond, "arg", self._make_members(data))
        assert data is None or isinstance(data, str)
        return data

    def _def_command(self, expr: JSONObject, info: SourceInfo, doc: QAPIDoc | None) -> None:
        name = expr["command"]
        ifcond = QAPISchemaIfCond(expr.get("if"))
        features = self._make_features(expr.get("features"))
        data = self._arguments(name, expr.get("data"), info, ifcond)
        rets = expr.get("returns")
        if rets is not None:
            rets = self._type_ref(rets, info)
        self._def_entity(QAPISchemaCommand(
            name, info, doc, ifcond, features, data, rets,
            expr.get("gen", True), expr.get("success-response", True),
            expr.get("boxed", False), expr.get("allow-oob", False),
            expr.get("allow-preconfig", False), expr.get("coroutine", False)))

    def _def_event(self, expr: JSONObject, info: SourceInfo, doc: QAPIDoc | None) -> None:
        name = expr["event"]
        ifcond = QAPISchemaIfCond(expr.get("if"))
        features = self._make_features(expr.get("features"))
        data = self._arguments(name, expr.get("data"), info, ifcond)
        self._def_entity(QAPISchemaEvent(
            name, info, doc, ifcond, features, data, expr.get("boxed", False)))

    def _def_include(self, expr: JSONObject, info: SourceInfo) -> None:
        self._def_entity(QAPISchemaInclude(self._make_module(expr["include"]), info))

    def _def_exprs(self, exprs: list[TopLevelExpr]) -> None:
        definers = {
            "enum": self._def_enum_type, "struct": self._def_struct_type,
            "union": self._def_union_type, "alternate": self._def_alternate_type,
            "command": self._def_command, "event": self._def_event,
        }
        for elem in exprs:
            if "include" in elem.expr:
                self._def_include(elem.expr, elem.info)
                continue
            meta = next(key for key in elem.expr if key in definers)
            definers[meta](elem.expr, elem.info, elem.doc)

    def check(self) -> None:
        for entity in self._entity_list:
            entity.check(self)
            entity.connect_doc()
            entity.check_doc()
        for entity in self._entity_list:
            entity.set_module(self)

    def visit(self, visitor: QAPISchemaVisitor) -> None:
        visitor.visit_begin(self)
        for module in self._module_dict.values():
            module.visit(visitor)
        visitor.visit_end()

