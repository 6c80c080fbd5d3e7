"""Fixtures of the QAPI front-end tests: QEMU's verdicts, computed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from .testlib import BAD_DIR, GOOD_DIR, qemu_check_all


def schema_names(folder: Path) -> list[str]:
    """The top-level test schemas of a folder (helpers live in subfolders)."""
    return sorted(path.name for path in folder.glob("*.json"))


@pytest.fixture(scope="session")
def qemu_bad_verdicts(qemu_source: Path) -> dict:
    """QEMU's verdict on every negative case, from one oracle process."""
    return qemu_check_all(qemu_source, BAD_DIR, schema_names(BAD_DIR))


@pytest.fixture(scope="session")
def qemu_good_verdicts(qemu_source: Path) -> dict:
    """QEMU's verdict on every positive schema, from one oracle process."""
    return qemu_check_all(qemu_source, GOOD_DIR, schema_names(GOOD_DIR))
