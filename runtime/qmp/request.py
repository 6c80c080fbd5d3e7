"""One QMP request, checked and answered as QEMU's ``qmp_dispatch`` does.

A request is checked member by member (in QEMU's member order, which
decides which complaint comes first), its command looked up and checked
against the monitor's situation (out-of-band or not, machine built or
not), run, and its answer built: ``{"return": ...}`` or ``{"error":
{"class": ..., "desc": ...}}``, with the request's ``id`` copied as is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.errors import CommandNotFound, GenericError, QMPError
from runtime.qmp.json_writer import qdict_order

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class QMPCommand:
    """A command a monitor can run.

    ``handler`` takes the request's ``arguments`` (JSON values) and returns
    the JSON value of the result, or None when the command returns nothing;
    it may return an awaitable of that (QEMU's coroutine commands).  It
    fails by raising a `QMPError`.
    """

    name: str
    handler: Handler
    allow_oob: bool = False
    allow_preconfig: bool = False
    success_response: bool = True
    enabled: bool = True
    disable_reason: str | None = None


CommandTable = Mapping[str, QMPCommand]

# Asked before a command runs; raises a QMPError when it may not run now.
AvailabilityCheck = Callable[[QMPCommand], None]


def error_response(error: QMPError) -> dict[str, Any]:
    return {"error": error.to_json()}


def is_oob(request: Any) -> bool:
    """Whether ``request`` asks to run out of band (QEMU's ``qmp_is_oob``)."""
    return isinstance(request, dict) and "exec-oob" in request and "execute" not in request


def _check_members(request: dict[str, Any], allow_oob: bool) -> str:
    """The command name a request object names; raises on a bad member."""
    exec_key = None
    for name in qdict_order(request):
        value = request[name]
        if name == "execute" or (name == "exec-oob" and allow_oob):
            if not isinstance(value, str):
                raise GenericError(f"QMP input member '{name}' must be a string")
            if exec_key is not None:
                raise GenericError(f"QMP input member '{name}' clashes with '{exec_key}'")
            exec_key = name
        elif name == "arguments":
            if not isinstance(value, dict):
                raise GenericError("QMP input member 'arguments' must be an object")
        elif name != "id":
            raise GenericError(f"QMP input member '{name}' is unexpected")
    if exec_key is None:
        raise GenericError("QMP input lacks member 'execute'")
    return exec_key


@dataclass
class Call:
    """A request that passed its checks: what to run, and the ``id``."""

    command: QMPCommand
    arguments: dict[str, Any]
    request_id: Any
    has_id: bool


def prepare(commands: CommandTable, request: Any, allow_oob: bool,
            available: AvailabilityCheck | None = None) -> Call | dict[str, Any]:
    """Check a request; returns the call to make, or the error response."""
    if not isinstance(request, dict):
        return error_response(GenericError("QMP input must be a JSON object"))
    has_id = "id" in request
    request_id = request.get("id")
    try:
        exec_key = _check_members(request, allow_oob)
        name = request[exec_key]
        command = commands.get(name)
        if command is None:
            raise CommandNotFound(f"The command {name} has not been found")
        if not command.enabled:
            reason = f": {command.disable_reason}" if command.disable_reason else ""
            raise CommandNotFound(f"Command {name} has been disabled{reason}")
        if exec_key == "exec-oob" and not command.allow_oob:
            raise GenericError(f"The command {name} does not support OOB")
        if available is not None:
            available(command)
    except QMPError as error:
        return with_id(error_response(error), request_id, has_id)
    return Call(command, request.get("arguments", {}), request_id, has_id)


def with_id(response: dict[str, Any], request_id: Any, has_id: bool) -> dict[str, Any]:
    if has_id:
        response["id"] = request_id
    return response


def respond(call: Call, result: Any = None, error: QMPError | None = None) -> dict[str, Any] | None:
    """The response to a call that returned ``result`` or failed with
    ``error``; None for a command that sends no success response."""
    if error is not None:
        return with_id(error_response(error), call.request_id, call.has_id)
    if not call.command.success_response:
        return None
    return with_id({"return": {} if result is None else result}, call.request_id, call.has_id)


def run(call: Call) -> dict[str, Any] | None | Awaitable[dict[str, Any] | None]:
    """Run a call; returns its response, or an awaitable of it when the
    command's handler is asynchronous."""
    try:
        result = call.command.handler(call.arguments)
    except QMPError as error:
        return respond(call, error=error)
    except Exception as error:  # a bug: answer, and keep serving
        log.exception("QMP command %s failed", call.command.name)
        return respond(call, error=GenericError(f"internal error: {error}"))
    if isinstance(result, Awaitable):
        return _finish(call, result)
    return respond(call, result)


async def _finish(call: Call, pending: Awaitable[Any]) -> dict[str, Any] | None:
    try:
        result = await pending
    except QMPError as error:
        return respond(call, error=error)
    except Exception as error:  # a bug: answer, and keep serving
        log.exception("QMP command %s failed", call.command.name)
        return respond(call, error=GenericError(f"internal error: {error}"))
    return respond(call, result)


def dispatch(commands: CommandTable, request: Any, allow_oob: bool,
             available: AvailabilityCheck | None = None
             ) -> dict[str, Any] | None | Awaitable[dict[str, Any] | None]:
    """Check and run a request: `prepare` then `run`."""
    call = prepare(commands, request, allow_oob, available)
    if isinstance(call, dict):
        return call
    return run(call)
