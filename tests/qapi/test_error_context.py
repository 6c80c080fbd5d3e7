"""Error messages say where they come from: the include chain, then the
definition they are about, then FILE:LINE:COL.

    In file included from main.json:2:1:
    In file included from sub/outer.json:1:1:
    sub/inner.json: In struct 'Foo':
    sub/inner.json:3:5: message
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qapi.error import QAPIError
from qapi.schema import QAPISchema

from .testlib import chdir, run_check_only


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def error_of(folder: Path, files: dict[str, str], main: str = "main.json") -> str:
    write(folder, files)
    code, stderr = run_check_only(folder, main)
    assert code == 1 and "Traceback" not in stderr, stderr
    return stderr


CHAIN = {
    "main.json": "{ 'enum': 'Colour', 'data': [ 'red' ] }\n{ 'include': 'sub/outer.json' }\n",
    "sub/outer.json": "# outer\n{ 'include': 'inner.json' }\n",
}


@pytest.mark.parametrize("inner, last_lines", [
    # lexical
    ("{ 'enum': 'Shade', 'data': [ 'dark' ] } $\n",
     ["sub/inner.json:1:41: stray '$'"]),
    # syntax
    ("{ 'enum': 'Shade' 'data': [ 'dark' ] }\n",
     ["sub/inner.json:1:19: expected ',' or '}'"]),
    # doc comment
    ("##\n#bad\n##\n",
     ["sub/inner.json:2:1: missing space after #"]),
    # directive
    ("{ 'pragma': { 'doc-wanted': true } }\n",
     ["sub/inner.json:1:15: unknown pragma 'doc-wanted'"]),
    # expression check, inside a definition
    ("\n{ 'struct': 'Foo',\n  'data': { 'Bar': 'int' } }\n",
     ["sub/inner.json: In struct 'Foo':",
      "sub/inner.json:3:13: name of 'data' member 'Bar' must not use uppercase or '_'"]),
    # semantic check
    ("{ 'struct': 'Foo', 'data': { 'bar': 'Shade' } }\n",
     ["sub/inner.json: In struct 'Foo':",
      "sub/inner.json:1:30: member 'bar' uses unknown type 'Shade'"]),
], ids=["lexical", "syntax", "doc", "directive", "expression", "semantic"])
def test_include_chain(tmp_path: Path, inner: str, last_lines: list[str]) -> None:
    stderr = error_of(tmp_path, {**CHAIN, "sub/inner.json": inner})
    assert stderr.splitlines() == [
        "In file included from main.json:2:1:",
        "In file included from sub/outer.json:2:1:",
        *last_lines]


def test_missing_include_names_the_directive(tmp_path: Path) -> None:
    stderr = error_of(tmp_path, {**CHAIN, "sub/outer.json": "{ 'include': 'gone.json' }\n"})
    assert stderr.splitlines() == [
        "In file included from main.json:2:1:",
        "sub/outer.json:1:1: can't read include file 'sub/gone.json': "
        "No such file or directory"]


def test_redefinition_across_files(tmp_path: Path) -> None:
    stderr = error_of(tmp_path, {
        "main.json": "{ 'include': 'sub/outer.json' }\n\n"
                     "{ 'struct': 'Foo', 'data': { 'a': 'int' } }\n",
        "sub/outer.json": "{ 'struct': 'Foo', 'data': { 'b': 'int' } }\n"})
    assert stderr.splitlines() == [
        "main.json: In struct 'Foo':",
        "main.json:3:1: 'Foo' is already defined",
        "In file included from main.json:1:1:",
        "sub/outer.json: In struct 'Foo':",
        "sub/outer.json:1:1: previous definition"]


@pytest.mark.parametrize("text, context", [
    ("{ 'enum': 'Foo', 'data': [ 'A' ] }", "In enum 'Foo':"),
    ("{ 'struct': 'Foo', 'data': { 'a': 'Nope' } }", "In struct 'Foo':"),
    ("{ 'union': 'Foo', 'base': { 'a': 'int' }, 'discriminator': 'a', 'data': { } }",
     "In union 'Foo':"),
    ("{ 'alternate': 'Foo', 'data': { } }", "In alternate 'Foo':"),
    ("{ 'command': 'foo', 'data': { 'a': 'Nope' } }", "In command 'foo':"),
    ("{ 'event': 'FOO', 'data': 'Nope' }", "In event 'FOO':"),
    # the context names the definition even for a mistake in its name
    ("{ 'command': 'Foo' }", "In command 'Foo':"),
], ids=["enum", "struct", "union", "alternate", "command", "event", "name"])
def test_definition_context(tmp_path: Path, text: str, context: str) -> None:
    stderr = error_of(tmp_path, {"main.json": "# first line\n" + text + "\n"})
    lines = stderr.splitlines()
    assert lines[0] == f"main.json: {context}"
    assert lines[1].startswith("main.json:2:")
    assert len(lines) == 2


@pytest.mark.parametrize("text", [
    "{ 'include': [ 'x.json' ] }",
    "{ 'pragma': { 'doc-required': 1 } }",
    "[ 'not an object' ]",
    "{ 'enum': [ 'Foo' ], 'data': [ ] }",
    "##\n# @Foo:\n##\n",
], ids=["include", "pragma", "top-level", "name-type", "doc"])
def test_no_definition_context_outside_definitions(tmp_path: Path, text: str) -> None:
    stderr = error_of(tmp_path, {"main.json": text + "\n"})
    assert " In " not in stderr
    assert stderr.startswith("main.json:1:")
    assert stderr.count("\n") == 1


def test_exception_carries_position(tmp_path: Path) -> None:
    write(tmp_path, {**CHAIN, "sub/inner.json": "{ 'struct': 'Foo', 'data': { 'a': 'X' } }\n"})
    with chdir(tmp_path), pytest.raises(QAPIError) as caught:
        QAPISchema("main.json")
    info = caught.value.info
    assert (info.fname, info.line, info.col) == ("sub/inner.json", 1, 30)
    assert (info.defn_meta, info.defn_name) == ("struct", "Foo")
    assert [p.fname for p in (info.parent, info.parent.parent)] == [
        "sub/outer.json", "main.json"]
    assert caught.value.msg == "member 'a' uses unknown type 'X'"
    assert str(caught.value).endswith("sub/inner.json:1:30: member 'a' uses unknown type 'X'")
