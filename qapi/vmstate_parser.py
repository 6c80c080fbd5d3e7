"""Reads device state description files: top-level expressions and includes.

A description file holds JSON objects in the schema's dialect (with
integers, see ``qapi.vmstate_lexer``).  ``{ 'include': 'other.vmsd' }``
splices another file in, once per file, relative to the including one.
A ``##`` documentation block just before a definition becomes its doc
text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from qapi.error import QAPISemError
from qapi.lexer import DocBlock
from qapi.parser import include_file_name, is_new_include, read_source
from qapi.source import SourceInfo
from qapi.values import JSONObject
from qapi.vmstate_lexer import parse_description_text


@dataclass
class DescriptionExpr:
    """A top-level definition with where it starts and its doc text."""

    expr: JSONObject
    info: SourceInfo
    doc: str = ""


def _doc_text(block: DocBlock) -> str:
    lines = []
    for line in block.lines:
        text = line.text[1:]
        lines.append(text[1:] if text.startswith(" ") else text)
    return "\n".join(lines).strip()


class VMStateParser:
    """Parses one description file and, recursively, the files it includes.

    ``exprs`` holds every definition in order, included files' spliced in
    where their ``include`` directive stands.
    """

    def __init__(self, fname: str, previously_included: set[str] | None = None,
                 incl_info: SourceInfo | None = None) -> None:
        self._fname = fname
        self._included = previously_included if previously_included is not None else set()
        self._included.add(os.path.abspath(fname))
        self._incl_info = incl_info
        self.exprs: list[DescriptionExpr] = []
        self._parse()

    def _parse(self) -> None:
        text = read_source(self._fname, self._incl_info, "description")
        file_info = SourceInfo(self._fname, parent=self._incl_info)
        doc = ""
        for info, value in parse_description_text(text, file_info):
            if isinstance(value, DocBlock):
                doc = _doc_text(value)
                continue
            if not isinstance(value, JSONObject):
                raise QAPISemError(info, "top-level expression must be an object")
            if "include" in value:
                self._include_directive(value, info)
            else:
                self.exprs.append(DescriptionExpr(value, info, doc))
            doc = ""

    def _include_directive(self, expr: JSONObject, info: SourceInfo) -> None:
        incl_fname = include_file_name(expr, info, self._fname)
        if is_new_include(expr["include"], incl_fname, info, self._included):
            self.exprs.extend(VMStateParser(incl_fname, self._included, info).exprs)
