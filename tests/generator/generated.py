"""The Python back ends' output for a schema, generated once and imported.

Each schema gets its own module prefix, so the modules of several schemas
live side by side in ``sys.modules``.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from qapi.schema import QAPISchema
from tests.generator.cython_build import generate, module_names


@dataclass(frozen=True)
class Generated:
    """A schema, its IR, and its four generated modules."""

    schema_path: Path
    schema: QAPISchema
    directory: Path
    prefix: str
    types: ModuleType
    visit: ModuleType
    commands: ModuleType
    events: ModuleType


@functools.cache
def generated(schema_path: Path, prefix: str) -> Generated:
    """Generate (once per test session) and import a schema's modules."""
    directory = Path(tempfile.mkdtemp(prefix=f"cyqemu-{prefix or 'gen'}-"))
    atexit.register(shutil.rmtree, directory, True)
    generate(schema_path, directory, prefix)
    sys.path.insert(0, str(directory))
    modules = [importlib.import_module(name) for name in module_names(prefix)]
    return Generated(schema_path, QAPISchema(str(schema_path)), directory, prefix, *modules)


def qemu_schema_path(qemu_source: Path) -> Path:
    return qemu_source / "qapi" / "qapi-schema.json"
