"""Reading a whole stream as plain data, and writing it back.

``decode_stream`` loads every section into a ``Record`` with the
project's own descriptions (the vmdesc in the stream is kept, never used
to decode), RAM into a ``RamImage``.  ``analyze_dict`` shows the result as
QEMU's ``scripts/analyze-migration.py`` does; ``encode_stream`` writes it
again with the project's writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.migration.analyze import render_ram, render_struct
from runtime.migration.boards import VirtProfile, find_description
from runtime.migration.errors import MigrationError
from runtime.migration.ram import RamMigration
from runtime.migration.savevm import (
    LiveHandler,
    LoadOptions,
    LoadResult,
    SaveOptions,
    SaveStateRegistry,
    load_state,
    save_state,
)
from runtime.migration.stream import StreamReader, StreamWriter
from runtime.migration.vmstate import Description, Record

DEFAULT_PAGE_SIZE = 4096


@dataclass
class DecodedStream:
    """A stream's content: configuration, sections in order, RAM."""

    result: LoadResult
    configuration: Record
    ram: RamMigration
    descriptions: Mapping[str, Description] = field(default_factory=dict)

    @property
    def page_size(self) -> int:
        return self.ram.page_size

    def own_vmdesc(self) -> dict[str, Any]:
        """The vmdesc the project's descriptions give for what was read."""
        return self.result.vmdesc_of_sections(self.page_size)


def _page_size(configuration: Record) -> int:
    bits = getattr(configuration, "target_page_bits", None)
    if isinstance(bits, int) and 9 <= bits <= 30:
        return 1 << bits
    return DEFAULT_PAGE_SIZE


def _capabilities(configuration: Record) -> list[bytes]:
    """The migration capabilities the configuration section names."""
    return [getattr(capability, "name", b"")
            for capability in getattr(configuration, "capabilities", [])]


def decode_stream(inp: StreamReader, descriptions: Mapping[str, Description],
                  profile: VirtProfile | None = None, keep_desc: bool = True) -> DecodedStream:
    """Read every section of ``inp`` into records.

    With ``keep_desc`` (needed by ``analyze_dict`` and ``own_vmdesc``) each
    device section keeps the vmdesc built while reading it.
    """
    profile = profile or VirtProfile()
    configuration = Record()
    ram = RamMigration(page_size=DEFAULT_PAGE_SIZE)
    harts_seen = 0

    def resolve(idstr: str, instance_id: int, version_id: int
                ) -> tuple[Description | None, Any, LiveHandler | None]:
        nonlocal harts_seen
        if idstr == "ram":
            ram.page_size = _page_size(configuration)
            ram.ignore_shared = b"x-ignore-shared" in _capabilities(configuration)
            return None, None, ram
        description = find_description(idstr, descriptions)
        if description is None:
            raise MigrationError(f"no description reads section '{idstr}'")
        if version_id > description.version:
            raise MigrationError(f"unsupported version {version_id} for '{idstr}' "
                                 f"v{description.version}")
        if description.key == "cpu":
            harts_seen += 1
        return description, Record(**profile.properties(description.key, harts_seen)), None

    config_description = descriptions.get("configuration")
    result = load_state(
        inp, resolve,
        (config_description, configuration) if config_description is not None else None,
        LoadOptions(keep_desc=keep_desc))
    return DecodedStream(result, configuration, ram, descriptions)


def analyze_dict(decoded: DecodedStream, with_ram_pages: bool = False) -> dict[str, Any]:
    """The sections as analyze-migration.py shows them."""
    out: dict[str, Any] = {}
    for section in decoded.result.sections:
        key = f"{section.idstr} ({section.section_id})"
        if section.live is not None:
            out[key] = render_ram(decoded.ram.image, with_ram_pages)
        elif section.desc is not None:
            out[key] = render_struct(section.desc)
        else:
            raise MigrationError(f"section '{section.idstr}' was read without its vmdesc")
    return out


def encode_stream(out: StreamWriter, decoded: DecodedStream) -> dict[str, Any]:
    """Write what was decoded as a new stream; returns its vmdesc."""
    registry = SaveStateRegistry()
    descriptions = decoded.descriptions
    for section in decoded.result.sections:
        if section.live is not None:
            ram = RamMigration(page_size=decoded.page_size)
            ram.image = decoded.ram.image
            ram.ignore_shared = decoded.ram.ignore_shared
            registry.register_live(section.idstr, ram, section.instance_id,
                                   section.section_id)
            continue
        description = find_description(section.idstr, descriptions)
        assert description is not None
        registry.register(section.idstr, description, section.state, section.instance_id,
                          section.section_id)
    config = descriptions.get("configuration")
    return save_state(out, registry,
                      (config, decoded.configuration) if config is not None else None,
                      SaveOptions(page_size=decoded.page_size))
