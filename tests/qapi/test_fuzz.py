"""Property tests: whatever the input, the front end answers with a schema
or a `QAPIError` that says where the problem is, never a crash.

Inputs are valid schemas (``good/``) mutated at the character, token and
line level, random JSON-ish structures built from the schema vocabulary,
random doc comments and deep nesting.  The runs are bounded and
derandomized so the default suite stays fast and stable; set
QAPI_FUZZ_RANDOM=1 for fresh examples and QAPI_FUZZ_SCALE=N for N times
as many.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qapi.error import QAPIError
from qapi.schema import QAPISchema

from .testlib import BAD_DIR, GOOD_DIR, chdir, run_check_only_cli

SCALE = int(os.environ.get("QAPI_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    derandomize=os.environ.get("QAPI_FUZZ_RANDOM") != "1",
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def _seeds() -> list[str]:
    texts = []
    for folder in (GOOD_DIR, BAD_DIR):
        for path in sorted(folder.glob("*.json")):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            if len(text) < 4000:
                texts.append(text)
    return texts


SEEDS = _seeds()
GOOD_SEEDS = [p.read_text(encoding="utf-8") for p in sorted(GOOD_DIR.glob("*.json"))]

# Crashes the negative suite already records as front-end bugs (xfail
# there): (exception type, function it escapes from).  Drop an entry when
# its bug is fixed.
KNOWN_CRASHES: set[tuple[str, str]] = set()

_FILE = r"[^\n]+?\.json"
ERROR_FORMAT = re.compile(
    rf"(In file included from {_FILE}:\d+:\d+:\n)*"
    rf"({_FILE}: In (enum|struct|union|alternate|command|event) '[^\n]*':\n)?"
    rf"{_FILE}(:\d+:\d+: \S|: file is not valid UTF-8 )")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A folder with the positive suite's include files, for the mutants."""
    with tempfile.TemporaryDirectory(prefix="qapi-fuzz-") as name:
        folder = Path(name)
        shutil.copytree(GOOD_DIR / "include", folder / "include")
        yield folder


def check_front_end(folder: Path, text: str | bytes) -> None:
    """The property: a schema, or a well-formed error; nothing else."""
    path = folder / "fuzz.json"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    with chdir(folder):
        try:
            QAPISchema("fuzz.json")
        except QAPIError as err:
            message = str(err)
            assert err.info is not None, message
            assert ERROR_FORMAT.match(message), message
            assert "Traceback" not in message
        except Exception as err:  # noqa: BLE001 - any other exception is the bug
            frame = traceback.extract_tb(err.__traceback__)[-1]
            if (type(err).__name__, frame.name) in KNOWN_CRASHES:
                return
            raise


# -- strategies ----------------------------------------------------------------

ALPHABET = "{}[]:,'\"#@*_-.= \t\n\\azAZ09\x00\x0c\u00a0\u00e9"
TOKEN = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|#[^\n]*|\s+|[{}\[\]:,]|[^\s{}\[\]:,'\"#]+")
META = ["enum", "struct", "union", "alternate", "command", "event"]
KEYS = META + ["data", "base", "discriminator", "if", "features", "prefix", "returns",
               "boxed", "gen", "success-response", "allow-oob", "allow-preconfig",
               "coroutine", "include", "pragma", "doc-required", "command-name-exceptions",
               "command-returns-exceptions", "member-name-exceptions", "name", "type",
               "all", "any", "not", "*a", "a", "b", "kind", "on"]
WORDS = ["Foo", "Bar", "foo", "FOO", "int", "str", "bool", "number", "null", "any", "size",
         "QType", "q_empty", "FooList", "FooKind", "CONFIG_X", "a", "kind", "on", "off",
         "1a", "deprecated", "unstable", "x-a", "__org.ex_a", "has-a", "u", "", "fuzz.json",
         "include/colours.json", "A b", "q_obj_Foo-arg"]
VOCAB = ([f"'{word}'" for word in KEYS + WORDS]
         + ["{", "}", "[", "]", ":", ",", "true", "false", "\n", "##\n", "# @Foo:\n"])


@st.composite
def char_mutants(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            text = draw(st.text(ALPHABET, max_size=5))
            continue
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "swap"]))
        if op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "insert":
            text = text[:i] + draw(st.text(ALPHABET, min_size=1, max_size=3)) + text[i:]
        elif op == "replace":
            text = text[:i] + draw(st.sampled_from(ALPHABET)) + text[i + 1:]
        elif op == "duplicate":
            j = draw(st.integers(i, min(len(text), i + 40)))
            text = text[:j] + text[i:j] + text[j:]
        else:
            j = draw(st.integers(0, len(text) - 1))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
    return text


@st.composite
def token_mutants(draw) -> str:
    tokens = TOKEN.findall(draw(st.sampled_from(GOOD_SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "swap"]))
        if op == "delete":
            del tokens[i]
        elif op == "insert":
            tokens.insert(i, draw(st.sampled_from(VOCAB)))
        elif op == "replace":
            tokens[i] = draw(st.sampled_from(VOCAB))
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        else:
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
    return "".join(tokens)


@st.composite
def spliced(draw) -> str:
    first = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
    second = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
    cut1 = draw(st.integers(0, len(first)))
    cut2 = draw(st.integers(0, len(second)))
    return "".join(first[:cut1] + second[cut2:])


def render(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return "[ " + ", ".join(render(item) for item in value) + " ]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"'{key}': {render(item)}" for key, item in value.items()) + " }"


json_values = st.recursive(
    st.sampled_from(WORDS) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12)


# A schema-shaped generator: definitions with the keys their kind takes and
# values of roughly the right shape, so the checks past the first are
# reached; any value may still be swapped for junk.
NAMES = {"enum": ["Foo", "Bar", "Enum"], "struct": ["Foo", "Bar", "Struct"],
         "union": ["Foo", "Union"], "alternate": ["Foo", "Alt"], "command": ["foo", "cmd"],
         "event": ["FOO", "EV"]}
TYPES = ["int", "str", "bool", "number", "any", "null", "QType", "Foo", "Bar", "Struct",
         "Enum", "Union", "Alt", "FooList", "q_empty", "foo"]
MEMBERS = ["a", "*a", "b", "*b", "kind", "*kind", "on", "u", "has-a", "A", "a-b", "a_b", "1a"]
VALUES = ["a", "b", "on", "off", "1a", "kind", "dot", "a-b", "a_b", "", "A"]

conds = st.recursive(
    st.sampled_from(["CONFIG_X", "CONFIG_Y", "bad"]),
    lambda inner: st.dictionaries(st.sampled_from(["all", "any", "not"]),
                                  inner | st.lists(inner, max_size=2), min_size=1, max_size=2),
    max_leaves=4)
feature_lists = st.lists(
    st.sampled_from(["deprecated", "unstable", "feat", "Feat"])
    | st.fixed_dictionaries({"name": st.sampled_from(["feat", "deprecated"])},
                            optional={"if": conds}), max_size=2)
type_refs = st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), min_size=1, max_size=1)
members = st.dictionaries(
    st.sampled_from(MEMBERS),
    type_refs | st.fixed_dictionaries({"type": type_refs},
                                      optional={"if": conds, "features": feature_lists}),
    max_size=3)
branches = st.dictionaries(
    st.sampled_from(VALUES),
    type_refs | st.fixed_dictionaries({"type": type_refs}, optional={"if": conds}),
    max_size=3)
enum_values = st.lists(
    st.sampled_from(VALUES)
    | st.fixed_dictionaries({"name": st.sampled_from(VALUES)},
                            optional={"if": conds, "features": feature_lists}),
    max_size=4)
FLAG = st.booleans()
SHAPES = {
    "enum": ({"data": enum_values}, {"prefix": st.sampled_from(["PFX", ""])}),
    "struct": ({"data": members}, {"base": st.sampled_from(TYPES)}),
    "union": ({"base": members | st.sampled_from(TYPES), "discriminator":
               st.sampled_from(["kind", "a", "on"]), "data": branches}, {}),
    "alternate": ({"data": branches}, {}),
    "command": ({}, {"data": members | st.sampled_from(TYPES), "returns": type_refs,
                     "boxed": FLAG, "gen": FLAG, "success-response": FLAG, "allow-oob": FLAG,
                     "allow-preconfig": FLAG, "coroutine": FLAG}),
    "event": ({}, {"data": members | st.sampled_from(TYPES), "boxed": FLAG}),
}


@st.composite
def definitions(draw) -> str:
    meta = draw(st.sampled_from(META * 3 + ["include", "pragma"]))
    if meta in SHAPES and draw(st.integers(0, 9)) < 8:
        required, optional = SHAPES[meta]
        optional = {**optional, "if": conds, "features": feature_lists}
        expr = {meta: draw(st.sampled_from(NAMES[meta]))}
        expr.update(draw(st.fixed_dictionaries(required, optional=optional)))
        if draw(st.integers(0, 7)) == 0:  # some junk somewhere
            expr[draw(st.sampled_from(KEYS[len(META):]))] = draw(json_values)
    else:
        expr = {meta: draw(json_values)}
        if draw(st.integers(0, 3)) == 0:
            expr.update(draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3)))
    return render(expr)


@st.composite
def json_schemas(draw) -> str:
    return "\n".join(draw(st.lists(definitions(), min_size=1, max_size=4))) + "\n"


DOC_LINES = ["#", "# @Foo:", "# @a: text", "# @a:", "# @b:  more", "#  @a: indented",
             "# Since: 1.0", "# Since:", "# Returns: x", "# Note: n", "# Notes:",
             "# Example:", "# TODO: t", "# Features:", "# @feat: f", "# = Heading",
             "# == Sub", "# text", "#     continued", "#bad", "  # lead", "# @Foo",
             "# @: x", "# @Bar:", "## junk", "##x", "", "{ 'enum': 'Foo', 'data': [ ] }"]
DOC_TARGETS = ["{ 'struct': 'Foo', 'data': { 'a': 'int', '*b': 'str' }, 'features': [ 'feat' ] }",
               "{ 'command': 'foo', 'data': { 'a': 'int' } }",
               "{ 'enum': 'Foo', 'data': [ 'a', 'b' ] }",
               "{ 'include': 'include/colours.json' }", ""]


@st.composite
def doc_schemas(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append("{ 'pragma': { 'doc-required': true } }")
    for _ in range(draw(st.integers(1, 2))):
        body = draw(st.lists(st.sampled_from(DOC_LINES) | st.text(ALPHABET, max_size=12)
                             .map(lambda s: "# " + s.replace("\n", " ")), max_size=8))
        lines += ["##", *body, "##"]
        lines.append(draw(st.sampled_from(DOC_TARGETS)))
    return "\n".join(lines) + "\n"


@st.composite
def deep_nests(draw) -> str:
    depth = draw(st.integers(200, 320))
    kind = draw(st.sampled_from(["array", "object", "not", "mixed"]))
    closed = draw(st.booleans())
    if kind == "array":
        inner, opens, closes = "'Foo'", "[ " * depth, " ]" * depth
    elif kind == "object":
        inner, opens, closes = "'int'", "{ 'a': " * depth, " }" * depth
    elif kind == "not":
        inner, opens, closes = "'CONFIG_X'", "{ 'not': " * depth, " }" * depth
    else:
        opens = "".join(draw(st.sampled_from(["[ ", "{ 'a': "])) for _ in range(depth))
        inner = "'x'"
        closes = "".join(" ]" if o == "[ " else " }" for o in reversed(re.findall(
            r"\[ |\{ 'a': ", opens)))
    value = opens + inner + (closes if closed else "")
    return f"{{ 'struct': 'Foo', 'data': {{ 'a': 'int' }}, 'if': {value} }}\n"


# -- the properties --------------------------------------------------------------

@fuzz_settings(300)
@given(text=char_mutants())
def test_character_mutations(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(300)
@given(text=token_mutants())
def test_token_mutations(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(150)
@given(text=spliced())
def test_spliced_lines(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(300)
@given(text=json_schemas())
def test_random_structures(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(200)
@given(text=doc_schemas())
def test_random_doc_comments(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(30)
@given(text=deep_nests())
def test_deep_nesting(workdir: Path, text: str) -> None:
    check_front_end(workdir, text)


@fuzz_settings(100)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes(workdir: Path, data: bytes) -> None:
    check_front_end(workdir, data)


# -- the command itself ----------------------------------------------------------

NASTY = {
    "nul-bytes.json": b"{ 'enum': 'Colour',\x00 'data': [ 'red' ] }\n",
    "latin-1.json": "{ 'enum': 'Caf\u00e9', 'data': [ ] }\n".encode("latin-1"),
    "deep-arrays.json": b"{ 'enum': 'Colour', 'data': " + b"[" * 5000 + b"]" * 5000 + b" }\n",
    "deep-not.json": ("{ 'command': 'foo', 'if': " + "{ 'not': " * 255 + "'A'" + " }" * 255
                      + " }\n").encode(),
    "unclosed-doc.json": b"##\n# @Foo:\n# text\n",
    "only-garbage.json": bytes(range(1, 128)),
    "mutant.json": b"{ 'union': 'U', 'base': { 'k': 'E' }, 'discriminator': 'k', "
                   b"'data': { 'a': [ 'S' ] } }\n{ 'enum': 'E', 'data': [ 'a' ] }\n",
}


def test_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    for name, data in NASTY.items():
        (tmp_path / name).write_bytes(data)
        done = run_check_only_cli(tmp_path, name)
        assert "Traceback" not in done.stderr, f"{name}: {done.stderr}"
        assert done.returncode in (0, 1), name
        assert done.returncode == 0 or done.stderr.startswith(
            ("In file included", name)), f"{name}: {done.stderr}"
