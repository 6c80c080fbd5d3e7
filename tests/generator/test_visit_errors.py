"""Wrong input is rejected as QEMU's QObject input visitor rejects it,
naming the member by its full path ('a.b[2].c')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.errors import GenericError, QAPIVisitError
from tests.generator.generated import Generated, generated, qemu_schema_path


@pytest.fixture(scope="module")
def qemu(qemu_source: Path) -> Generated:
    return generated(qemu_schema_path(qemu_source), "qemu_")


def qcow2(file: dict[str, Any]) -> dict[str, Any]:
    """blockdev-add's arguments: a qcow2 node over ``file``."""
    return {"driver": "qcow2", "node-name": "disk", "file": file}


def rejected(function: Any, value: Any) -> str:
    with pytest.raises(QAPIVisitError) as error:
        function(value)
    assert isinstance(error.value, GenericError)
    assert error.value.error_class == "GenericError"
    return error.value.desc


@pytest.mark.parametrize(("value", "message"), [
    (qcow2({"driver": "file", "filename": "/x", "bogus": 1}),
     "Parameter 'file.bogus' is unexpected"),
    (qcow2({"driver": "file", "filename": 1}),
     "Invalid parameter type for 'file.filename', expected: string"),
    (qcow2({"driver": "file"}), "Parameter 'file.filename' is missing"),
    (qcow2({"driver": "nope", "filename": "/x"}),
     "Parameter 'file.driver' does not accept value 'nope'"),
    (qcow2({"driver": "file", "filename": "/x", "aio": 3}),
     "Invalid parameter type for 'file.aio', expected: string"),
    (qcow2({"driver": "file", "filename": "/x", "aio-max-batch": 1 << 63}),
     "Invalid parameter type for 'file.aio-max-batch', expected: integer"),
    (qcow2({"driver": "file", "filename": "/x", "aio-max-batch": 1.0}),
     "Invalid parameter type for 'file.aio-max-batch', expected: integer"),
    (qcow2({"driver": "file", "filename": "/x", "x-check-cache-dropped": 1}),
     "Invalid parameter type for 'file.x-check-cache-dropped', expected: boolean"),
    # Only in a QEMU built for Linux (CONFIG_LINUX), which this one is not.
    (qcow2({"driver": "file", "filename": "/x", "drop-cache": True}),
     "Parameter 'file.drop-cache' is unexpected"),
    (qcow2({"driver": "qcow2", "file": {"driver": "file", "filename": "/x", "x": None}}),
     "Parameter 'file.file.x' is unexpected"),
    (qcow2(["file"]),  # type: ignore[arg-type]
     "Invalid parameter type for 'file', expected: BlockdevRef"),
    ({"node-name": "disk"}, "Parameter 'driver' is missing"),
    ("qcow2", "Invalid parameter type for '<anonymous>', expected: object"),
    ({"driver": "qcow2", "file": "disk", "cache": {"direct": True, "flush": False}},
     "Parameter 'cache.flush' is unexpected"),
])
def test_blockdev_add_arguments(qemu: Generated, value: Any, message: str) -> None:
    assert rejected(qemu.visit.visit_BlockdevOptions_from_json, value) == message


def schema_info_list(member: dict[str, Any]) -> list[dict[str, Any]]:
    """Three SchemaInfo, the third an object type with ``member``."""
    return [{"name": "int", "meta-type": "builtin", "json-type": "int"},
            {"name": "E", "meta-type": "enum", "values": ["a"], "members": [{"name": "a"}]},
            {"name": "S", "meta-type": "object", "members": [{"name": "x", "type": "int"},
                                                             member]}]


@pytest.mark.parametrize(("member", "message"), [
    ({"type": "int"}, "Parameter '[2].members[1].name' is missing"),
    ({"name": "y", "type": 5},
     "Invalid parameter type for '[2].members[1].type', expected: string"),
    ({"name": "y", "type": "int", "typo": 0}, "Parameter '[2].members[1].typo' is unexpected"),
    ({"name": "y", "type": "int", "features": ["a", 1]},
     "Invalid parameter type for '[2].members[1].features[1]', expected: string"),
    ({"name": "y", "type": "int", "features": "a"},
     "Invalid parameter type for '[2].members[1].features', expected: array"),
])
def test_list_elements_are_named_by_index(qemu: Generated, member: dict[str, Any],
                                          message: str) -> None:
    value = schema_info_list(member)
    assert rejected(qemu.visit.visit_SchemaInfoList_from_json, value) == message


def test_default_member_may_be_null_or_absent(qemu: Generated) -> None:
    # 'any' members present as null differ from absent ones.  (Attributes
    # are named as QEMU's C members: 'default' is q_default.)
    null, absent = qemu.visit.visit_SchemaInfoList_from_json(
        [{"name": "S", "meta-type": "object",
          "members": [{"name": "x", "type": "int", "default": None},
                      {"name": "y", "type": "int"}]}])[0].members
    assert null.q_default is None and null.has_q_default
    assert absent.q_default is qemu.types.ABSENT and not absent.has_q_default
    assert "default" not in qemu.visit.visit_SchemaInfoObjectMember_to_json(absent)
    assert qemu.visit.visit_SchemaInfoObjectMember_to_json(null)["default"] is None


@pytest.mark.parametrize(("type_name", "good", "bad", "expects"), [
    ("RockerOfDpaFlowKey", 255, 256, "Parameter 'ip-proto' expects uint8_t"),
    ("RockerOfDpaFlowKey", 0, -1, "Parameter 'ip-proto' expects uint8_t"),
    ("StatsSchemaValue", 127, 128, "Parameter 'base' expects int8_t"),
    ("StatsSchemaValue", -128, -129, "Parameter 'base' expects int8_t"),
    ("InetSocketAddress", 65535, 65536, "Parameter 'to' expects uint16_t"),
    ("GuestPanicInformationS390", (1 << 32) - 1, 1 << 32, "Parameter 'core' expects uint32_t"),
    ("SecretKeyringProperties", -(1 << 31), 1 << 31, "Parameter 'serial' expects int32_t"),
])
def test_integer_ranges(qemu: Generated, type_name: str, good: int, bad: int,
                        expects: str) -> None:
    member = expects.split("'")[1]
    visit = getattr(qemu.visit, f"visit_{type_name}_from_json")
    base = _minimal(type_name)
    assert getattr(visit({**base, member: good}), member.replace("-", "_")) == good
    assert rejected(visit, {**base, member: bad}) == expects


def _minimal(type_name: str) -> dict[str, Any]:
    """The other mandatory members of the types in test_integer_ranges."""
    return {
        "RockerOfDpaFlowKey": {"priority": 1, "tbl-id": 2, "in-pport": 3, "tunnel-id": 4,
                               "vlan-id": 5, "eth-type": 6, "eth-src": "a", "eth-dst": "b"},
        "StatsSchemaValue": {"name": "n", "type": "cumulative", "unit": "bytes",
                             "exponent": 0},
        "InetSocketAddress": {"host": "h", "port": "p"},
        "GuestPanicInformationS390": {"core": 0, "psw-mask": 0, "psw-addr": 0,
                                      "reason": "unknown"},
        "SecretKeyringProperties": {"serial": 0},
    }[type_name]


def test_unsigned_64_bit(qemu: Generated) -> None:
    create = qemu.visit.visit_BlockdevCreateOptionsFile_from_json
    assert create({"filename": "f", "size": (1 << 64) - 1}).size == (1 << 64) - 1
    # QEMU takes negative numbers modulo 2^64, for backward compatibility.
    assert create({"filename": "f", "size": -1}).size == (1 << 64) - 1
    assert rejected(create, {"filename": "f", "size": 1 << 64}) == "Parameter 'size' expects uint64"
    assert rejected(create, {"filename": "f", "size": "1G"}) == "Parameter 'size' expects uint64"


def test_numbers_take_integers(qemu: Generated) -> None:
    stats = qemu.visit.visit_BlockDeviceTimedStats_from_json
    value = {"interval_length": 1, "min_rd_latency_ns": 0, "max_rd_latency_ns": 0,
             "avg_rd_latency_ns": 0, "min_wr_latency_ns": 0, "max_wr_latency_ns": 0,
             "avg_wr_latency_ns": 0, "min_flush_latency_ns": 0, "max_flush_latency_ns": 0,
             "avg_flush_latency_ns": 0, "avg_rd_queue_depth": 2, "avg_wr_queue_depth": 0.5}
    obj = stats(value)
    assert obj.avg_rd_queue_depth == 2.0 and isinstance(obj.avg_rd_queue_depth, float)
    value["avg_rd_queue_depth"] = True
    assert rejected(stats, value) == \
        "Invalid parameter type for 'avg_rd_queue_depth', expected: number"


def test_alternate_branches(qemu: Generated) -> None:
    visit = qemu.visit.visit_StrOrNull_from_json
    assert visit("x") == qemu.types.StrOrNull("s", "x")
    assert visit(None) == qemu.types.StrOrNull("n", None)
    assert qemu.visit.visit_StrOrNull_to_json(visit(None)) is None
    assert rejected(visit, 1) == "Invalid parameter type for '<anonymous>', expected: StrOrNull"
