"""JSON values read from a schema, remembering where each part was written."""

from __future__ import annotations

from typing import Any

from qapi.source import SourceInfo


class JSONObject(dict[str, Any]):
    """A schema object: its members in order, where it and each key start."""

    def __init__(self, info: SourceInfo) -> None:
        super().__init__()
        self.info = info
        self.key_info: dict[str, SourceInfo] = {}

    def where(self, key: str) -> SourceInfo:
        """The position of member ``key``, else of the object itself."""
        return self.key_info.get(key, self.info)


class JSONArray(list[Any]):
    """A schema array: its items, where it and each item start."""

    def __init__(self, info: SourceInfo) -> None:
        super().__init__()
        self.info = info
        self.item_info: list[SourceInfo] = []

    def where(self, index: int) -> SourceInfo:
        if 0 <= index < len(self.item_info):
            return self.item_info[index]
        return self.info


def info_of(value: object, default: SourceInfo) -> SourceInfo:
    """The position of ``value`` when it is a container, else ``default``."""
    if isinstance(value, JSONObject | JSONArray):
        return value.info
    return default
