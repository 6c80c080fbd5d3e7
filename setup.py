"""Build the Cython extension modules of the CPU hot path in place.

Project metadata lives in pyproject.toml; this file only lists the
extensions: every .pyx under runtime/accel, emulator/riscv and
emulator/devices, compiled with the directives the execution loop relies on
(no bounds or wraparound checks, C division).
"""

from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
PYX_DIRS = ["runtime/accel", "emulator/riscv", "emulator/devices"]

DIRECTIVES = {
    "language_level": "3",
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "embedsignature": True,
}

# -frounding-math: guest FP ops change the host rounding mode at run time.
CFLAGS = ["-O2", "-frounding-math", "-fno-strict-aliasing", "-Wno-unused-function"]


def extensions() -> list[Extension]:
    exts = []
    for folder in PYX_DIRS:
        for pyx in sorted((HERE / folder).glob("*.pyx")):
            rel = pyx.relative_to(HERE)
            name = ".".join(rel.with_suffix("").parts)
            exts.append(
                Extension(
                    name,
                    [str(rel)],
                    include_dirs=["runtime/accel"],
                    extra_compile_args=CFLAGS,
                    libraries=["m"],
                )
            )
    return exts


setup(
    ext_modules=cythonize(
        extensions(),
        compiler_directives=DIRECTIVES,
        include_path=["."],
        nthreads=2,
    ),
)
