"""What the back ends that write Python (Cython pure-Python mode) share:
how schema names become Python names, how conditions and documentation
are written, module names, and the jinja2 environment of the templates.
"""

from __future__ import annotations

import functools
import json
import os
import re
import textwrap
from typing import Any

import jinja2

from qapi.common import c_name
from qapi.doc import QAPIDoc
from qapi.schema import (
    QAPISchemaAlternateType,
    QAPISchemaArrayType,
    QAPISchemaBuiltinType,
    QAPISchemaEnumType,
    QAPISchemaIfCond,
    QAPISchemaObjectType,
    QAPISchemaType,
)

LINE_LENGTH = 100

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# Cython reads these from the first comment lines.  They keep the C code
# small (it takes long to compile): functions need no introspection
# support, one-argument functions take no keywords.  Type hints are
# documentation only: they must not turn into C type checks.
CYTHON_DIRECTIVES = ("# cython: language_level=3, binding=False, always_allow_keywords=False\n"
                     "# cython: annotation_typing=False, emit_code_comments=False")

# Names generated modules import or define themselves; a schema type of
# the same name gets a prefix instead of hiding them.
_RESERVED = frozenset("""
    Any Callable StrEnum ABSENT Absent QAPIStruct QAPIAlternate optional_member
    CONDITIONS Key Path Command CommandRegistry QAPIEvent annotations cython
""".split())

# Builtin types whose JSON form needs no conversion on output.
_JSON_SCALARS = frozenset(("str", "number", "int", "int8", "int16", "int32", "int64",
                           "uint8", "uint16", "uint32", "uint64", "size", "bool",
                           "any", "null"))


def module_prefix(prefix: str) -> str:
    """The module-name prefix for ``-p PREFIX`` (which may hold '-' or '.')."""
    return c_name(prefix, protect=False)


@functools.cache
def py_name(name: str) -> str:
    """A schema name as a Python identifier (attribute, parameter, class).

    It is QEMU's C name: keywords of C and Python get ``q_``
    (``default`` is ``q_default``).  Downstream names ``__com.example_foo``
    would start with two underscores, which Python mangles inside
    classes; they get ``q_`` too, as does ``self``.
    """
    ident = c_name(name)
    # 'self' would clash with the first parameter of __init__.
    return "q_" + ident if ident.startswith("__") or ident == "self" else ident


def class_name(typ: QAPISchemaType | str) -> str:
    """The Python class of a schema type: its C name, e.g. ``q_obj_X_arg``."""
    name = typ if isinstance(typ, str) else typ.name
    assert name is not None
    ident = py_name(name)
    return "q_" + ident if ident in _RESERVED else ident


def enum_member_names(enum: QAPISchemaEnumType) -> list[str]:
    """The Python names of an enumeration's values, in order, all distinct.

    ``'io_uring'`` -> ``IO_URING``.  Values that differ only in case or
    punctuation get a numeric suffix rather than collide.
    """
    names: list[str] = []
    for member in enum.members:
        ident = c_name(member.name, protect=False).upper()
        if not ident[:1].isalpha():
            ident = "Q_" + ident
        candidate, counter = ident, 2
        while candidate in names:
            candidate, counter = f"{ident}_{counter}", counter + 1
        names.append(candidate)
    return names


def is_builtin_scalar(typ: QAPISchemaType) -> bool:
    return isinstance(typ, QAPISchemaBuiltinType)


def is_builtin_array(typ: QAPISchemaType) -> bool:
    return isinstance(typ, QAPISchemaArrayType) and is_builtin_scalar(typ.element_type)


def from_json_function(typ: QAPISchemaType) -> str:
    """The input visitor of a type (built-in scalars' come from runtime.visitor)."""
    if is_builtin_scalar(typ) or is_builtin_array(typ):
        assert typ.name is not None
        return f"visit_{typ.name}_from_json"
    return f"visit_{class_name(typ)}_from_json"


def to_json_function(typ: QAPISchemaType) -> str | None:
    """What turns a value of the type into JSON: a callable's name, or None
    when the value is its own JSON form (built-in scalars)."""
    if is_builtin_scalar(typ):
        return None
    if is_builtin_array(typ):
        return "list"  # a copy
    if isinstance(typ, QAPISchemaEnumType):
        return "str"
    return f"visit_{class_name(typ)}_to_json"


_INT_RANGES = {
    "int": (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    "int64": (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    "int8": (-0x80, 0x7F), "int16": (-0x8000, 0x7FFF), "int32": (-0x80000000, 0x7FFFFFFF),
    "uint8": (0, 0xFF), "uint16": (0, 0xFFFF), "uint32": (0, 0xFFFFFFFF),
    "uint64": (0, 0xFFFFFFFFFFFFFFFF), "size": (0, 0xFFFFFFFFFFFFFFFF),
}


def _hex(number: int) -> str:
    return f"-0x{-number:X}" if number < 0 else f"0x{number:X}"


def fast_check(typ: QAPISchemaType, var: str = "value") -> str | None:
    """For a built-in scalar: a test on ``var`` that passes when it already
    is right, so the visitor call can be kept for the rare cases (errors,
    conversions).  Compiled, it saves a call per member."""
    if not is_builtin_scalar(typ):
        return None
    assert typ.name is not None
    if typ.name in _INT_RANGES:
        low, high = _INT_RANGES[typ.name]
        return f"type({var}) is int and {_hex(low)} <= {var} <= {_hex(high)}"
    return {
        "str": f"isinstance({var}, str)",
        "bool": f"{var} is True or {var} is False",
        "number": f"type({var}) is float",
        "any": f"{var} is not ABSENT",
        "null": f"{var} is None",
    }[typ.name]


def type_hint(typ: QAPISchemaType) -> str:
    """The Python annotation for values of a type."""
    if isinstance(typ, QAPISchemaBuiltinType):
        return {"string": "str", "number": "float", "int": "int", "boolean": "bool",
                "null": "None"}.get(typ.json_type(), "Any")
    if isinstance(typ, QAPISchemaArrayType):
        return f"list[{type_hint(typ.element_type)}]"
    return class_name(typ)


def json_check(typ: QAPISchemaType) -> str:
    """A Python test on ``value`` for the JSON type an alternate branch takes."""
    return {
        "object": "isinstance(value, dict)", "array": "isinstance(value, list)",
        "string": "isinstance(value, str)", "boolean": "type(value) is bool",
        "int": "type(value) is int or type(value) is float",
        "number": "type(value) is int or type(value) is float",
        "null": "value is None",
    }[typ.json_type()]


def condition(ifcond: QAPISchemaIfCond) -> str | None:
    """A condition as a Python literal (``"CONFIG_X"``, ``{"all": [...]}``), or None."""
    return json.dumps(ifcond.ifcond) if ifcond.is_present() else None


@functools.cache
def py_string(text: str) -> str:
    """A Python string literal, double-quoted as in the rest of the code."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def doc_summary(doc: QAPIDoc | None, fallback: str, indent: int = 4, lead: str = "") -> str:
    """A docstring's text: ``lead`` and the first paragraph of a
    definition's documentation, filled to the line length at ``indent``."""
    text = doc.body.text.strip() if doc is not None else ""
    paragraph = lead + (text.split("\n\n")[0] if text else fallback)
    paragraph = " ".join(paragraph.split())
    paragraph = paragraph.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if paragraph.endswith('"'):
        paragraph += " "
    lines = textwrap.wrap(paragraph, LINE_LENGTH - indent - 6, break_long_words=False,
                          break_on_hyphens=False)
    return ("\n" + " " * indent).join(lines)


def wrap(items: list[str], prefix: str, suffix: str, indent: int = 0,
         tuple_: bool = False) -> str:
    """``prefix`` items ``suffix`` on one line, or one item per line when
    that is too long.  ``tuple_``: a one-item tuple needs its comma."""
    one_line = ", ".join(items)
    if tuple_ and len(items) == 1:
        one_line += ","
    if indent + len(prefix) + len(one_line) + len(suffix) <= LINE_LENGTH:
        return prefix + one_line + suffix
    inner = " " * (indent + 4)
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{prefix}\n{body}{' ' * indent}{suffix}"


def describe(typ: QAPISchemaType) -> str:
    """What a type is, for docstrings when the schema does not say."""
    if isinstance(typ, QAPISchemaObjectType):
        assert typ.name is not None
        if typ.name.endswith("-arg"):
            what = "data of event" if typ.info and typ.info.defn_meta == "event" \
                else "arguments of"
            return f"The {what} '{typ.name[len('q_obj_'):-len('-arg')]}'."
        if typ.name.endswith("-base"):
            return f"The common members of union '{typ.name[len('q_obj_'):-len('-base')]}'."
        return f"{typ.meta.capitalize()} {typ.name}."
    if isinstance(typ, QAPISchemaAlternateType):
        return f"Alternate {typ.name}."
    return f"{typ.meta.capitalize()} {typ.name}."


def call(prefix: str, function: str, args: list[str], indent: int = 0) -> str:
    """``prefix function(args)``, the arguments on a line of their own when
    the whole does not fit on one (``indent``: where the first line starts)."""
    one_line = f"{prefix}{function}({', '.join(args)})"
    if indent + len(one_line) <= LINE_LENGTH:
        return one_line
    return f"{prefix}{function}(\n{' ' * (indent + 4)}{', '.join(args)})"


def signature(function: str, params: str, returns: str) -> str:
    """A ``def`` line, the parameters on a line of their own when too long."""
    one_line = f"def {function}({params}) -> {returns}:"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    return f"def {function}(\n        {params}) -> {returns}:"


def import_sibling(module: str, names: list[str] | None = None) -> str:
    """Import a module generated alongside: from the same package when the
    output directory is one, from ``sys.path`` when it is not.

    Without ``names``, everything public.  Cython can only use annotations
    whose names it sees imported, so the visit module names what it takes.
    """
    if names is None:
        what, lint = "*", "  # noqa: F403"
    else:
        lines = textwrap.wrap(", ".join(names) + ",", LINE_LENGTH - 8)
        what, lint = "(\n" + "".join(f"        {line}\n" for line in lines) + "    )", ""
    return (f"try:\n    from .{module} import {what}{lint}\n"
            f"except ImportError:\n"
            f"    from {module} import {what}  # type: ignore[no-redef]{lint}\n")


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    # Compiling the templates is a tenth of a qapi-gen run; jinja2 keeps
    # them compiled in a private folder of the temporary directory.
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no safe folder: compile every time
        return None


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment (built once: compiling templates costs)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False, bytecode_cache=_bytecode_cache())
    env.filters["py_string"] = py_string
    env.globals["wrap"] = wrap
    env.globals["call"] = call
    env.globals["signature"] = signature
    return env


def render(template: str, **context: Any) -> str:
    """Render a template, and tidy the blank lines it leaves."""
    text = environment().get_template(template).render(**context)
    return re.sub(r"\n{4,}", "\n\n\n", text)
