"""QEMU 7.2's own schemas: accepted, and read into the same IR as QEMU's.

QEMU's ``qapi.schema.QAPISchema`` runs in a subprocess (qemu_oracle.py,
``dump`` mode) and describes every entity in definition order: class,
name, module, condition, features, flat members, enum values, branches,
base, command and event arguments and flags.  The project's IR, described
by the same function, must be equal record for record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qapi.schema import QAPISchema

from .qemu_oracle import dump_schema
from .testlib import qemu_oracle, run_check_only

SCHEMAS = [
    "qapi/qapi-schema.json",
    "qga/qapi-schema.json",
    "storage-daemon/qapi/qapi-schema.json",
]


@pytest.fixture(scope="module")
def qemu_ir(qemu_source: Path) -> dict:
    return qemu_oracle(qemu_source, "dump", *[str(qemu_source / name) for name in SCHEMAS])


@pytest.mark.parametrize("name", SCHEMAS)
def test_check_only_accepts(qemu_source: Path, name: str) -> None:
    path = qemu_source / name
    assert run_check_only(path.parent, path.name) == (0, "")


@pytest.mark.parametrize("name", SCHEMAS)
def test_ir_equals_qemu(qemu_source: Path, qemu_ir: dict, name: str) -> None:
    path = str(qemu_source / name)
    schema = QAPISchema(path)
    ours = json.loads(json.dumps(dump_schema(schema, schema.entities, lambda e: e.module)))
    theirs = qemu_ir[path]
    assert len(ours) == len(theirs)
    assert [(r["class"], r["name"]) for r in ours] == [(r["class"], r["name"]) for r in theirs]
    for mine, qemu in zip(ours, theirs, strict=True):
        assert mine == qemu, f"{mine['class']} {mine['name']}"
    # Every module is the main file, the builtins, or reached by an include
    # (pragma.json holds directives only, so no entity names it)
    assert {m.name for m in schema.modules} == (
        {"./builtin", Path(path).name} | {r["sub_module"] for r in ours if "sub_module" in r})
    if name.startswith("qapi/"):
        assert all(e.doc is not None for e in schema.entities
                   if e.info is not None and e.name and not e.is_implicit())
