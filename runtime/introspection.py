"""Resolving the conditions of an introspection tree for this build."""

from __future__ import annotations

from typing import Any

from runtime import config as build_config


def _is_conditional(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 2 and "if" in node and "value" in node


def resolve_conditions(tree: Any, symbols: frozenset[str] | None = None) -> Any:
    """``tree`` with each ``{"if": COND, "value": X}`` replaced by X when
    COND holds for ``symbols`` (default: the build's config), else dropped."""
    defined = build_config.config() if symbols is None else symbols

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            items = []
            for item in node:
                if _is_conditional(item):
                    if not build_config.evaluate(item["if"], defined):
                        continue
                    item = item["value"]
                items.append(resolve(item))
            return items
        if isinstance(node, dict):
            return {key: resolve(value) for key, value in node.items()}
        return node

    return resolve(tree)
