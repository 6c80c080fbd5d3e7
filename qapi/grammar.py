"""The schema grammar (PLY yacc): tokens to located JSON values.

A schema file is a sequence of JSON values and documentation blocks.
Syntax errors name what the parser expected at the offending token,
in the words QEMU's parser uses.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import ply.yacc

from qapi.error import QAPIParseError
from qapi.lexer import DocBlock, SchemaLexer
from qapi.source import SourceInfo
from qapi.values import JSONArray, JSONObject

TopLevelItem = tuple[SourceInfo, Any]

# How each token is named in "expected ..." messages, in message order.
_EXPECTED_NAMES = (
    ("COMMA", "','"),
    ("COLON", "':'"),
    ("LBRACE", "'{'"),
    ("LBRACKET", "'['"),
    ("RBRACKET", "']'"),
    ("STRING", "string"),
    ("TRUE", "boolean"),
    ("RBRACE", "'}'"),
)


def _expected_message(expected: set[str]) -> str:
    names = [name for token, name in _EXPECTED_NAMES if token in expected]
    if not names:
        return "unexpected input"
    if len(names) == 1:
        return f"expected {names[0]}"
    if len(names) == 2:
        return f"expected {names[0]} or {names[1]}"
    return "expected " + ", ".join(names[:-1]) + ", or " + names[-1]


class _Grammar:
    """Productions for PLY; each docstring is the rule."""

    tokens = SchemaLexer.tokens

    def __init__(self) -> None:
        self.lexer: SchemaLexer | None = None
        self.parser = ply.yacc.yacc(
            module=self, start="schema", debug=False, write_tables=False,
            errorlog=ply.yacc.NullLogger())

    def p_schema(self, p: Any) -> None:
        """schema : items"""
        p[0] = p[1]

    def p_items_empty(self, p: Any) -> None:
        """items :"""
        p[0] = []

    def p_items_value(self, p: Any) -> None:
        """items : items value"""
        p[1].append((self._info(p, 2), p[2]))
        p[0] = p[1]

    def p_items_doc(self, p: Any) -> None:
        """items : items DOC"""
        doc: DocBlock = p[2]
        p[1].append((doc.info, doc))
        p[0] = p[1]

    def p_value_object(self, p: Any) -> None:
        """value : object
                 | array"""
        p[0] = p[1]

    def p_value_scalar(self, p: Any) -> None:
        """value : STRING
                 | TRUE
                 | FALSE"""
        p[0] = p[1]
        # Keep the token's position on the value (containers carry their own).
        p.set_lexpos(0, p.lexpos(1))

    def p_object_empty(self, p: Any) -> None:
        """object : LBRACE RBRACE"""
        p[0] = JSONObject(self._info(p, 1))

    def p_object(self, p: Any) -> None:
        """object : LBRACE members RBRACE"""
        obj = JSONObject(self._info(p, 1))
        for key, key_info, value in p[2]:
            obj[key] = value
            obj.key_info[key] = key_info
        p[0] = obj

    def p_members_first(self, p: Any) -> None:
        """members : STRING COLON value"""
        p[0] = [(p[1], self._info(p, 1), p[3])]

    def p_members_next(self, p: Any) -> None:
        """members : members COMMA STRING COLON value"""
        key = p[3]
        if any(key == seen for seen, _, _ in p[1]):
            raise QAPIParseError(self._info(p, 3), f"duplicate key '{key}'")
        p[1].append((key, self._info(p, 3), p[5]))
        p[0] = p[1]

    def p_array_empty(self, p: Any) -> None:
        """array : LBRACKET RBRACKET"""
        p[0] = JSONArray(self._info(p, 1))

    def p_array(self, p: Any) -> None:
        """array : LBRACKET values RBRACKET"""
        arr = JSONArray(self._info(p, 1))
        for info, value in p[2]:
            arr.append(value)
            arr.item_info.append(info)
        p[0] = arr

    def p_values_first(self, p: Any) -> None:
        """values : value"""
        p[0] = [(self._info(p, 1), p[1])]

    def p_values_next(self, p: Any) -> None:
        """values : values COMMA value"""
        p[1].append((self._info(p, 3), p[3]))
        p[0] = p[1]

    def p_error(self, tok: Any) -> None:
        assert self.lexer is not None
        expected = self._viable_tokens()
        if tok is None:
            raise self.lexer.error(len(self.lexer.text) - 1, _expected_message(expected))
        raise self.lexer.error(tok.lexpos, _expected_message(expected))

    def _viable_tokens(self) -> set[str]:
        """The tokens the parser could go on with from where it stopped.

        The LALR tables merge lookaheads of states shared by several
        contexts, so a token may seem acceptable until the reductions it
        triggers are followed; follow them to see whether it is shifted.
        """
        stack = list(self.parser.statestack)
        return {token for token in self.tokens if self._shifts(stack, token)}

    def _shifts(self, stack: list[int], token: str) -> bool:
        stack = list(stack)
        while True:
            action = self.parser.action[stack[-1]].get(token)
            if action is None:
                return False
            if action >= 0:
                return True
            production = self.parser.productions[-action]
            if production.len:
                del stack[-production.len:]
            stack.append(self.parser.goto[stack[-1]][production.name])

    def _info(self, p: Any, index: int) -> SourceInfo:
        """Where symbol ``index`` of the production starts."""
        assert self.lexer is not None
        value = p[index]
        if isinstance(value, JSONObject | JSONArray):
            return value.info
        return self.lexer.info_at(p.lexpos(index))

    def parse(self, lexer: SchemaLexer) -> list[TopLevelItem]:
        self.lexer = lexer
        try:
            items: list[TopLevelItem] = self.parser.parse(lexer=lexer)
        finally:
            self.lexer = None
        return items


@cache
def _grammar() -> _Grammar:
    return _Grammar()


def parse_tokens(lexer: SchemaLexer) -> list[TopLevelItem]:
    """Parse what ``lexer`` (a SchemaLexer or a dialect of it) reads."""
    return _grammar().parse(lexer)


def parse_text(text: str, info: SourceInfo) -> list[TopLevelItem]:
    """Parse one schema file's text into its top-level values and doc blocks."""
    return parse_tokens(SchemaLexer(text, info))
