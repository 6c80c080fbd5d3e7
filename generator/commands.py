"""The ``commands`` back end: ``{prefix}qapi_commands.py``, a marshaller per
command and ``build_registry()``, which returns a `runtime.dispatch.
CommandRegistry` holding every command with its flags.

``marshal_NAME(impl, arguments)`` reads the arguments (a dict, as a QMP
client sent them) with the visitors, calls ``impl`` with keyword
arguments in schema order (absent optional ones as ``ABSENT``) or, for a
'boxed' command, with the argument object, and returns the result's JSON
form (``{}`` when the command returns nothing).  ``'gen': false`` commands
get no marshaller: their implementation takes the arguments dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.backends import GenOptions, register
from generator.output import generated_header, write_if_changed
from generator.pygen import (
    CYTHON_DIRECTIVES,
    condition,
    doc_summary,
    from_json_function,
    import_sibling,
    module_prefix,
    py_name,
    render,
    to_json_function,
    type_hint,
)
from qapi.common import c_name
from qapi.schema import QAPISchema, QAPISchemaCommand


@dataclass
class CommandView:
    """One command: its marshaller and its registry entry."""

    name: str
    function: str
    doc: str
    arg_from_json: str | None = None
    boxed: bool = False
    call_args: list[str] = field(default_factory=list)
    """The implementation's keyword arguments: ``name=args.name``."""
    ret_to_json: str | None = None
    ret_hint: str = "None"
    flags: list[str] = field(default_factory=list)
    """The non-default keyword arguments of its `Command`."""
    ungenerated: bool = False
    """'gen': false: no marshaller."""


def _flags(command: QAPISchemaCommand) -> list[str]:
    flags = []
    # 'gen' and 'boxed' show in the marshaller (None, or its argument).
    for flag, default in (("success_response", True), ("allow_oob", False),
                          ("allow_preconfig", False), ("coroutine", False), ("boxed", False)):
        if getattr(command, flag) != default:
            flags.append(f"{flag}={getattr(command, flag)}")
    if command.features:
        names = ", ".join(f'"{f.name}"' for f in command.features)
        flags.append(f"features=({names}{',' if len(command.features) == 1 else ''})")
    cond = condition(command.ifcond)
    if cond:
        flags.append(f"ifcond={cond}")
    return flags


def _command_view(command: QAPISchemaCommand) -> CommandView:
    assert command.name is not None
    view = CommandView(command.name, "marshal_" + c_name(command.name),
                       doc_summary(command.doc, "", lead=f"{command.name}: "),
                       boxed=command.boxed, flags=_flags(command),
                       ungenerated=not command.gen)
    if command.arg_type is not None and not command.arg_type.is_empty():
        view.arg_from_json = from_json_function(command.arg_type)
        if not command.boxed:
            view.call_args = [f"{py_name(m.name)}=args.{py_name(m.name)}"
                              for m in command.arg_type.members]
    if command.ret_type is not None:
        view.ret_to_json = to_json_function(command.ret_type) or "visit_scalar_to_json"
        view.ret_hint = type_hint(command.ret_type)
    return view


def commands_module(schema: QAPISchema, prefix: str) -> str:
    """The text of the commands module."""
    commands = [_command_view(entity) for entity in schema.entities
                if isinstance(entity, QAPISchemaCommand)]
    header = generated_header(schema.fname, "QMP commands: marshallers and their registry.")
    return render("commands.py.j2", header=header, directives=CYTHON_DIRECTIVES,
                  import_visit=import_sibling(f"{prefix}qapi_visit"), commands=commands)


@register("commands")
def gen_commands(schema: QAPISchema, options: GenOptions) -> list[str]:
    """Write ``{prefix}qapi_commands.py``."""
    prefix = module_prefix(options.prefix)
    fname = f"{prefix}qapi_commands.py"
    return [write_if_changed(options.output_dir, fname, commands_module(schema, prefix))]
