"""Device state back end: a serializer module per description file.

For each description the module has ``save_X(out, state, version_id,
desc)`` and ``load_X(inp, state, version_id, desc)``, written in Cython's
pure-Python mode (plain Python until compiled), and a
``runtime.migration.vmstate.Description`` wrapping them.  Consecutive
fixed-size scalar fields present under the same condition are packed and
unpacked with one ``struct.Struct``; the vmdesc entries QEMU would write
are made only when ``desc`` is given.

Run as ``vmstate-gen`` (or ``python -m generator.vmstate``) on a ``.vmsd``
file; as a qapi-gen back end (``vmstate``) it does nothing for QAPI
schemas, which hold no descriptions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2

from generator.output import generated_header, write_if_changed
from qapi.common import c_name
from qapi.error import QAPIError
from qapi.vmstate_schema import (
    VMStateDescription,
    VMStateField,
    VMStateSchema,
)

if TYPE_CHECKING:
    pass

_FORMAT = {
    "bool": "?", "int8": "b", "int16": "h", "int32": "i", "int64": "q",
    "uint8": "B", "uint16": "H", "uint32": "I", "uint64": "Q", "timer": "q",
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
    keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)
_TEMPLATES.filters["py"] = repr


def module_name(fname: str, prefix: str = "") -> str:
    """The generated module's name for description file ``fname``."""
    stem = os.path.splitext(os.path.basename(fname))[0]
    return f"{prefix}vmstate_{c_name(stem, protect=False)}"


class _Code:
    """Lines of Python with an indentation level."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def add(self, line: str = "") -> None:
        self.lines.append(("    " * self.level + line) if line else "")

    def indent(self) -> None:
        self.level += 1

    def dedent(self) -> None:
        self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass
class _Group:
    """Fields written with one struct layout, under one condition."""

    condition: str | None
    fields: list[VMStateField] = field(default_factory=list)

    def layout(self) -> str:
        parts = []
        for member in self.fields:
            assert member.type is not None
            count = member.array if member.array is not None else 1
            parts.append(f"{count}{_FORMAT[member.type]}" if member.is_array
                         else _FORMAT[member.type])
        return ">" + "".join(parts)


def _packable(member: VMStateField) -> bool:
    return (member.kind == "scalar" and member.compare is None and member.test is None
            and member.array_member is None)


def _unconditional(description: VMStateDescription, member: VMStateField) -> bool:
    return member.test is None and member.version <= description.minimum_version


def _condition(description: VMStateDescription, member: VMStateField, vmsd: str) -> str | None:
    if member.test is not None:
        return (f"field_exists(obj, {member.test!r}, version_id, {vmsd!r}, "
                f"{member.name!r})")
    if member.version > description.minimum_version:
        return f"version_id >= {member.version}"
    return None


def _min_size(description: VMStateDescription, memo: dict[str, int]) -> int:
    """The fewest bytes one instance of ``description`` takes on the wire."""
    if description.key in memo:
        return memo[description.key]
    total = 0
    for member in description.fields:
        if not _unconditional(description, member) or member.array_member is not None:
            continue
        count = member.array if member.array is not None else 1
        if member.kind in ("scalar", "unused") or (member.kind == "buffer"
                                                    and member.size_member is None):
            total += member.element_size * count
        elif member.kind == "struct":
            assert member.struct is not None
            total += _min_size(member.struct, memo) * count
    memo[description.key] = total
    return total


class VMStateGenerator:
    """Writes the serializer module of one description schema."""

    def __init__(self, schema: VMStateSchema) -> None:
        self.schema = schema
        self._layouts: dict[str, str] = {}
        self._zeros: dict[int, str] = {}
        self._min_sizes: dict[str, int] = {}
        self.function_names: dict[str, str] = {}
        for description in schema:
            self._function_name(description)

    def _function_name(self, description: VMStateDescription) -> str:
        key = self._key(description)
        name = c_name(key, protect=False)
        for other_key, other in self.function_names.items():
            if other == name and other_key != key:
                raise QAPIError(description.info,
                                f"vmstate '{key}' and '{other_key}' make the same Python "
                                f"name '{name}'")
        self.function_names[key] = name
        return name

    @staticmethod
    def _key(description: VMStateDescription) -> str:
        return description.key

    def _fn(self, description: VMStateDescription) -> str:
        return self.function_names[self._key(description)]

    def _layout(self, fmt: str) -> str:
        if fmt not in self._layouts:
            self._layouts[fmt] = f"_L{len(self._layouts)}"
        return self._layouts[fmt]

    def _zero_bytes(self, size: int) -> str:
        if size not in self._zeros:
            self._zeros[size] = f"_ZEROS_{size}"
        return self._zeros[size]

    # -- the module --------------------------------------------------------

    def module_text(self, source: str) -> str:
        functions = []
        descriptions = []
        for description in self.schema:
            fn = self._fn(description)
            functions.append(self._save_function(description, fn))
            functions.append(self._load_function(description, fn))
            descriptions.append({
                "key": self._key(description), "fn": fn, "name": description.name,
                "version": description.version, "minimum": description.minimum_version,
                "properties": tuple(description.properties),
                "min_size": _min_size(description, self._min_sizes),
                "needed": description.needed,
                "subsections": [(sub.name, self._fn(sub)) for sub in description.subsections],
            })
        template = _TEMPLATES.get_template("vmstate.py.j2")
        return template.render(
            header=generated_header(
                source, f"Device state serializers of {os.path.basename(source)}."),
            source=os.path.basename(source),
            layouts=sorted(self._layouts.items(), key=lambda item: int(item[1][2:])),
            zeros=sorted(self._zeros.items()),
            functions=functions,
            descriptions=descriptions)

    # -- save --------------------------------------------------------------

    def _save_function(self, description: VMStateDescription, fn: str) -> str:
        vmsd = description.name
        code = _Code()
        code.add(f"def save_{fn}(out: StreamWriter, obj: object, version_id: cython.int,")
        code.add("        desc: dict | None) -> None:")
        code.indent()
        code.add(f'"""Write {vmsd!r} (version {description.version}) from ``obj``."""')
        code.add('field: str = ""')
        if description.hook("pre-save"):
            code.add(f"call_hook(obj, {description.hook('pre-save')!r}, {vmsd!r}, 'pre-save')")
        code.add("try:")
        code.indent()
        code.add(f"fields = begin_desc(desc, {vmsd!r}, version_id) "
                 "if desc is not None else None")
        for condition, members in self._runs(description):
            self._run(code, condition, members,
                      lambda member: self._save_field(code, description, member))
        for sub in description.subsections:
            code.add(f"field = {sub.name!r}")
            code.add(f"if is_needed(obj, {sub.needed!r}, {sub.name!r}):")
            code.indent()
            code.add(f"save_subsection(out, obj, _D_{self._fn(sub)}, desc)")
            code.dedent()
        code.dedent()
        code.add("except MigrationError as exc:")
        code.add(f"    in_field(exc, {vmsd!r}, field)")
        code.add("    raise")
        code.add("except _SAVE_ERRORS as exc:")
        code.add(f"    raise save_error({vmsd!r}, field, exc) from exc")
        if description.hook("post-save"):
            code.add("finally:")
            code.add(f"    call_hook(obj, {description.hook('post-save')!r}, {vmsd!r}, "
                     "'post-save')")
        code.dedent()
        return code.text()

    def _runs(self, description: VMStateDescription
              ) -> list[tuple[str | None, list[VMStateField | _Group]]]:
        """Fields under the same condition, packable neighbours grouped."""
        runs: list[tuple[str | None, list[VMStateField | _Group]]] = []
        vmsd = description.name
        for member in description.fields:
            condition = _condition(description, member, vmsd)
            if member.test is not None or not runs or runs[-1][0] != condition:
                runs.append((condition, []))
            items = runs[-1][1]
            if _packable(member):
                if items and isinstance(items[-1], _Group):
                    items[-1].fields.append(member)
                else:
                    items.append(_Group(condition, [member]))
            else:
                items.append(member)
        return runs

    @staticmethod
    def _run(code: _Code, condition: str | None, members: list[VMStateField | _Group],
             emit: Callable[[VMStateField | _Group], None]) -> None:
        """Fields under one condition; ``field`` names the one being handled."""
        for index, member in enumerate(members):
            label = member.name if isinstance(member, VMStateField) else member.fields[0].name
            if isinstance(member, _Group) and len(member.fields) > 1:
                label += ".." + member.fields[-1].name
            code.add(f"field = {label!r}")
            if index == 0 and condition is not None:
                code.add(f"if {condition}:")
                code.indent()
            emit(member)
        if condition is not None:
            code.dedent()

    def _save_field(self, code: _Code, description: VMStateDescription,
                    member: VMStateField | _Group) -> None:
        if isinstance(member, _Group):
            self._save_group(code, member)
            return
        vmsd = description.name
        value = f"obj.{member.member}"
        if member.kind == "scalar" and not member.is_array:
            assert member.type is not None
            code.add(f"out.pack({self._layout('>' + _FORMAT[member.type])}, {value})")
            code.add("if fields is not None:")
            code.add(f"    desc_elements(fields, {member.vmdesc_name!r}, "
                     f"{member.vmdesc_type!r}, {member.element_size}, 1, True)")
        elif member.kind == "scalar":
            assert member.type is not None
            code.add(f"count = {self._scalar_count(member, vmsd)}")
            code.add(f"out.write(pack_array({_FORMAT[member.type]!r}, count, {value}))")
            code.add("if fields is not None:")
            code.add(f"    desc_elements(fields, {member.vmdesc_name!r}, "
                     f"{member.vmdesc_type!r}, {member.element_size}, count, "
                     f"{member.can_compress()})")
        elif member.kind == "buffer":
            size = self._buffer_size(member, vmsd)
            code.add(f"size = {size}")
            code.add(f"out.write(check_buffer({value}, size))")
            code.add("if fields is not None:")
            code.add(f"    desc_elements(fields, {member.vmdesc_name!r}, "
                     f"{member.vmdesc_type!r}, size, 1, True)")
        elif member.kind == "unused":
            code.add(f"out.write({self._zero_bytes(member.element_size)})")
            code.add("if fields is not None:")
            code.add(f"    desc_elements(fields, {member.vmdesc_name!r}, 'unused_buffer', "
                     f"{member.element_size}, 1, True)")
        elif member.kind == "struct":
            assert member.struct is not None
            version = member.struct_version if member.struct_version is not None \
                else member.struct.version
            count, single = self._struct_count(member, vmsd)
            elements = value if not single else f"({value},)"
            code.add(f"save_structs(out, {elements}, {count}, _D_{self._fn(member.struct)}, "
                     f"{version}, fields, {member.vmdesc_name!r}, {member.can_compress()}, "
                     f"{member.vmdesc_type!r}, {self._nesting(member)!r})")

    def _save_group(self, code: _Code, group: _Group) -> None:
        values = []
        for member in group.fields:
            values.append(f"*obj.{member.member}" if member.is_array else f"obj.{member.member}")
        layout = self._layout(group.layout())
        code.add(f"out.pack({layout}, {', '.join(values)})")
        entries = []
        for member in group.fields:
            count = member.array if member.array is not None else 1
            if count == 0:
                continue
            entry = f'"name": {member.vmdesc_name!r}, '
            if count > 1:
                entry += f'"array_len": {count}, '
            entry += f'"type": {member.vmdesc_type!r}, "size": {member.element_size}'
            entries.append(f"fields.append({{{entry}}})")
        self._if_fields(code, entries)

    # -- load --------------------------------------------------------------

    def _load_function(self, description: VMStateDescription, fn: str) -> str:
        vmsd = description.name
        code = _Code()
        code.add(f"def load_{fn}(inp: StreamReader, obj: object, version_id: cython.int,")
        code.add("        desc: dict | None) -> None:")
        code.indent()
        code.add(f'"""Read {vmsd!r} (versions {description.minimum_version} to '
                 f'{description.version}) into ``obj``."""')
        code.add(f"check_version(inp, {vmsd!r}, version_id, {description.version}, "
                 f"{description.minimum_version})")
        if description.hook("pre-load"):
            code.add(f"call_hook(obj, {description.hook('pre-load')!r}, {vmsd!r}, 'pre-load')")
        code.add('field: str = ""')
        code.add("try:")
        code.indent()
        code.add(f"fields = begin_desc(desc, {vmsd!r}, version_id) "
                 "if desc is not None else None")
        parents = self._parents(description)
        for path, var in parents.items():
            owner, _, last = path.rpartition(".")
            code.add(f"{var} = child({parents[owner] if owner else 'obj'}, {last!r})")
        for condition, members in self._runs(description):
            self._run(code, condition, members,
                      lambda member: self._load_field(code, description, member, parents))
        code.add('field = ""')
        code.add(f"load_subsections(inp, obj, _D_{fn}, desc)")
        code.dedent()
        code.add("except MigrationError as exc:")
        code.add(f"    in_field(exc, {vmsd!r}, field)")
        code.add("    raise")
        if description.hook("post-load"):
            code.add(f"call_hook(obj, {description.hook('post-load')!r}, {vmsd!r}, "
                     "'post-load', version_id)")
        code.dedent()
        return code.text()

    @staticmethod
    def _parents(description: VMStateDescription) -> dict[str, str]:
        """Variables for the objects dotted members live in, outermost first."""
        paths: list[str] = []
        members = [m.member for m in description.fields if m.kind not in ("unused", "validate")]
        members += [m.array_member for m in description.fields if m.array_member]
        members += [m.size_member for m in description.fields if m.size_member]
        for member in members:
            parts = member.split(".")[:-1]
            for depth in range(1, len(parts) + 1):
                path = ".".join(parts[:depth])
                if path not in paths:
                    paths.append(path)
        return {path: "m_" + path.replace(".", "_") for path in paths}

    @staticmethod
    def _target(member: str, parents: dict[str, str]) -> str:
        owner, _, last = member.rpartition(".")
        return f"{parents[owner]}.{last}" if owner else f"obj.{last}"

    @staticmethod
    def _owner_and_name(member: str, parents: dict[str, str]) -> tuple[str, str]:
        owner, _, last = member.rpartition(".")
        return (parents[owner] if owner else "obj"), last

    def _load_field(self, code: _Code, description: VMStateDescription,
                    member: VMStateField | _Group, parents: dict[str, str]) -> None:
        if isinstance(member, _Group):
            self._load_group(code, member, parents)
            return
        vmsd = description.name
        target = self._target(member.member, parents)
        if member.kind == "scalar" and not member.is_array:
            assert member.type is not None
            code.add(f"value = inp.unpack({self._layout('>' + _FORMAT[member.type])})[0]")
            if member.compare is not None:
                owner, last = self._owner_and_name(member.member, parents)
                code.add(f"store_compared(inp, {owner}, {last!r}, value, {member.compare!r}, "
                         f"{vmsd!r}, {member.name!r})")
            else:
                code.add(f"{target} = value")
            code.add("if fields is not None:")
            code.add(f"    desc_loaded(fields, {member.vmdesc_name!r}, {member.vmdesc_type!r}, "
                     f"{member.element_size}, value, True, True)")
        elif member.kind == "scalar":
            assert member.type is not None
            code.add(f"count = element_count(inp, {self._scalar_count(member, vmsd, parents)}, "
                     f"{member.element_size}, {vmsd!r}, {member.name!r})")
            code.add(f"values = unpack_array(inp, {_FORMAT[member.type]!r}, count, "
                     f"{member.element_size})")
            code.add(f"{target} = values")
            code.add("if fields is not None:")
            code.add(f"    desc_loaded(fields, {member.vmdesc_name!r}, {member.vmdesc_type!r}, "
                     f"{member.element_size}, values, {member.can_compress()}, False)")
        elif member.kind == "buffer":
            code.add(f"size = {self._buffer_size(member, vmsd, parents)}")
            code.add("inp.check_size(size, 'buffer')")
            code.add("value = inp.get_bytes(size)")
            code.add(f"{target} = value")
            code.add("if fields is not None:")
            code.add(f"    desc_loaded(fields, {member.vmdesc_name!r}, {member.vmdesc_type!r}, "
                     "size, value, True, True)")
        elif member.kind == "unused":
            code.add("if fields is not None:")
            code.add(f"    desc_loaded(fields, {member.vmdesc_name!r}, 'unused_buffer', "
                     f"{member.element_size}, inp.get_bytes({member.element_size}), True, True)")
            code.add("else:")
            code.add(f"    inp.skip({member.element_size})")
        elif member.kind == "struct":
            assert member.struct is not None
            version = member.struct_version if member.struct_version is not None \
                else member.struct.version
            count, single = self._struct_count(member, vmsd, parents)
            owner, last = self._owner_and_name(member.member, parents)
            sub = f"_D_{self._fn(member.struct)}"
            if single:
                code.add(f"elements = (child({owner}, {last!r}),)")
            else:
                code.add(f"count = element_count(inp, {count}, {sub}.min_size, {vmsd!r}, "
                         f"{member.name!r})")
                code.add(f"elements = children({owner}, {last!r}, count)")
                count = "count"
            code.add(f"load_structs(inp, elements, {count}, {sub}, {version}, fields, "
                     f"{member.vmdesc_name!r}, {member.can_compress()}, "
                     f"{member.vmdesc_type!r}, {self._nesting(member)!r})")
        else:
            assert member.validate is not None
            code.add(f"check_valid(inp, obj, {member.validate!r}, version_id, {vmsd!r}, "
                     f"{member.name!r})")

    def _load_group(self, code: _Code, group: _Group, parents: dict[str, str]) -> None:
        code.add(f"values = inp.unpack({self._layout(group.layout())})")
        index = 0
        entries: list[tuple[VMStateField, str, int | None]] = []
        for member in group.fields:
            target = self._target(member.member, parents)
            if member.is_array:
                count = member.array
                assert count is not None
                code.add(f"{target} = list(values[{index}:{index + count}])")
                if count == 1:
                    entries.append((member, f"values[{index}]", None))
                elif count > 1:
                    entries.append((member, f"list(values[{index}:{index + count}])", count))
                index += count
            else:
                code.add(f"{target} = values[{index}]")
                entries.append((member, f"values[{index}]", None))
                index += 1
        lines = []
        for member, data, count in entries:
            entry = f'"name": {member.vmdesc_name!r}, '
            if count is not None:
                entry += f'"array_len": {count}, '
            entry += (f'"type": {member.vmdesc_type!r}, "size": {member.element_size}, '
                      f'"data": {data}')
            lines.append(f"fields.append({{{entry}}})")
        self._if_fields(code, lines)

    # -- shared ------------------------------------------------------------

    @staticmethod
    def _if_fields(code: _Code, lines: list[str]) -> None:
        """Lines that add vmdesc entries, when a vmdesc is being built."""
        if not lines:
            return
        code.add("if fields is not None:")
        code.indent()
        for line in lines:
            code.add(line)
        code.dedent()

    def _length(self, member_path: str | None, member: VMStateField, vmsd: str,
                parents: dict[str, str] | None = None) -> str:
        assert member_path is not None
        if parents is None:
            owner, _, last = member_path.rpartition(".")
            holder = f"obj.{owner}" if owner else "obj"
        else:
            holder, last = self._owner_and_name(member_path, parents)
        return f"length_of({holder}, {last!r}, {vmsd!r}, {member.name!r})"

    def _scalar_count(self, member: VMStateField, vmsd: str,
                      parents: dict[str, str] | None = None) -> str:
        if member.array is not None:
            return str(member.array)
        return f"max({self._multiplied(member, vmsd, parents)}, 0)"

    def _multiplied(self, member: VMStateField, vmsd: str,
                    parents: dict[str, str] | None) -> str:
        length = self._length(member.array_member, member, vmsd, parents)
        return f"{length} * {member.multiply}" if member.multiply != 1 else length

    def _buffer_size(self, member: VMStateField, vmsd: str,
                     parents: dict[str, str] | None = None) -> str:
        if member.size_member is None:
            return str(member.element_size)
        length = self._length(member.size_member, member, vmsd, parents)
        return f"{length} * {member.multiply}" if member.multiply != 1 else length

    def _struct_count(self, member: VMStateField, vmsd: str,
                      parents: dict[str, str] | None = None) -> tuple[str, bool]:
        if member.array_member is not None:
            return f"max({self._multiplied(member, vmsd, parents)}, 0)", False
        if member.array is not None:
            return str(member.array), False
        return "1", True

    @staticmethod
    def _nesting(member: VMStateField) -> str:
        """How a struct's vmdesc nests: 'struct', 'inline' (vstruct) or 'none' (info)."""
        if member.info_name is not None:
            return "none"
        if member.struct_version is not None:
            return "inline"
        return "struct"


def generate(fname: str, output_dir: str, prefix: str = "") -> str:
    """Compile description file ``fname``; returns the module written."""
    schema = VMStateSchema(fname)
    text = VMStateGenerator(schema).module_text(fname)
    return write_if_changed(output_dir, module_name(fname, prefix) + ".py", text)


def module_source(fname: str) -> str:
    """The serializer module's text for description file ``fname``."""
    return VMStateGenerator(VMStateSchema(fname)).module_text(fname)


def main(argv: list[str] | None = None) -> int:
    """``python -m generator.vmstate``: the same as ``qapi-gen`` on a ``.vmsd`` file."""
    from qapi.main import main as qapi_gen
    return qapi_gen(argv)


if __name__ == "__main__":
    sys.exit(main())
