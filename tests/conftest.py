"""Session fixtures shared by every test folder.

QEMU's source tree (Debian's `qemu` source package) is brought into
`.cache/qemu-src` by `make install`; its `scripts/qapi-gen.py` is the oracle
the compatibility tests hold `qapi-gen` against.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
QEMU_SRC_LINK = REPO_ROOT / ".cache" / "qemu-src"


class QemuQapiGen(Protocol):
    def __call__(
        self,
        schema: str | os.PathLike[str],
        *args: str,
        output_dir: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.CompletedProcess[str]: ...


def oracle_env() -> dict[str, str]:
    """The environment for running QEMU's scripts: nothing of the project's
    on the import path, so `import qapi` finds QEMU's `scripts/qapi`."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def qemu_source() -> Path:
    """QEMU 7.2's source tree (resolved `.cache/qemu-src`)."""
    if not (QEMU_SRC_LINK / "scripts" / "qapi-gen.py").is_file():
        pytest.fail(
            f"QEMU's source tree is missing ({QEMU_SRC_LINK} has no scripts/qapi-gen.py); "
            "run `make install` to fetch it",
            pytrace=False,
        )
    return QEMU_SRC_LINK.resolve()


@pytest.fixture(scope="session")
def qemu_qapi_gen(qemu_source: Path, tmp_path_factory: pytest.TempPathFactory) -> QemuQapiGen:
    """Run QEMU's own `scripts/qapi-gen.py` on a schema.

    Call it as ``qemu_qapi_gen(schema, *args, output_dir=None, cwd=None)``:

    - ``schema``: the schema file. By default the command runs in the
      schema's folder and is given the bare file name, so QEMU's messages
      read ``name.json:LINE:COL: message`` (or ``In file included from``
      lines naming files the same way). With ``cwd`` given, it runs there and
      ``schema`` is passed exactly as given.
    - ``args``: extra options for qapi-gen (``-p PREFIX``, ``-b``, ``-u``...).
    - ``output_dir``: where the generated files go (``-o``); by default a new
      temporary folder. It is also set on the result as ``.output_dir``.

    Returns the `subprocess.CompletedProcess` (text stdout/stderr, never
    raises on a non-zero exit). QEMU starts each error line with the
    script's path and ": "; ``.message`` holds stderr with that removed.
    """
    script = qemu_source / "scripts" / "qapi-gen.py"
    scripts_dir = script.parent
    env = oracle_env()

    # The project installs a top-level package named `qapi` too. The script
    # puts its own folder first on sys.path; make sure that really wins.
    probe_dir = tmp_path_factory.mktemp("qemu-qapi-probe")
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import qapi.main; "
            "print(qapi.main.__file__)",
            str(scripts_dir),
        ],
        cwd=probe_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = Path(probe.stdout.strip() or "?")
    if probe.returncode != 0 or not found.is_relative_to(scripts_dir):
        pytest.fail(
            f"QEMU's qapi package does not load from {scripts_dir} (got {found}): {probe.stderr}",
            pytrace=False,
        )

    def run(
        schema: str | os.PathLike[str],
        *args: str,
        output_dir: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        if cwd is None:
            schema_path = Path(schema).resolve()
            cwd = schema_path.parent
            schema_arg = schema_path.name
        else:
            schema_arg = os.fspath(schema)
        out = (
            Path(output_dir).resolve()
            if output_dir is not None
            else tmp_path_factory.mktemp("qemu-qapi-out")
        )
        proc = subprocess.run(
            [sys.executable, str(script), "-o", str(out), *args, schema_arg],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        prog = f"{script}: "
        proc.output_dir = out  # type: ignore[attr-defined]
        proc.message = "".join(  # type: ignore[attr-defined]
            line.removeprefix(prog) for line in proc.stderr.splitlines(keepends=True)
        )
        return proc

    return run
