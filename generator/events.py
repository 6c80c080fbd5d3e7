"""The ``events`` back end: ``{prefix}qapi_events.py``, a function per event.

``send_NAME(**data)`` (keyword arguments in schema order, absent optional
ones left out or ``ABSENT``; for a 'boxed' event, the data object) builds
the event's data with the visitors and hands the event to
`runtime.events.emit_event`, which stamps and emits it.  The module also
has ``QAPIEvent``, an enumeration of the event names, as QEMU's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.backends import GenOptions, register
from generator.output import generated_header, write_if_changed
from generator.pygen import (
    CYTHON_DIRECTIVES,
    class_name,
    condition,
    doc_summary,
    enum_member_names,
    import_sibling,
    module_prefix,
    py_name,
    render,
    to_json_function,
    type_hint,
)
from qapi.common import c_name
from qapi.schema import QAPISchema, QAPISchemaEnumMember, QAPISchemaEnumType, QAPISchemaEvent


@dataclass
class EventView:
    """One event and its send function."""

    name: str
    function: str
    doc: str
    params: list[str] = field(default_factory=list)
    """The send function's parameters, declared."""
    data_type: str | None = None
    data_to_json: str | None = None
    fields: list[str] = field(default_factory=list)
    """``name=name`` for each member, to build the data object."""
    boxed: bool = False
    ifcond: str | None = None

    @property
    def uses_any(self) -> bool:
        """Whether a parameter is annotated ``Any``."""
        return any("Any" in param for param in self.params)


def _event_view(event: QAPISchemaEvent) -> EventView:
    assert event.name is not None
    view = EventView(event.name, "send_" + c_name(event.name).lower(),
                     doc_summary(event.doc, "", lead=f"Emit {event.name}: "),
                     boxed=event.boxed, ifcond=condition(event.ifcond))
    arg_type = event.arg_type
    if arg_type is None or arg_type.is_empty():
        return view
    view.data_type = class_name(arg_type)
    view.data_to_json = to_json_function(arg_type)
    if event.boxed:
        view.params = [f"data: {class_name(arg_type)}"]
        return view
    for member in arg_type.members:
        attr = py_name(member.name)
        hint = type_hint(member.type)
        view.params.append(f"{attr}: {hint} | Absent = ABSENT" if member.optional
                           else f"{attr}: {hint}")
        view.fields.append(f"{attr}={attr}")
    return view


def _event_enum(schema: QAPISchema, events: list[QAPISchemaEvent], prefix: str) -> list[
        tuple[str, str]]:
    """(Python name, event name) of each ``QAPIEvent`` value."""
    enum = QAPISchemaEnumType(f"{prefix}QAPIEvent", None, None, None, None,
                              [QAPISchemaEnumMember(e.name or "", None) for e in events], None)
    return list(zip(enum_member_names(enum), [e.name or "" for e in events], strict=True))


def events_module(schema: QAPISchema, prefix: str) -> str:
    """The text of the events module."""
    events = [entity for entity in schema.entities if isinstance(entity, QAPISchemaEvent)]
    header = generated_header(schema.fname, "QMP events: a function to send each.")
    return render("events.py.j2", header=header, directives=CYTHON_DIRECTIVES,
                  import_visit=import_sibling(f"{prefix}qapi_visit"),
                  events=[_event_view(event) for event in events],
                  enum_name=f"{prefix}QAPIEvent", enum_values=_event_enum(schema, events, prefix))


@register("events")
def gen_events(schema: QAPISchema, options: GenOptions) -> list[str]:
    """Write ``{prefix}qapi_events.py``."""
    prefix = module_prefix(options.prefix)
    fname = f"{prefix}qapi_events.py"
    return [write_if_changed(options.output_dir, fname, events_module(schema, prefix))]
