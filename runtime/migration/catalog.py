"""The generated serializers of the project's descriptions, found or made.

``schema/vmstate/virt.vmsd`` (QEMU's riscv64 virt board) compiles into
``vmstate_virt.py``, kept in ``build/generated/vmstate/<digest>/`` (or
under ``$CYQEMU_GENERATED_DIR``), where the digest sums up the
descriptions and the compiler's sources: when either changes, the next
use compiles afresh.  Compiling runs ``python -m generator.vmstate`` in
a separate process (the runtime never imports the compiler), into a
temporary folder renamed into place.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

from runtime.migration.errors import MigrationError
from runtime.migration.vmstate import Description

REPO_ROOT = Path(__file__).resolve().parents[2]
VIRT_DESCRIPTIONS = REPO_ROOT / "schema" / "vmstate" / "virt.vmsd"
_COMPILER_DIRS = ("qapi", "generator")


def _digest(schema: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(schema.parent.glob("*.vmsd"))
    for folder in _COMPILER_DIRS:
        files += sorted((REPO_ROOT / folder).rglob("*.py"))
        files += sorted((REPO_ROOT / folder).rglob("*.j2"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _output_root() -> Path:
    root = Path(os.environ.get("CYQEMU_GENERATED_DIR", REPO_ROOT / "build" / "generated"))
    root = root / "vmstate"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        root = Path(tempfile.gettempdir()) / "cyqemu-generated" / "vmstate"
        root.mkdir(parents=True, exist_ok=True)
    return root


def module_name(schema: Path) -> str:
    return "vmstate_" + schema.stem.replace("-", "_")


def compile_descriptions(schema: Path) -> Path:
    """The serializer module of description file ``schema``, compiled if needed."""
    target_dir = _output_root() / _digest(schema)
    target = target_dir / f"{module_name(schema)}.py"
    if target.is_file():
        return target
    scratch = Path(tempfile.mkdtemp(prefix="compile-", dir=target_dir.parent))
    done = subprocess.run(
        [sys.executable, "-m", "generator.vmstate", "-o", str(scratch), str(schema)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise MigrationError(f"cannot compile {schema}: {done.stderr.strip()}")
    try:
        scratch.rename(target_dir)
    except OSError:
        # Another process got there first; its output is the same.
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def load_module(path: Path) -> ModuleType:
    """Import a generated serializer module from its file."""
    spec = importlib.util.spec_from_file_location(f"cyqemu_vmstate.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise MigrationError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def virt_descriptions() -> dict[str, Description]:
    """The virt board's descriptions, by name."""
    module = load_module(compile_descriptions(VIRT_DESCRIPTIONS))
    descriptions: dict[str, Description] = module.DESCRIPTIONS
    return descriptions
