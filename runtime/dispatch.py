"""The command registry: what each QMP command is, who implements it, and
running it.

A generated commands module builds a `CommandRegistry` holding a `Command`
per command of its schema, with the schema's flags and a marshaller.
The emulator then says who implements each command::

    registry = qapi_commands.build_registry()

    @registry.implements("query-status")
    def query_status() -> StatusInfo: ...

    registry.implement("blockdev-add", block_layer.add)

and the QMP server runs them with `CommandRegistry.execute` (or
`CommandRegistry.execute_async`, which also awaits ``async def``
implementations).

A marshaller (``marshal(impl, arguments)``) reads the arguments with the
visitors, calls ``impl`` with keyword arguments in schema order (absent
optional ones as ``ABSENT``), or with the argument object when the
command is 'boxed', and returns the result's JSON form (``{}`` when the
command returns nothing).  Commands with ``'gen': false`` have none: their
implementation takes the arguments dict and returns the JSON result.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from runtime.config import evaluate
from runtime.errors import CommandNotFound, CommandNotImplemented, GenericError

Implementation = Callable[..., Any]
Marshaller = Callable[[Implementation, dict[str, Any]], Any]
F = TypeVar("F", bound=Implementation)


def finish(result: Any, to_json: Callable[[Any], Any] | None) -> Any:
    """An implementation's result in JSON form; an awaitable of it when
    the implementation is a coroutine."""
    if inspect.isawaitable(result):
        return _finish_later(result, to_json)
    return {} if to_json is None else to_json(result)


async def _finish_later(result: Awaitable[Any], to_json: Callable[[Any], Any] | None) -> Any:
    value = await result
    return {} if to_json is None else to_json(value)


@dataclass(frozen=True)
class Command:
    """A command of the schema: its flags and its marshaller."""

    name: str
    marshal: Marshaller | None
    """None for a ``'gen': false`` command."""
    success_response: bool = True
    allow_oob: bool = False
    allow_preconfig: bool = False
    coroutine: bool = False
    boxed: bool = False
    features: tuple[str, ...] = ()
    ifcond: Any = None
    """The schema's 'if' condition, checked against runtime.config."""

    @property
    def gen(self) -> bool:
        """Whether the command has a generated marshaller."""
        return self.marshal is not None

    @property
    def deprecated(self) -> bool:
        return "deprecated" in self.features

    @property
    def unstable(self) -> bool:
        return "unstable" in self.features

    def available(self) -> bool:
        """Whether the command exists in this configuration."""
        return evaluate(self.ifcond)


@dataclass
class _Entry:
    command: Command
    implementation: Implementation | None = None
    disabled: str | None = None
    """Why the command is disabled ("" when no reason was given)."""


@dataclass
class CommandRegistry:
    """The commands of one schema, and their implementations."""

    _entries: dict[str, _Entry] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        """Make a command known (generated code does this)."""
        self._entries[command.name] = _Entry(command)

    def lookup(self, name: str) -> Command:
        """The command called ``name``; `CommandNotFound` if there is none
        in this configuration."""
        return self._entry(name).command

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is None or not entry.command.available():
            raise CommandNotFound(f"The command {name} has not been found")
        return entry

    def commands(self) -> list[Command]:
        """Every command available in this configuration, in schema order."""
        return [e.command for e in self._entries.values() if e.command.available()]

    def implement(self, name: str, implementation: Implementation) -> None:
        """Say which function implements command ``name``."""
        if name not in self._entries:
            raise KeyError(f"no command '{name}' in the schema")
        self._entries[name].implementation = implementation

    def implements(self, name: str) -> Callable[[F], F]:
        """Decorator form of `implement`."""
        def register(implementation: F) -> F:
            self.implement(name, implementation)
            return implementation
        return register

    def implementation(self, name: str) -> Implementation | None:
        return self._entries[name].implementation if name in self._entries else None

    def disable(self, name: str, reason: str = "") -> None:
        """Refuse to run a command (as QEMU's ``qmp_disable_command``)."""
        self._entry(name).disabled = reason

    def enable(self, name: str) -> None:
        self._entry(name).disabled = None

    def execute(self, name: str, arguments: dict[str, Any] | None = None,
                oob: bool = False) -> Any:
        """Run a command: its JSON result, or an awaitable of it when the
        implementation is a coroutine.  ``None`` for a command whose
        success has no response ('success-response': false).

        Raises `QMPError` (`CommandNotFound`, `QAPIVisitError`...).
        """
        entry = self._entry(name)
        command = entry.command
        if entry.disabled is not None:
            reason = f": {entry.disabled}" if entry.disabled else ""
            raise CommandNotFound(f"Command {name} has been disabled{reason}")
        if oob and not command.allow_oob:
            raise GenericError(f"The command {name} does not support OOB")
        if entry.implementation is None:
            raise CommandNotImplemented(f"The command {name} is not implemented")
        arguments = {} if arguments is None else arguments
        if command.marshal is None:
            result = finish(entry.implementation(arguments), _raw_result)
        else:
            result = command.marshal(entry.implementation, arguments)
        if not command.success_response:
            return _discard(result) if inspect.isawaitable(result) else None
        return result

    def handler(self, name: str) -> Callable[[dict[str, Any]], Any]:
        """Command ``name`` as a function of its arguments dict, for a QMP
        server that does its own checks (out-of-band, disabled commands,
        success responses): it gives the JSON result, or an awaitable of it.
        """
        command = self.lookup(name)

        def run(arguments: dict[str, Any]) -> Any:
            implementation = self._entries[name].implementation
            if implementation is None:
                raise CommandNotImplemented(f"The command {name} is not implemented")
            if command.marshal is None:
                return finish(implementation(arguments), _raw_result)
            return command.marshal(implementation, arguments)
        return run

    async def execute_async(self, name: str, arguments: dict[str, Any] | None = None,
                            oob: bool = False) -> Any:
        """`execute`, awaiting the implementation when it is a coroutine."""
        result = self.execute(name, arguments, oob)
        if inspect.isawaitable(result):
            result = await result
        return result


def _raw_result(result: Any) -> Any:
    # A 'gen': false implementation gives its JSON result itself.
    return {} if result is None else result


async def _discard(result: Awaitable[Any]) -> None:
    await result
