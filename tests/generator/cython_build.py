"""Generating a schema's modules and compiling them with Cython, for the
tests and the visitor benchmark.

The compile runs in a child process (setuptools' ``build_ext``, both
cores), so the calling process keeps its own, pure-Python, copies of the
same modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from qapi.main import main as qapi_gen

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ("types", "visit", "commands", "events")
KINDS = ("types", "visit", "commands", "events")

_BUILD_SCRIPT = r"""
import sys
from setuptools import Extension, setup
from Cython.Build import cythonize

src, optimize, jobs, *modules = sys.argv[1:]
extensions = [Extension(name, [f"{src}/{name}.py"], extra_compile_args=[optimize, "-g0"])
              for name in modules]
setup(ext_modules=cythonize(extensions, nthreads=int(jobs), quiet=True,
                            build_dir=f"{src}/c"),
      script_args=["build_ext", "--build-lib", src, "--build-temp", f"{src}/tmp",
                   "--parallel", jobs])
"""


def generate(schema: Path | str, output_dir: Path, prefix: str = "") -> list[str]:
    """Run qapi-gen's Python back ends; returns the module names written."""
    args = ["-o", str(output_dir), "-p", prefix]
    for backend in BACKENDS:
        args += ["-B", backend]
    status = qapi_gen([*args, str(schema)])
    assert status == 0, f"qapi-gen failed on {schema}"
    return module_names(prefix)


def module_names(prefix: str = "") -> list[str]:
    from generator.pygen import module_prefix
    return [f"{module_prefix(prefix)}qapi_{kind}" for kind in KINDS]


def child_env(*paths: Path) -> dict[str, str]:
    """An environment whose import path starts with ``paths``, then the repo."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), str(REPO_ROOT),
                                         env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def cython_build(src_dir: Path, modules: list[str], optimize: str = "-O0",
                 jobs: int | None = None) -> float:
    """Compile ``src_dir/MODULE.py`` into extension modules beside them
    (which Python then imports instead); returns the seconds it took."""
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _BUILD_SCRIPT, str(src_dir), optimize, str(jobs), *modules],
        cwd=src_dir, env=child_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Cython build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return time.perf_counter() - start
