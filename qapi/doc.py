"""Documentation comments: their structure, and their agreement with definitions.

A block either documents one definition (it starts with ``# @NAME:``) or
is free-form text, possibly opening with a ``=`` heading.  A definition's
block has an overview, then a section per member (``@member:``), an
optional ``Features:`` list of ``@feature:`` sections, and tagged sections
(``Returns:``, ``Since:``, ``Note:``, ``Example:``, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qapi.error import QAPIParseError, QAPISemError
from qapi.lexer import DocBlock, DocLine
from qapi.source import SourceInfo

if TYPE_CHECKING:
    from qapi.schema import QAPISchemaFeature, QAPISchemaMember

SECTION_TAGS = frozenset(
    ("Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:"))
# Sections that may appear only once in a block.
_UNIQUE_SECTIONS = ("Returns", "Since")


@dataclass
class DocSection:
    """A run of text in a block: the body, a member, a feature or a tag."""

    info: SourceInfo
    name: str | None = None
    indent: int = 0
    text: str = ""
    member: QAPISchemaMember | QAPISchemaFeature | None = None

    def append(self, line: str, info: SourceInfo) -> None:
        # Continuation lines must line up with the first line's text.
        if line:
            indent = len(line) - len(line.lstrip())
            if indent < self.indent:
                raise QAPIParseError(
                    info, f"unexpected de-indent (expected at least {self.indent} spaces)")
            line = line[self.indent:]
        self.text += line.rstrip() + "\n"


@dataclass
class QAPIDoc:
    """One documentation comment block, definition or free-form."""

    info: SourceInfo
    symbol: str | None = None
    body: DocSection = field(init=False)
    args: dict[str, DocSection] = field(default_factory=dict)
    features: dict[str, DocSection] = field(default_factory=dict)
    sections: list[DocSection] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.body = DocSection(self.info)
        self._section = self.body
        self._mode = "body"
        self._ended = False

    # -- reading -----------------------------------------------------------

    def append(self, doc_line: DocLine) -> None:
        """Take one ``#`` line of the block."""
        assert not self._ended
        line, info = doc_line.text[1:], doc_line.info
        if not line:
            self._append_text(line, info)
            return
        if line[0] != " ":
            raise QAPIParseError(info, "missing space after #")
        line = line[1:]
        if self._mode == "body":
            self._body_line(line, info)
        elif self._mode == "args":
            self._symbol_line(line, info, self.args)
        elif self._mode == "features":
            self._symbol_line(line, info, self.features)
        else:
            self._tagged_line(line, info)

    def end(self, info: SourceInfo) -> None:
        """Close the block; the last section must not be empty."""
        self._close_section(info)
        self._ended = True

    def _body_line(self, line: str, info: SourceInfo) -> None:
        first_word = line.split(" ", 1)[0]
        if not self.symbol and not self.body.text and line.startswith("@"):
            if not line.endswith(":"):
                raise QAPIParseError(info, "line should end with ':'")
            self.symbol = line[1:-1]
            if not self.symbol:
                raise QAPIParseError(info, "name required after '@'")
        elif self.symbol and _is_symbol(first_word):
            self._mode = "args"
            self._symbol_line(line, info, self.args)
        elif self.symbol and line == "Features:":
            self._mode = "features"
        elif self.symbol and first_word in SECTION_TAGS:
            self._mode = "tagged"
            self._tagged_line(line, info)
        else:
            self._append_text(line, info)

    def _symbol_line(self, line: str, info: SourceInfo, symbols: dict[str, DocSection]) -> None:
        """A line of the member or feature sections."""
        first_word = line.split(" ", 1)[0]
        if _is_symbol(first_word):
            if not re.match(r"@\S*:", line):
                raise QAPIParseError(info, "invalid parameter name")
            line, indent = _strip_tag(line, r"@\S*:\s*")
            self._start_symbol_section(symbols, first_word[1:-1], indent, info)
        elif first_word in SECTION_TAGS:
            self._mode = "tagged"
            self._tagged_line(line, info)
            return
        elif self._section.text.endswith("\n\n") and line and not line[0].isspace():
            # Unindented text after a blank line ends the member sections.
            if line == "Features:" and symbols is self.args:
                self._mode = "features"
            else:
                self._start_section(None, 0, info)
                self._mode = "tagged"
                self._tagged_line(line, info)
            return
        self._append_text(line, info)

    def _tagged_line(self, line: str, info: SourceInfo) -> None:
        first_word = line.split(" ", 1)[0]
        if _is_symbol(first_word):
            first = self.sections[0].name
            after = f"'{first}' section" if first else "a section of free text"
            raise QAPIParseError(info, f"'{first_word}' can't follow {after}")
        if first_word in SECTION_TAGS:
            line, indent = _strip_tag(line, r"\S*:\s*")
            self._start_section(first_word[:-1], indent, info)
        self._append_text(line, info)

    def _start_symbol_section(self, symbols: dict[str, DocSection], name: str,
                              indent: int, info: SourceInfo) -> None:
        if not name:
            raise QAPIParseError(info, "invalid parameter name")
        if name in symbols:
            raise QAPIParseError(info, f"'{name}' parameter name duplicated")
        self._close_section(info)
        section = DocSection(info, name, indent)
        symbols[name] = section
        self._section = section

    def _start_section(self, name: str | None, indent: int, info: SourceInfo) -> None:
        if name in _UNIQUE_SECTIONS and any(s.name == name for s in self.sections):
            raise QAPIParseError(info, f"duplicated '{name}' section")
        self._close_section(info)
        section = DocSection(info, name, indent)
        self.sections.append(section)
        self._section = section

    def _close_section(self, info: SourceInfo) -> None:
        section = self._section
        section.text = section.text.strip()
        # Only the body may be empty.
        if section is not self.body and not section.text:
            raise QAPIParseError(info, f"empty doc section '{section.name}'")

    def _append_text(self, line: str, info: SourceInfo) -> None:
        match = re.match(r"(@\S+:)", line)
        if match:
            raise QAPIParseError(
                info, f"'{match.group(1)}' not allowed in free-form documentation")
        self._section.append(line, info)

    # -- agreement with the definition ---------------------------------------

    def has_section(self, name: str) -> bool:
        return any(section.name == name for section in self.sections)

    def connect_member(self, member: QAPISchemaMember) -> None:
        # Undocumented members are allowed; they get an empty section.
        section = self.args.get(member.name)
        if section is None:
            section = self.args[member.name] = DocSection(self.info, member.name)
        section.member = member

    def connect_feature(self, feature: QAPISchemaFeature) -> None:
        section = self.features.get(feature.name)
        if section is None:
            raise QAPISemError(feature.info, f"feature '{feature.name}' lacks documentation")
        section.member = feature

    def check_expr(self, expr: dict[str, Any]) -> None:
        if self.has_section("Returns") and "command" not in expr:
            raise QAPISemError(self.info, "'Returns:' is only valid for commands")

    def check(self) -> None:
        """Every documented member and feature must exist."""
        for what, sections in (("member", self.args), ("feature", self.features)):
            bogus = [name for name, section in sections.items() if section.member is None]
            if bogus:
                plural = len(bogus) > 1
                names = "', '".join(bogus)
                raise QAPISemError(
                    sections[bogus[0]].info,
                    f"documented {what}{'s' if plural else ''} '{names}' "
                    f"{'do' if plural else 'does'} not exist")


def _is_symbol(word: str) -> bool:
    return word.startswith("@") and word.endswith(":")


def _strip_tag(line: str, tag_pattern: str) -> tuple[str, int]:
    """Replace a leading tag by spaces; the text's column is the section's indent.

    A tag alone on its line means the text follows unindented.
    """
    match = re.match(tag_pattern, line)
    assert match is not None
    indent = match.end()
    rest = line[indent:]
    if not rest:
        return rest, 0
    return " " * indent + rest, indent


def split_doc_block(block: DocBlock) -> list[QAPIDoc]:
    """The documentation comments of one ``##`` block.

    A ``# =`` heading line starts a new free-form comment when text came
    before it; in a definition's block it is an error.
    """
    docs: list[QAPIDoc] = []
    doc = QAPIDoc(block.info)
    for line in block.lines:
        if line.text.startswith("# ="):
            if doc.symbol:
                raise QAPIParseError(
                    line.info, "unexpected '=' markup in definition documentation")
            if doc.body.text:
                doc.end(line.info)
                docs.append(doc)
                doc = QAPIDoc(block.info)
        doc.append(line)
    doc.end(block.lines[-1].info if block.lines else block.info)
    docs.append(doc)
    return docs
