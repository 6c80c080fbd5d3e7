"""Helpers shared by the QAPI front-end tests."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from tests.conftest import oracle_env

HERE = Path(__file__).resolve().parent
BAD_DIR = HERE / "bad"
GOOD_DIR = HERE / "good"
ORACLE = HERE / "qemu_oracle.py"


@contextlib.contextmanager
def chdir(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_check_only(folder: Path, name: str) -> tuple[int, str]:
    """``qapi-gen --check-only NAME`` run in ``folder``, in this process.

    Returns the exit code and what went to stderr; an exception escaping
    the command is shown as Python would show it (a traceback, exit 1).
    """
    from qapi.main import main as qapi_gen

    err = io.StringIO()
    with chdir(folder), contextlib.redirect_stderr(err):
        try:
            code = qapi_gen(["--check-only", name])
        except BaseException:  # noqa: BLE001 - a crash is what we look for
            traceback.print_exc()
            code = 1
    return code, err.getvalue()


def run_check_only_cli(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    """The same, as a separate ``python -m qapi.main`` process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE.parent.parent)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.run(
        [sys.executable, "-m", "qapi.main", "--check-only", name],
        cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=120)


def qemu_oracle(qemu_source: Path, mode: str, *args: str) -> dict:
    """Run qemu_oracle.py (QEMU's own front end) and return its JSON answer."""
    done = subprocess.run(
        [sys.executable, str(ORACLE), str(qemu_source / "scripts"), mode, *args],
        capture_output=True, text=True, env=oracle_env(), cwd=tempfile.gettempdir(),
        check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"qemu_oracle.py {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def qemu_check_all(qemu_source: Path, folder: Path, names: list[str]) -> dict:
    """QEMU's verdict ("pass", "fail" or "crash") on each schema in ``folder``."""
    with tempfile.TemporaryDirectory(prefix="qemu-qapi-out-") as out:
        return qemu_oracle(qemu_source, "check", str(folder), out, *names)
