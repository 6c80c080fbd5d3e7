"""The bases of generated types: ABSENT and has_X, structs, unions and
alternates (classes written here as the types back end writes them)."""

from __future__ import annotations

import copy
import pickle
from enum import StrEnum
from typing import Any

import pytest

from runtime.objects import ABSENT, Absent, QAPIAlternate, QAPIStruct, optional_member


class Base(QAPIStruct):
    __slots__ = ("name", "verbose")
    has_verbose = optional_member("verbose")

    def __init__(self, *, name: str, verbose: Any = ABSENT) -> None:
        self.name = name
        self.verbose = verbose


class Derived(Base):
    __slots__ = ("extra",)
    has_extra = optional_member("extra")

    def __init__(self, *, name: str, verbose: Any = ABSENT, extra: Any = ABSENT) -> None:
        self.name = name
        self.verbose = verbose
        self.extra = extra


class Kind(StrEnum):
    ONE = "one"
    NONE = "none"


class One(QAPIStruct):
    __slots__ = ("size",)

    def __init__(self, *, size: int) -> None:
        self.size = size


class Union(QAPIStruct):
    __slots__ = ("kind", "size")

    def __init__(self, *, kind: Kind, **branch: Any) -> None:
        self.kind = kind
        self._init_branch(self.kind, branch)


Union._branches = {"one": One}


class IntOrText(QAPIAlternate):
    __slots__ = ()
    branches = ("i", "t")


def test_absent_is_one_falsy_marker() -> None:
    assert Absent() is ABSENT and not ABSENT and repr(ABSENT) == "ABSENT"
    assert copy.copy(ABSENT) is ABSENT and copy.deepcopy(ABSENT) is ABSENT
    assert pickle.loads(pickle.dumps(ABSENT)) is ABSENT
    assert ABSENT is not None and ABSENT != None  # noqa: E711 (that is the point)


def test_has_members() -> None:
    assert not Base(name="a").has_verbose
    # A falsy value, None included, is present.
    assert Base(name="a", verbose=None).has_verbose
    assert Base(name="a", verbose=False).has_verbose
    with pytest.raises(AttributeError):
        Base(name="a").has_verbose = True  # type: ignore[misc]


def test_fields_repr_and_equality() -> None:
    assert Derived._fields == ("name", "verbose", "extra")
    obj = Derived(name="a", extra=0)
    assert repr(obj) == "Derived(name='a', extra=0)"
    assert obj == Derived(name="a", extra=0) and obj != Derived(name="a", extra=1)
    assert obj != Derived(name="a") and Base(name="a") != Derived(name="a")
    assert Derived(name="a") == Derived(name="a", verbose=ABSENT)
    with pytest.raises(AttributeError):
        obj.nonsense = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        hash(obj)


def test_union_branch_members() -> None:
    one = Union(kind=Kind.ONE, size=3)
    assert one.size == 3 and repr(one) == "Union(kind=<Kind.ONE: 'one'>, size=3)"
    assert Union(kind=Kind.NONE) == Union(kind="none")
    with pytest.raises(TypeError):
        Union(kind=Kind.ONE)  # the branch's mandatory member
    with pytest.raises(TypeError, match="branch 'none' has no members, got size"):
        Union(kind=Kind.NONE, size=1)


def test_alternate() -> None:
    assert IntOrText("i", 1) == IntOrText("i", 1) != IntOrText("t", "1")
    assert repr(IntOrText("t", "x")) == "IntOrText('t', 'x')"
    with pytest.raises(ValueError, match="IntOrText has no branch 'f'"):
        IntOrText("f", 1.0)
