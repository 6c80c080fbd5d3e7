"""Fixtures of the migration tests: QEMU-made streams, QEMU's stream
analyzer, and descriptions compiled from text."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from generator.vmstate import module_source
from runtime.migration.catalog import virt_descriptions
from runtime.migration.vmstate import Description
from tests.conftest import oracle_env
from tests.migration.qemu_runner import migrate_to_file, qemu_available

# The streams the tests read: QEMU's command line after "-M virt -display
# none -nodefaults" ({folder} is a scratch folder), how long the guest runs
# before migrating, and the migration capabilities set.
QEMU_STREAMS: dict[str, tuple[list[str], float, tuple[str, ...]]] = {
    # Stopped before the first instruction (-S): OpenSBI loaded, not run.
    "paused": (["-S", "-m", "64M"], 0.0, ()),
    # OpenSBI (-bios default) running, with no kernel to start: it spins.
    "running": (["-m", "64M", "-bios", "default"], 0.5, ()),
    # Two harts, two virtio-rng devices on virtio 1.0 (non-legacy) mmio.
    "virtio": (["-m", "64M", "-smp", "2", "-bios", "default",
                "-global", "virtio-mmio.force-legacy=false",
                "-device", "virtio-rng-device", "-device", "virtio-rng-device"], 0.3, ()),
    # A hart with the vector and pointer-masking extensions.
    "vector": (["-S", "-m", "64M", "-cpu", "rv64,v=true,vlen=256,x-j=true"], 0.0, ()),
    # Guest RAM in a shared file, left out of the stream (x-ignore-shared):
    # the configuration names the capability, the RAM blocks their address.
    "shared": (["-S", "-m", "64M", "-object", "memory-backend-file,id=ram,size=64M,"
                "mem-path={folder}/guest.ram,share=on", "-machine", "memory-backend=ram"],
               0.0, ("x-ignore-shared",)),
}


@pytest.fixture(scope="session")
def qemu_stream(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``qemu_stream(name)``: the stream QEMU writes for ``QEMU_STREAMS[name]``."""
    if not qemu_available():
        pytest.fail("qemu-system-riscv64 is missing; install Debian's qemu-system-misc "
                    "(make install does, as root)", pytrace=False)
    folder = tmp_path_factory.mktemp("qemu-streams")
    made: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in made:
            args, run_seconds, capabilities = QEMU_STREAMS[name]
            args = [arg.replace("{folder}", str(folder)) for arg in args]
            made[name] = migrate_to_file(folder / f"{name}.bin", args, run_seconds,
                                         capabilities)
        return made[name]

    return make


@pytest.fixture(scope="session")
def analyze_migration(qemu_source: Path) -> Callable[..., str]:
    """``analyze_migration(file, *args)``: the stdout of QEMU's
    scripts/analyze-migration.py (it fails the test if the script does)."""
    script = qemu_source / "scripts" / "analyze-migration.py"

    def run(path: Path, *args: str) -> str:
        done = subprocess.run([sys.executable, str(script), "-f", str(path), *args],
                              capture_output=True, text=True, env=oracle_env(), check=False,
                              timeout=120)
        assert done.returncode == 0, f"analyze-migration.py failed:\n{done.stderr}"
        return done.stdout

    return run


@pytest.fixture(scope="session")
def virt() -> dict[str, Description]:
    """The virt board's descriptions (schema/vmstate), compiled."""
    return virt_descriptions()


def load_generated_text(text: str, name: str) -> ModuleType:
    module = ModuleType(name)
    exec(compile(text, f"<{name}>", "exec"), module.__dict__)
    return module


@pytest.fixture
def compile_vmsd(tmp_path: Path) -> Callable[[str], dict[str, Description]]:
    """``compile_vmsd(text)``: the descriptions of a .vmsd text, compiled."""
    count = 0

    def compile_text(text: str) -> dict[str, Description]:
        nonlocal count
        count += 1
        path = tmp_path / f"test{count}.vmsd"
        path.write_text(text)
        module = load_generated_text(module_source(str(path)), f"vmstate_test{count}")
        descriptions: dict[str, Description] = module.DESCRIPTIONS
        return descriptions

    return compile_text
