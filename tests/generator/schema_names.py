"""Names from QEMU's schema, known when tests are collected (to
parametrize over them)."""

from __future__ import annotations

import functools

from qapi.schema import QAPISchema, QAPISchemaCommand, QAPISchemaType
from tests.conftest import QEMU_SRC_LINK

MISSING = "<QEMU's source is missing>"


QEMU_SCHEMA = "qapi/qapi-schema.json"
QEMU_TEST_SCHEMA = "tests/qapi-schema/qapi-schema-test.json"
"""QEMU's own test schema: every feature of the language, odd names included."""


@functools.cache
def _qemu_schema(relative: str = QEMU_SCHEMA) -> QAPISchema | None:
    path = QEMU_SRC_LINK / relative
    return QAPISchema(str(path)) if path.is_file() else None


def qemu_type_names(relative: str = QEMU_SCHEMA) -> list[str]:
    """Every type of a schema of QEMU's (built-in ones too), in schema order."""
    schema = _qemu_schema(relative)
    if schema is None:
        return [MISSING]  # the qemu_source fixture then says what to do
    return [e.name for e in schema.entities if isinstance(e, QAPISchemaType) and e.name]


def qemu_command_names() -> list[str]:
    schema = _qemu_schema()
    if schema is None:
        return [MISSING]
    return [e.name for e in schema.entities if isinstance(e, QAPISchemaCommand) and e.name]
