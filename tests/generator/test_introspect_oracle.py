"""qapi-gen's introspection equals QEMU's own, for QEMU's schemas.

QEMU's ``scripts/qapi`` (from Debian's source package) is the oracle: its
introspection visitor runs on the same schema in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qapi.main import main as qapi_gen
from tests.conftest import oracle_env

ORACLE = Path(__file__).with_name("qemu_introspect_oracle.py")
SCHEMAS = ["qapi/qapi-schema.json", "qga/qapi-schema.json",
           "storage-daemon/qapi/qapi-schema.json"]


def qemu_tree(qemu_source: Path, schema: Path, unmask: bool) -> list[object]:
    args = [sys.executable, str(ORACLE), str(qemu_source / "scripts"), str(schema)]
    if unmask:
        args.append("-u")
    done = subprocess.run(args, capture_output=True, text=True, check=True, env=oracle_env())
    result: list[object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("unmask", [False, True], ids=["masked", "unmasked"])
@pytest.mark.parametrize("schema", SCHEMAS)
def test_introspection_matches_qemu(qemu_source: Path, tmp_path: Path, schema: str,
                                    unmask: bool) -> None:
    path = qemu_source / schema
    args = ["-B", "introspect", "-o", str(tmp_path), str(path)]
    assert qapi_gen(["-u", *args] if unmask else args) == 0
    ours = json.loads((tmp_path / "qapi-introspect.json").read_text())
    theirs = qemu_tree(qemu_source, path, unmask)
    assert len(ours) == len(theirs)
    for index, (mine, qemu) in enumerate(zip(ours, theirs, strict=True)):
        assert mine == qemu, f"SchemaInfo #{index} differs"


def test_introspection_module_resolves_conditions(qemu_source: Path, tmp_path: Path) -> None:
    """The importable module drops what the config rules out."""
    assert qapi_gen(["-B", "introspect", "-u", "-o", str(tmp_path),
                     str(qemu_source / "qapi/qapi-schema.json")]) == 0
    sys.path.insert(0, str(tmp_path))
    try:
        import qapi_introspect  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("qapi_introspect", None)
    names = {info["name"] for info in qapi_introspect.schema_info(frozenset())}
    assert "query-status" in names
    assert "query-tpm" not in names  # if: CONFIG_TPM
    with_tpm = {info["name"]
                for info in qapi_introspect.schema_info(frozenset({"CONFIG_TPM"}))}
    assert "query-tpm" in with_tpm
    blockdev_driver = next(info for info in qapi_introspect.schema_info(frozenset())
                           if info["name"] == "BlockdevDriver")
    assert "io_uring" not in blockdev_driver["values"]  # if: CONFIG_BLKIO
