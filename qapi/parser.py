"""Reads schema files: top-level expressions, includes, pragmas, doc comments.

The grammar gives each file's values and doc blocks; this module applies
the directives (``include`` is expanded in place, once per file;
``pragma`` sets schema-wide options) and ties each definition to the doc
comment just before it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from qapi.doc import QAPIDoc, split_doc_block
from qapi.error import QAPISemError
from qapi.grammar import parse_text
from qapi.lexer import DocBlock
from qapi.source import Pragma, SourceInfo
from qapi.values import JSONObject


@dataclass
class TopLevelExpr:
    """A definition or directive with where it starts and its doc comment."""

    expr: JSONObject
    info: SourceInfo
    doc: QAPIDoc | None = None


class QAPISchemaParser:
    """Parses one schema file and, recursively, the files it includes.

    ``exprs`` holds every expression in order, included files' spliced in
    after their ``include`` directive; ``docs`` holds every doc comment.
    """

    def __init__(self, fname: str, previously_included: set[str] | None = None,
                 incl_info: SourceInfo | None = None) -> None:
        self._fname = fname
        self._included = previously_included if previously_included is not None else set()
        self._included.add(os.path.abspath(fname))
        self._incl_info = incl_info
        self.exprs: list[TopLevelExpr] = []
        self.docs: list[QAPIDoc] = []
        self._parse()

    def _parse(self) -> None:
        text = read_source(self._fname, self._incl_info, "schema")
        file_info = SourceInfo(self._fname, parent=self._incl_info,
                               pragma=None if self._incl_info else Pragma())
        cur_doc: QAPIDoc | None = None
        for info, value in parse_text(text, file_info):
            if isinstance(value, DocBlock):
                _reject_expr_doc(cur_doc)
                for cur_doc in split_doc_block(value):
                    self.docs.append(cur_doc)
                continue
            if not isinstance(value, JSONObject):
                raise QAPISemError(info, "top-level expression must be an object")
            if "include" in value:
                _reject_expr_doc(cur_doc)
                self._include_directive(value, info)
            elif "pragma" in value:
                _reject_expr_doc(cur_doc)
                self._pragma_directive(value, info)
            else:
                if cur_doc is not None and not cur_doc.symbol:
                    raise QAPISemError(cur_doc.info, "definition documentation required")
                self.exprs.append(TopLevelExpr(value, info, cur_doc))
            cur_doc = None
        _reject_expr_doc(cur_doc)

    def _include_directive(self, expr: JSONObject, info: SourceInfo) -> None:
        incl_fname = include_file_name(expr, info, self._fname)
        directive = JSONObject(info)
        directive["include"] = incl_fname
        self.exprs.append(TopLevelExpr(directive, info))
        if is_new_include(expr["include"], incl_fname, info, self._included):
            included = QAPISchemaParser(incl_fname, self._included, info)
            self.exprs.extend(included.exprs)
            self.docs.extend(included.docs)

    def _pragma_directive(self, expr: JSONObject, info: SourceInfo) -> None:
        if len(expr) != 1:
            raise QAPISemError(info, "invalid 'pragma' directive")
        pragma = expr["pragma"]
        if not isinstance(pragma, JSONObject):
            raise QAPISemError(expr.where("pragma"), "value of 'pragma' must be an object")
        for name, value in pragma.items():
            _set_pragma(info.pragma, name, value, pragma.where(name))


def include_file_name(expr: JSONObject, info: SourceInfo, including_fname: str) -> str:
    """Check an ``include`` directive; the file it names, relative to the includer."""
    if len(expr) != 1:
        raise QAPISemError(info, "invalid 'include' directive")
    include = expr["include"]
    if not isinstance(include, str):
        raise QAPISemError(expr.where("include"), "value of 'include' must be a string")
    return os.path.join(os.path.dirname(including_fname), include)


def is_new_include(include: str, incl_fname: str, info: SourceInfo,
                   previously_included: set[str]) -> bool:
    """Whether ``incl_fname`` still needs reading: a file already read is
    skipped (includes are idempotent), one that includes itself is an error."""
    incl_abs_fname = os.path.abspath(incl_fname)
    outer: SourceInfo | None = info
    while outer is not None:
        if incl_abs_fname == os.path.abspath(outer.fname):
            raise QAPISemError(info, f"inclusion loop for {include}")
        outer = outer.parent
    return incl_abs_fname not in previously_included


def read_source(fname: str, incl_info: SourceInfo | None, what: str) -> str:
    """The text of a schema (or description) file, or a located error."""
    try:
        with open(fname, encoding="utf-8") as source_file:
            return source_file.read()
    except OSError as err:
        kind = "include" if incl_info else what
        raise QAPISemError(incl_info, f"can't read {kind} file '{fname}': {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise QAPISemError(SourceInfo(fname, parent=incl_info),
                           f"file is not valid UTF-8 (byte offset {err.start})") from err


def _set_pragma(pragma: Pragma, name: str, value: Any, info: SourceInfo) -> None:
    if name == "doc-required":
        if not isinstance(value, bool):
            raise QAPISemError(info, "pragma 'doc-required' must be boolean")
        pragma.doc_required = value
        return
    lists = {
        "command-name-exceptions": "command_name_exceptions",
        "command-returns-exceptions": "command_returns_exceptions",
        "member-name-exceptions": "member_name_exceptions",
    }
    if name not in lists:
        raise QAPISemError(info, f"unknown pragma '{name}'")
    if not isinstance(value, list) or any(not isinstance(elt, str) for elt in value):
        raise QAPISemError(info, f"pragma {name} must be a list of strings")
    setattr(pragma, lists[name], list(value))


def _reject_expr_doc(doc: QAPIDoc | None) -> None:
    if doc is not None and doc.symbol:
        raise QAPISemError(
            doc.info, f"documentation for '{doc.symbol}' is not followed by the definition")
