"""Flattened device trees: building one and writing the blob (DTB).

A `DeviceTree` is edited by path, the way QEMU's boards build theirs
(``add_subnode("/soc/uart@10000000")``, ``setprop_cells(path, "reg",
...)``), and `to_blob` writes the flattened form (version 17, as ``dtc``
and libfdt write it).  Editing follows libfdt's in-place rules, so a tree
built by the same sequence of calls as QEMU's comes out the same, byte for
byte: a new property goes before the node's existing ones, a new subnode
before the existing subnodes, and a property name is looked up in the
strings block (any string there that ends the same way is reused) before
it is appended.  `from_blob` reads a DTB back (``-dtb``, tests).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE = 1
FDT_END_NODE = 2
FDT_PROP = 3
FDT_NOP = 4
FDT_END = 9
FDT_VERSION = 17
FDT_LAST_COMP_VERSION = 16
HEADER_SIZE = 40
RESERVE_ENTRY_SIZE = 16


class DeviceTreeError(ValueError):
    """A path that names no node, or a blob that is not a device tree."""


@dataclass
class Node:
    name: str
    properties: list[tuple[str, bytes]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def child(self, name: str) -> Node | None:
        for node in self.children:
            if node.name == name:
                return node
        return None

    def get(self, name: str) -> bytes | None:
        for prop_name, value in self.properties:
            if prop_name == name:
                return value
        return None


def cells(*values: int) -> bytes:
    """Big-endian 32-bit cells."""
    return b"".join(struct.pack(">I", value & 0xFFFFFFFF) for value in values)


def sized_cells(*pairs: tuple[int, int]) -> bytes:
    """Values of 1 or 2 cells each, given as (cells, value) pairs."""
    out = b""
    for count, value in pairs:
        if count == 2:
            out += struct.pack(">Q", value & 0xFFFFFFFFFFFFFFFF)
        elif count == 1:
            if value >> 32:
                raise DeviceTreeError(f"value 0x{value:x} does not fit in one cell")
            out += struct.pack(">I", value)
        else:
            raise DeviceTreeError(f"{count} cells per value")
    return out


class DeviceTree:
    """A device tree being built.  Paths are absolute (``/``, ``/cpus``)."""

    def __init__(self, root: Node | None = None, strings: bytes = b"") -> None:
        self.root = root if root is not None else Node("")
        # The strings block as libfdt grows it: property names in the order
        # they were first needed.
        self._strings = bytearray(strings)

    # -- navigation ----------------------------------------------------------

    def node(self, path: str) -> Node:
        if not path.startswith("/"):
            raise DeviceTreeError(f"{path}: not an absolute path")
        node = self.root
        for part in (p for p in path.split("/") if p):
            found = node.child(part)
            if found is None:
                raise DeviceTreeError(f"{path}: no such node")
            node = found
        return node

    def exists(self, path: str) -> bool:
        try:
            self.node(path)
        except DeviceTreeError:
            return False
        return True

    # -- editing -------------------------------------------------------------

    def add_subnode(self, path: str) -> Node:
        parent_path, _, name = path.rstrip("/").rpartition("/")
        parent = self.node(parent_path or "/")
        if parent.child(name) is not None:
            raise DeviceTreeError(f"{path}: node exists")
        node = Node(name)
        parent.children.insert(0, node)
        return node

    def setprop(self, path: str, name: str, value: bytes = b"") -> None:
        node = self.node(path)
        for index, (prop_name, _) in enumerate(node.properties):
            if prop_name == name:
                node.properties[index] = (name, bytes(value))
                return
        self._string_offset(name)
        node.properties.insert(0, (name, bytes(value)))

    def setprop_cells(self, path: str, name: str, *values: int) -> None:
        self.setprop(path, name, cells(*values))

    def setprop_sized_cells(self, path: str, name: str, *pairs: tuple[int, int]) -> None:
        self.setprop(path, name, sized_cells(*pairs))

    def setprop_string(self, path: str, name: str, value: str) -> None:
        self.setprop(path, name, value.encode() + b"\0")

    def setprop_strings(self, path: str, name: str, *values: str) -> None:
        self.setprop(path, name, b"".join(v.encode() + b"\0" for v in values))

    def getprop(self, path: str, name: str) -> bytes | None:
        return self.node(path).get(name)

    def phandle(self, path: str) -> int:
        """The node's phandle (0 when it has none)."""
        value = self.getprop(path, "phandle")
        return struct.unpack(">I", value)[0] if value is not None and len(value) == 4 else 0

    def _string_offset(self, name: str) -> int:
        needle = name.encode() + b"\0"
        offset = self._strings.find(needle)
        if offset < 0:
            offset = len(self._strings)
            self._strings += needle
        return offset

    # -- the flattened form --------------------------------------------------

    def to_blob(self) -> bytes:
        """The DTB, packed (no free space), with an empty reservation map."""
        structure = bytearray()
        self._flatten(self.root, structure)
        structure += struct.pack(">I", FDT_END)
        strings = bytes(self._strings)
        off_rsvmap = HEADER_SIZE
        off_struct = off_rsvmap + RESERVE_ENTRY_SIZE
        off_strings = off_struct + len(structure)
        total = off_strings + len(strings)
        header = struct.pack(">10I", FDT_MAGIC, total, off_struct, off_strings, off_rsvmap,
                             FDT_VERSION, FDT_LAST_COMP_VERSION, 0, len(strings),
                             len(structure))
        return header + bytes(RESERVE_ENTRY_SIZE) + bytes(structure) + strings

    def _flatten(self, node: Node, out: bytearray) -> None:
        out += struct.pack(">I", FDT_BEGIN_NODE) + _padded(node.name.encode() + b"\0")
        for name, value in node.properties:
            out += struct.pack(">III", FDT_PROP, len(value), self._string_offset(name))
            out += _padded(value)
        for child in node.children:
            self._flatten(child, out)
        out += struct.pack(">I", FDT_END_NODE)

    @classmethod
    def from_blob(cls, blob: bytes) -> DeviceTree:
        """Read a DTB (as ``-dtb`` gives one)."""
        if len(blob) < HEADER_SIZE:
            raise DeviceTreeError("too short for a device tree")
        (magic, total, off_struct, off_strings, _, version, _, _, size_strings,
         size_struct) = struct.unpack_from(">10I", blob)
        if magic != FDT_MAGIC or version < FDT_LAST_COMP_VERSION or total > len(blob):
            raise DeviceTreeError("not a flattened device tree")
        strings = blob[off_strings:off_strings + size_strings]
        offset = off_struct
        end = off_struct + size_struct
        stack: list[Node] = []
        root: Node | None = None
        while offset < end:
            (token,) = struct.unpack_from(">I", blob, offset)
            offset += 4
            if token == FDT_BEGIN_NODE:
                name_end = blob.index(b"\0", offset)
                node = Node(blob[offset:name_end].decode())
                offset = _align(name_end + 1)
                if stack:
                    stack[-1].children.append(node)
                else:
                    root = node
                stack.append(node)
            elif token == FDT_END_NODE:
                stack.pop()
            elif token == FDT_PROP:
                length, name_offset = struct.unpack_from(">II", blob, offset)
                offset += 8
                name = strings[name_offset:strings.index(b"\0", name_offset)].decode()
                stack[-1].properties.append((name, blob[offset:offset + length]))
                offset = _align(offset + length)
            elif token == FDT_END:
                break
            elif token != FDT_NOP:
                raise DeviceTreeError(f"bad structure token {token}")
        if root is None:
            raise DeviceTreeError("no root node")
        return cls(root, strings)


def _align(offset: int) -> int:
    return (offset + 3) & ~3


def _padded(data: bytes) -> bytes:
    return data + bytes(_align(len(data)) - len(data))
