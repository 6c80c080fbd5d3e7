"""The modules generated for QEMU's whole schema compile with Cython, and
the compiled modules work like the pure-Python ones.

The compile takes about a minute on two cores: the C code is built at
-O0, since only that it compiles and runs matters here (the visitor
benchmark builds at -O1 for speed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.generator.cython_build import child_env, cython_build, generate
from tests.generator.generated import qemu_schema_path

# Run in a child process: the test process has the pure-Python copies of
# the same module names.
CHECKS = r"""
import asyncio, json, sys
import qemu_qapi_types as types, qemu_qapi_visit as visit
import qemu_qapi_commands as commands, qemu_qapi_events as events
from runtime.errors import QAPIVisitError
from runtime.events import set_emitter

results = {"files": [m.__file__ for m in (types, visit, commands, events)]}
options = {"driver": "qcow2", "node-name": "disk",
           "file": {"driver": "file", "filename": "/tmp/disk.img", "aio": "threads"}}
obj = visit.visit_BlockdevOptions_from_json(options)
results["round_trip"] = visit.visit_BlockdevOptions_to_json(obj) == options
results["file_is_ref"] = type(obj.file).__name__
try:
    visit.visit_BlockdevOptionsList_from_json([options, {**options, "cache": {"x": 1}}])
except QAPIVisitError as error:
    results["error"] = error.desc
registry = commands.build_registry()
registry.implement("query-status", lambda: types.StatusInfo(
    running=True, singlestep=False, status=types.RunState.RUNNING))
results["query_status"] = registry.execute("query-status", {})
async def resize(device, node_name, size):
    return None
registry.implement("block_resize", resize)
results["block_resize"] = asyncio.run(registry.execute_async("block_resize", {"size": 1}))
sent = []
set_emitter(sent.append)
events.send_device_deleted(path="/machine/x")
results["event"] = [sent[0]["event"], sent[0]["data"]]
info = [{"name": "x", "meta-type": "enum", "values": ["a"], "members": [{"name": "a"}]}]
results["schema_info"] = visit.visit_SchemaInfoList_to_json(
    visit.visit_SchemaInfoList_from_json(info)) == info
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def compiled(qemu_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cython-qemu")
    modules = generate(qemu_schema_path(qemu_source), directory, "qemu_")
    seconds = cython_build(directory, modules, "-O0")
    print(f"\nCython build of QEMU's schema (4 modules, -O0): {seconds:.0f} s")
    return directory


def test_compiled_modules_work(compiled: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CHECKS], env=child_env(compiled),
                          cwd=compiled, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert all(Path(f).suffix == ".so" for f in results["files"]), results["files"]
    assert results["round_trip"]
    assert results["file_is_ref"] == "BlockdevRef"
    assert results["error"] == "Parameter '[1].cache.x' is unexpected"
    assert results["query_status"] == {"running": True, "singlestep": False,
                                       "status": "running"}
    assert results["block_resize"] == {}
    assert results["event"] == ["DEVICE_DELETED", {"path": "/machine/x"}]
    assert results["schema_info"]
