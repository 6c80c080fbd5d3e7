"""Device state as JSON, in the shape QEMU's ``scripts/analyze-migration.py``
prints it.

Sections are keyed ``"idstr (section id)"`` in stream order.  A device
section is an object of its fields by vmdesc name (arrays as lists,
structs and subsections as objects); integers print as zero-padded hex
(negative signed values followed by their decimal value), booleans as
JSON booleans, anything else as its bytes in hex, as that script shows
them.  The RAM section lists its blocks' sizes ("section sizes") and,
when asked, its pages ("memory").
"""

from __future__ import annotations

import json
from typing import Any

from runtime.migration.ram import RamImage

# How the script shows each vmdesc type: signed or unsigned integers, or
# booleans; any other type shows as bytes.
_SIGNED = frozenset({"int8", "int16", "int32", "int32 equal", "int32 le", "int64",
                     "int64 equal", "uint8 equal", "uint16 equal"})
_UNSIGNED = frozenset({"uint8", "uint16", "uint32", "uint32 equal", "uint64"})


def _integer(value: int, size: int, signed: bool) -> str:
    bits = size * 8
    unsigned = value & ((1 << bits) - 1)
    text = f"0x{unsigned:0{size * 2}x}"
    if signed and unsigned >= 1 << (bits - 1):
        return f"{text} ({unsigned - (1 << bits)})"
    return text


def _hex_bytes(data: bytes) -> str:
    return " ".join(f"{byte:02x}" for byte in data)


def _as_bytes(value: Any, size: int) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return bytes([int(value)]) + bytes(size - 1)
    if isinstance(value, int):
        return (value & ((1 << (size * 8)) - 1)).to_bytes(size, "big")
    raise TypeError(f"cannot show {type(value).__name__} as bytes")


def render_value(type_name: str, size: int, value: Any) -> Any:
    """One field element as the script shows it."""
    if type_name == "bool":
        return bool(value)
    if type_name in _SIGNED:
        return _integer(value, size, True)
    if type_name in _UNSIGNED:
        return _integer(value, size, False)
    return _hex_bytes(_as_bytes(value, size))


def _render_entry(entry: dict[str, Any]) -> Any:
    if entry["type"] == "struct" and "struct" in entry:
        return render_struct(entry["struct"])
    return render_value(entry["type"], entry["size"], entry["data"])


def render_struct(desc: dict[str, Any]) -> dict[str, Any]:
    """A description's fields and subsections, from the vmdesc built while loading."""
    out: dict[str, Any] = {}
    for entry in desc["fields"]:
        name = entry["name"]
        if "array_len" in entry:
            if entry["type"] == "struct" and "struct" in entry:
                elements = [entry, *entry.get("elements", [])]
                out[name] = [render_struct(element["struct"]) for element in elements]
            elif "data" in entry and isinstance(entry["data"], list):
                out[name] = [render_value(entry["type"], entry["size"], value)
                             for value in entry["data"]]
            else:
                elements = [entry, *entry.get("elements", [])]
                out[name] = [_render_entry(element) for element in elements]
        elif "index" in entry:
            out.setdefault(name, []).append(_render_entry(entry))
        else:
            out[name] = _render_entry(entry)
    for sub in desc.get("subsections", []):
        out[sub["vmsd_name"]] = render_struct(sub)
    return out


def render_ram(image: RamImage, with_pages: bool) -> dict[str, Any]:
    """The RAM section: block sizes, and the pages when asked."""
    out: dict[str, Any] = {"section sizes": {name: f"0x{size:016x}"
                                             for name, size in image.sizes.items()}}
    if with_pages:
        memory: dict[str, str] = {}
        for (name, addr), content in image.pages.items():
            key = f"{name} (0x{addr:016x})"
            memory[key] = (f"Filled with 0x{content:02x}" if isinstance(content, int)
                           else _hex_bytes(content))
        out["memory"] = memory
    return out


def to_json(value: Any) -> str:
    """JSON text laid out as the script prints it."""
    return json.dumps(value, indent=4, separators=(",", ": "))
