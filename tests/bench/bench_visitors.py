"""Visitor throughput: the modules generated for QEMU's schema, pure Python
against compiled with Cython.

Run with `make bench` (or `python tests/bench/bench_visitors.py`).  Prints
figures only; nothing here fails on speed.

The value visited is what ``query-qmp-schema`` returns for QEMU's schema
(a SchemaInfoList of about a thousand entries), built by the project's
introspection back end; without it, a large SchemaInfoList drawn by the
hypothesis strategies of tests/generator.  Each figure is the best of
REPS runs (env ``CYQEMU_BENCH_REPS``, default 20), as milliseconds per
visit and JSON objects per second, in (JSON -> objects) and out.

The compiled modules are built at -O1 (one to three minutes on two
cores) into build/bench-visitors/, keyed by the generated sources, so
later runs reuse them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from qapi.schema import QAPISchema  # noqa: E402
from tests.generator.cython_build import child_env, cython_build, generate  # noqa: E402

PREFIX = "bench_"
REPS = max(1, int(os.environ.get("CYQEMU_BENCH_REPS", "20")))
CACHE = REPO_ROOT / "build" / "bench-visitors"

# Runs in a child process whose import path starts with the modules to time.
TIMER = r"""
import json, sys, time
import bench_qapi_visit as visit
value = json.load(open(sys.argv[1]))
reps = int(sys.argv[2])
objects = visit.visit_SchemaInfoList_from_json(value)
assert visit.visit_SchemaInfoList_to_json(objects) == value

def best(run):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)

print(json.dumps({
    "module": visit.__file__,
    "in": best(lambda: visit.visit_SchemaInfoList_from_json(value)),
    "out": best(lambda: visit.visit_SchemaInfoList_to_json(objects)),
}))
"""


def schema_info_value(schema: QAPISchema) -> list[Any]:
    """QEMU's query-qmp-schema result for this build's configuration."""
    try:
        from generator.introspect import schema_info_tree
        from runtime.introspection import resolve_conditions
    except ImportError:
        return _drawn_schema_info(schema)
    value: list[Any] = resolve_conditions(schema_info_tree(schema))
    return value


def _drawn_schema_info(schema: QAPISchema) -> list[Any]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.generator.qapi_strategies import ValueStrategies

    strategy = st.lists(ValueStrategies(schema, max_list=4).of("SchemaInfo"),
                        min_size=1000, max_size=1000)
    drawn: list[Any] = []

    @settings(max_examples=1, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(value: list[Any]) -> None:
        drawn[:] = value

    draw()
    return drawn


def count_objects(value: Any) -> int:
    """How many JSON objects (dicts) ``value`` holds, itself included."""
    if isinstance(value, dict):
        return 1 + sum(count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_objects(v) for v in value)
    return 0


def compiled_copy(source: Path, modules: list[str]) -> tuple[Path, float | None]:
    """A directory with the modules compiled (-O1); reused while the sources
    are unchanged.  Also returns the build's seconds (None when reused)."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update((source / f"{name}.py").read_bytes())
    target = CACHE / digest.hexdigest()[:16]
    done = target / ".built"
    if done.exists():
        return target, None
    if CACHE.is_dir():  # builds of older sources are of no more use
        for stale in CACHE.iterdir():
            shutil.rmtree(stale, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    for name in modules:
        (target / f"{name}.py").write_bytes((source / f"{name}.py").read_bytes())
    seconds = cython_build(target, modules, "-O1")
    done.touch()
    return target, seconds


def time_visits(directory: Path, value_file: Path) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-c", TIMER, str(value_file), str(REPS)],
                         env=child_env(directory), cwd=directory, capture_output=True,
                         text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-3000:])
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def measure(qemu_source: Path) -> dict[str, dict[str, Any]]:
    schema_path = qemu_source / "qapi" / "qapi-schema.json"
    schema = QAPISchema(str(schema_path))
    value = schema_info_value(schema)
    objects = count_objects(value)
    with tempfile.TemporaryDirectory() as scratch:
        pure = Path(scratch)
        modules = generate(schema_path, pure, PREFIX)
        value_file = pure / "schema-info.json"
        value_file.write_text(json.dumps(value))
        compiled, build_seconds = compiled_copy(pure, modules)
        results = {"pure Python": time_visits(pure, value_file),
                   "Cython -O1": time_visits(compiled, value_file)}
    assert results["pure Python"]["module"].endswith(".py")
    assert not results["Cython -O1"]["module"].endswith(".py")
    print(f"\nvisitors of QEMU's schema: SchemaInfoList of {len(value)} entries, "
          f"{objects} objects, best of {REPS}")
    if build_seconds is not None:
        print(f"  (compiled the four modules in {build_seconds:.0f} s)")
    print(f"  {'':14}{'in: ms':>9}{'objects/s':>12}{'out: ms':>10}{'objects/s':>12}")
    for label, result in results.items():
        print(f"  {label:14}{result['in'] * 1e3:9.2f}{objects / result['in']:12,.0f}"
              f"{result['out'] * 1e3:10.2f}{objects / result['out']:12,.0f}")
    pure_result, compiled_result = results.values()
    print(f"  {'speed-up':14}{pure_result['in'] / compiled_result['in']:8.2f}x{'':12}"
          f"{pure_result['out'] / compiled_result['out']:9.2f}x")
    return results


def bench_visitor_throughput(qemu_source: Path) -> None:
    measure(qemu_source)


def main() -> int:
    qemu_source = (REPO_ROOT / ".cache" / "qemu-src").resolve()
    if not (qemu_source / "qapi" / "qapi-schema.json").is_file():
        print("QEMU's source tree is missing; run `make install`", file=sys.stderr)
        return 2
    measure(qemu_source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
