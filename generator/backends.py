"""The registry of qapi-gen back ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qapi.schema import QAPISchema


@dataclass(frozen=True)
class GenOptions:
    """What the command line asks of the back ends."""

    output_dir: str
    prefix: str = ""
    builtins: bool = False
    unmask: bool = False


Backend = Callable[["QAPISchema", GenOptions], list[str]]

_BACKENDS: dict[str, Backend] = {}


def register(name: str) -> Callable[[Backend], Backend]:
    """Decorator: make a back end (schema, options) -> written files known."""
    def add(backend: Backend) -> Backend:
        _BACKENDS[name] = backend
        return backend
    return add


def backends() -> dict[str, Backend]:
    """All registered back ends, by name, in registration order."""
    _load_builtin_backends()
    return dict(_BACKENDS)


def _load_builtin_backends() -> None:
    # Importing a back-end module registers it.
    import importlib
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


_BUILTIN_MODULES: tuple[str, ...] = (
    "generator.types", "generator.visit", "generator.commands", "generator.events",
    "generator.introspect", "generator.vmstate",
)
