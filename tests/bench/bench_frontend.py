"""QAPI front end speed: the project's against QEMU 7.2's, side by side.

Run with `make bench` (or `python tests/bench/bench_frontend.py`). Prints
figures only; nothing here fails on speed. Figures are ratios
cyqemu / QEMU: below 1 means the project is faster.

- parse + check of QEMU's `qapi/qapi-schema.json`: `QAPISchema(path)` repeated
  REPS times (env `CYQEMU_BENCH_REPS`, default 5) inside one fresh
  interpreter per front end, imports excluded; best and median.
- the whole `qapi-gen -o DIR qapi/qapi-schema.json` command, best of 3.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_REL = "qapi/qapi-schema.json"
COMMAND_REPS = 3

# Runs in a fresh interpreter: argv = import dir, schema path, repetitions.
TIMER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import qapi.schema
from qapi.error import QAPIError
from qapi.schema import QAPISchema
path, reps = sys.argv[2], int(sys.argv[3])
times = []
try:
    for _ in range(reps):
        t0 = time.perf_counter()
        QAPISchema(path)
        times.append(time.perf_counter() - t0)
except QAPIError as err:
    print(json.dumps({"error": str(err)}))
    sys.exit(1)
print(json.dumps({"module": qapi.schema.__file__, "times": times}))
"""


@dataclass
class Timing:
    label: str
    times: list[float]
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def reps_from_env() -> int:
    return max(1, int(os.environ.get("CYQEMU_BENCH_REPS", "5")))


def time_frontend(label: str, import_dir: Path, schema: Path, reps: int) -> Timing:
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run(
            [sys.executable, "-c", TIMER, str(import_dir), str(schema), str(reps)],
            cwd=cwd,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    lines = proc.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return Timing(label, [], f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    if "error" in result:
        return Timing(label, [], result["error"])
    module = Path(result["module"]).resolve()
    if not module.is_relative_to(import_dir.resolve()):
        return Timing(label, [], f"imported {module}, not from {import_dir}")
    return Timing(label, result["times"])


def time_command(label: str, argv: list[str], cwd: Path, reps: int) -> Timing:
    times = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*argv, "-o", out, SCHEMA_REL],
                cwd=cwd,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            return Timing(label, [], f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        times.append(elapsed)
    return Timing(label, times)


def report(title: str, qemu: Timing, ours: Timing) -> None:
    print(f"\n{title}")
    print(f"  {'':16}{'best':>10}{'median':>10}")
    for t in (qemu, ours):
        if t.error is not None:
            print(f"  {t.label:16}FAILED: {t.error}")
        else:
            print(f"  {t.label:16}{t.best:9.3f}s{t.median:9.3f}s")
    if qemu.error is None and ours.error is None:
        print(
            f"  {'cyqemu / QEMU':16}{ours.best / qemu.best:9.2f}x{ours.median / qemu.median:9.2f}x"
        )


def project_qapi_gen() -> list[str]:
    script = Path(sys.executable).parent / "qapi-gen"
    if not script.exists():
        script = REPO_ROOT / ".venv" / "bin" / "qapi-gen"
    return [str(script)]


def measure_frontend(qemu_source: Path, reps: int) -> tuple[Timing, Timing]:
    schema = qemu_source / SCHEMA_REL
    qemu = time_frontend("QEMU 7.2", qemu_source / "scripts", schema, reps)
    ours = time_frontend("cyqemu", REPO_ROOT, schema, reps)
    report(f"parse + check {SCHEMA_REL} (QAPISchema, {reps} runs)", qemu, ours)
    return qemu, ours


def measure_command(qemu_source: Path, reps: int = COMMAND_REPS) -> tuple[Timing, Timing]:
    qemu_cmd = [sys.executable, str(qemu_source / "scripts" / "qapi-gen.py")]
    qemu = time_command("QEMU 7.2", qemu_cmd, qemu_source, reps)
    ours = time_command("cyqemu", project_qapi_gen(), qemu_source, reps)
    report(f"qapi-gen -o DIR {SCHEMA_REL} (whole command, best of {reps})", qemu, ours)
    return qemu, ours


def _fail_on_errors(*timings: Timing) -> None:
    import pytest

    errors = [f"{t.label}: {t.error}" for t in timings if t.error is not None]
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


def bench_frontend_parse(qemu_source: Path) -> None:
    _fail_on_errors(*measure_frontend(qemu_source, reps_from_env()))


def bench_qapi_gen_command(qemu_source: Path) -> None:
    _fail_on_errors(*measure_command(qemu_source))


def main() -> int:
    qemu_source = (REPO_ROOT / ".cache" / "qemu-src").resolve()
    if not (qemu_source / "scripts" / "qapi-gen.py").is_file():
        print("QEMU's source tree is missing; run `make install`", file=sys.stderr)
        return 2
    timings = [*measure_frontend(qemu_source, reps_from_env()), *measure_command(qemu_source)]
    return 1 if any(t.error is not None for t in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
