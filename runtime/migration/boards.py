"""Which description reads each section of a board's stream, and the
configuration (non-migrated sizes) its records need.

A section's id string is the description's name, possibly after the
device's bus path (``0000:00:00.0/gpex_root``,
``virtio-mmio@0000000010008000/virtio-rng``).  Array lengths such as the
PLIC's source count are the board's configuration, not state: the board
profile gives them, as the destination's own devices would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.migration.vmstate import Description, Record

# Sections whose description is not found by its name.
VIRT_SECTION_DESCRIPTIONS = {"serial": "serial-mm"}

# QEMU 7.2's virt board (hw/riscv/virt.c and its devices).
VIRT_PLIC_SOURCES = 96
VIRT_PLIC_CONTEXTS_PER_HART = 2   # M and S mode
UART_FIFO_LENGTH = 16
VIRT_FLASH_WRITEBLOCK = 4096      # two 16-bit devices, 2 KiB write buffers each


@dataclass
class VirtProfile:
    """The riscv64 virt board's configuration, for records of its sections.

    ``harts_per_socket`` is the number of harts each ACLINT timer and PLIC
    serves; when None it is taken as the number of "cpu" sections read
    before them (a board with one socket).
    """

    harts_per_socket: int | None = None

    def properties(self, key: str, harts_seen: int) -> dict[str, Any]:
        """Member values a record of description ``key`` starts with."""
        harts = self.harts_per_socket if self.harts_per_socket is not None else harts_seen
        name = key
        if name == "riscv_mtimer":
            return {"num_harts": harts}
        if name == "riscv_sifive_plic":
            words = (VIRT_PLIC_SOURCES + 31) // 32
            contexts = harts * VIRT_PLIC_CONTEXTS_PER_HART
            return {"num_sources": VIRT_PLIC_SOURCES, "num_addrs": contexts,
                    "bitfield_words": words, "num_enables": words * contexts}
        if name == "serial-mm":
            return {"serial": Record(recv_fifo=Record(capacity=UART_FIFO_LENGTH),
                                     xmit_fifo=Record(capacity=UART_FIFO_LENGTH))}
        if name == "pflash_cfi01":
            return {"writeblock_size": VIRT_FLASH_WRITEBLOCK}
        return {}


def find_description(idstr: str, descriptions: Mapping[str, Description],
                     aliases: Mapping[str, str] = VIRT_SECTION_DESCRIPTIONS
                     ) -> Description | None:
    """The description reading section ``idstr``: by its whole id, else by the
    id without its leading path components."""
    parts = idstr.split("/")
    for index in range(len(parts)):
        name = "/".join(parts[index:])
        description = descriptions.get(aliases.get(name, name))
        if description is not None:
            return description
    return None
