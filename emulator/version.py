"""The versions cyqemu reports: the QEMU release whose interfaces it
implements, and its own."""

from __future__ import annotations

QEMU_VERSION = (7, 2, 22)
CYQEMU_VERSION = "0.1.0"
PACKAGE = f"cyqemu {CYQEMU_VERSION}"


def version_banner() -> str:
    """The first line of ``-version``; tools parse ``QEMU emulator version X.Y.Z``."""
    major, minor, micro = QEMU_VERSION
    return f"QEMU emulator version {major}.{minor}.{micro} ({PACKAGE})"
