"""The description language: what it accepts, its IR, and its errors
(``file:line:col: message``, naming the description and the field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.vmstate import main as vmstate_gen
from qapi.error import QAPIError
from qapi.vmstate_schema import VMStateSchema
from runtime.migration.catalog import VIRT_DESCRIPTIONS


def schema_of(tmp_path: Path, text: str, name: str = "test.vmsd") -> VMStateSchema:
    path = tmp_path / name
    path.write_text(text)
    return VMStateSchema(str(path))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(QAPIError) as info:
        schema_of(tmp_path, text)
    return str(info.value).replace(str(tmp_path) + "/", "")


def test_every_form_in_the_ir(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, """
##
# A device.
##
{ 'vmstate': 'dev', 'version': 3, 'minimum-version': 2,
  'pre-save': 'pre_save', 'post-save': 'post_save',
  'pre-load': 'pre_load', 'post-load': 'post_load',
  'properties': [ 'count' ],
  'fields': [
    { 'name': 'a', 'type': 'uint8' },
    { 'name': 'b', 'type': 'int32', 'version': 3 },
    { 'name': 'c', 'type': 'uint16', 'array': 4 },
    { 'name': 'd', 'type': 'uint32', 'array': 'count' },
    { 'name': 'e', 'type': 'buffer', 'size': 0x10 },
    { 'name': 'n', 'type': 'uint32', 'equal': true },
    { 'name': 'f', 'type': 'buffer', 'size': 'n', 'multiply': 2 },
    { 'type': 'unused', 'size': 8 },
    { 'name': 's', 'struct': 'sub', 'array': 2 },
    { 'name': 't', 'struct': 'sub', 'struct-version': 1, 'test': 'has_t' },
    { 'name': 'x', 'member': 'inner.x', 'type': 'timer' },
    { 'name': 'ok', 'validate': 'is_valid' } ],
  'subsections': [
    'dev/extra',
    { 'vmstate': 'dev/inline', 'version': 1, 'needed': 'inline_needed', 'fields': [] } ] }
{ 'vmstate': 'sub', 'name': 'Sub', 'version': 1, 'fields': [ { 'name': 'v', 'type': 'bool' } ] }
{ 'vmstate': 'dev/extra', 'version': 1, 'needed': 'extra_needed',
  'fields': [ { 'name': 'y', 'type': 'int64', 'le': false } ] }
""")
    dev = schema.descriptions["dev"]
    assert (dev.version, dev.minimum_version, dev.doc) == (3, 2, "A device.")
    assert dev.hooks == {"pre-save": "pre_save", "post-save": "post_save",
                         "pre-load": "pre_load", "post-load": "post_load"}
    kinds = [(f.name, f.kind, f.vmdesc_type) for f in dev.fields]
    assert kinds == [("a", "scalar", "uint8"), ("b", "scalar", "int32"),
                     ("c", "scalar", "uint16"), ("d", "scalar", "uint32"),
                     ("e", "buffer", "buffer"), ("n", "scalar", "uint32 equal"),
                     ("f", "buffer", "buffer"), ("unused", "unused", "unused_buffer"),
                     ("s", "struct", "struct"), ("t", "struct", "vstruct"),
                     ("x", "scalar", "timer"), ("ok", "validate", "unknown")]
    by_name = {f.name: f for f in dev.fields}
    assert by_name["b"].version == 3
    assert by_name["c"].array == 4 and by_name["d"].array_member == "count"
    assert by_name["e"].element_size == 16
    assert (by_name["f"].size_member, by_name["f"].multiply) == ("n", 2)
    assert by_name["s"].struct is schema.descriptions["sub"]
    assert by_name["s"].can_compress() and not by_name["t"].can_compress()
    assert by_name["t"].test == "has_t" and by_name["t"].struct_version == 1
    assert by_name["x"].member == "inner.x"
    assert by_name["ok"].validate == "is_valid"
    assert [s.name for s in dev.subsections] == ["dev/extra", "dev/inline"]
    assert schema.descriptions["sub"].name == "Sub"


def test_repeated_names_are_numbered_as_in_qemus_vmdesc(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, """
{ 'vmstate': 'fw', 'version': 2, 'minimum-version': 1,
  'fields': [ { 'name': 'entry', 'type': 'uint16' },
              { 'name': 'offset', 'type': 'uint16', 'test': 'is_version_1' },
              { 'name': 'offset', 'type': 'uint32', 'version': 2 } ] }
""")
    assert [f.vmdesc_name for f in schema.descriptions["fw"].fields] == \
        ["entry", "offset[0]", "offset[1]"]


BAD = [
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'uint9' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:60: vmstate 'x': unknown type 'uint9' "
     "(known: bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, timer, "
     "buffer, unused)"),
    ("{ 'vmstate': 'x', 'fields': [] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:1: vmstate 'x' misses key 'version'"),
    ("{ 'vmstate': 'x', 'version': 1, 'minimum-version': 2 }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:33: vmstate 'x': 'minimum-version' 2 is above "
     "'version' 1"),
    ("{ 'vmstate': 'x', 'version': 1, 'colour': 'red' }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:33: vmstate 'x' has unknown key 'colour'"),
    ("{ 'vmstate': 'x', 'version': 1,\n  'fields': [ { 'name': 'a', 'type': 'uint8',"
     " 'version': 2 } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:2:47: vmstate 'x' field 'a': version 2 is newer "
     "than the description's version 1"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [\n { 'name': 'a', 'type': 'uint8', "
     "'array': 'n' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:2:34: vmstate 'x' field 'a': length 'n' is neither "
     "an integer field before it nor one of the description's 'properties'"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'uint8',"
     " 'version': 1, 'test': 't' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:91: vmstate 'x' field 'a': 'test' and 'version' "
     "exclude each other"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'int8',"
     " 'equal': true } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:76: vmstate 'x' field 'a': 'equal' applies to "
     "int32, uint16, uint32, uint64, uint8, not 'int8'"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'struct': 'y' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:45: vmstate 'x' field 'a': unknown "
     "description 'y'"),
    ("{ 'vmstate': 'x', 'version': 1, 'subsections': [ 'y' ] }\n"
     "{ 'vmstate': 'y', 'version': 1, 'needed': 'n' }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:50: vmstate 'x': subsection 'y' must have a name "
     "that starts with 'x' and is longer"),
    ("{ 'vmstate': 'x', 'version': 1, 'subsections': [ 'x/y' ] }\n"
     "{ 'vmstate': 'x/y', 'version': 1 }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:50: vmstate 'x': subsection 'x/y' has no "
     "'needed' callable"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'struct': 'x' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:1: vmstate 'x' contains itself: x -> x"),
    ("{ 'vmstate': 'x', 'version': 1 }\n{ 'vmstate': 'x', 'version': 2 }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:2:1: 'x' is already defined at test.vmsd:1:1"),
    ("{ 'vmstate': 'x', 'version': 1, 'pre-save': 'not a name' }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:33: vmstate 'x': 'pre-save' must name a Python "
     "callable (an identifier)"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a-b', 'type': 'uint8' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:47: vmstate 'x' field 'a-b': 'a-b' is not a "
     "Python attribute path; give the attribute path as 'member'"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'buffer' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:45: vmstate 'x' field 'a': a buffer needs "
     "'size'"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'uint8',"
     " 'size': 2 } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:77: vmstate 'x' field 'a': 'size' does not "
     "apply here"),
    ("{ 'vmstate': 'x', 'version': 1, 'fields': [ { 'name': 'a', 'type': 'uint8',"
     " 'struct': 'y' } ] }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:45: vmstate 'x': a field needs exactly one of "
     "'type', 'struct', 'validate'"),
    ("{ 'vmstate': 'x', 'version': 1 ", "test.vmsd:1:32: expected ',' or '}'"),
    ("{ 'vmstate': 'x', 'version': 1x }", "test.vmsd:1:30: invalid number '1x'"),
    ("{ 'vmstate': 'x', 'version': 'one' }",
     "test.vmsd: In vmstate 'x':\ntest.vmsd:1:19: vmstate 'x': 'version' must be an integer"),
    ("[ 'x' ]", "test.vmsd:1:1: top-level expression must be an object"),
    ("{ 'version': 1 }", "test.vmsd:1:1: expression is missing metatype 'vmstate'"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=range(len(BAD)))
def test_errors_name_the_place_and_the_entity(tmp_path: Path, text: str, message: str) -> None:
    assert error_of(tmp_path, text) == message


def test_include_and_errors_in_included_files(tmp_path: Path) -> None:
    (tmp_path / "inner.vmsd").write_text("{ 'vmstate': 'y', 'version': 1,\n  'oops': 1 }\n")
    text = "{ 'include': 'inner.vmsd' }\n"
    assert error_of(tmp_path, text) == (
        "In file included from test.vmsd:1:1:\ninner.vmsd: In vmstate 'y':\n"
        "inner.vmsd:2:3: vmstate 'y' has unknown key 'oops'")
    (tmp_path / "inner.vmsd").write_text("{ 'vmstate': 'y', 'version': 1 }\n")
    schema = schema_of(tmp_path, text + text + "{ 'vmstate': 'x', 'version': 1 }")
    assert list(schema.descriptions) == ["y", "x"]


def test_vmstate_gen_reports_errors_and_writes_a_module(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.vmsd"
    bad.write_text("{ 'vmstate': 'x' }\n")
    assert vmstate_gen(["-o", str(tmp_path), str(bad)]) == 1
    assert capsys.readouterr().err.endswith("bad.vmsd:1:1: vmstate 'x' misses key 'version'\n")
    assert vmstate_gen(["-o", str(tmp_path), str(VIRT_DESCRIPTIONS)]) == 0
    text = (tmp_path / "vmstate_virt.py").read_text()
    assert text.startswith("# Device state serializers of virt.vmsd.\n# Generated by")
    compile(text, "vmstate_virt.py", "exec")
