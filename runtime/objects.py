"""What generated QAPI types are made of: the ``ABSENT`` marker for optional
members, and the base classes of structs, unions and alternates.

An optional member that is absent holds ``ABSENT`` (QEMU's ``has_X`` being
false).  It differs from every value a member can hold, ``None`` included:
an ``any``-typed member present as JSON ``null`` holds ``None``.  Each
optional member ``x`` also gets a read-only ``has_x`` property.
``ABSENT`` is falsy, so ``if obj.verbose:`` reads naturally.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Absent:
    """The type of `ABSENT`; there is only one."""

    __slots__ = ()
    _instance: ClassVar[Absent | None] = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        # Pickling and copying keep the one instance.
        return "ABSENT"


ABSENT = Absent()


def optional_member(attribute: str) -> property:
    """The ``has_X`` property of optional member ``X``: whether it is present."""
    def present(obj: Any) -> bool:
        return getattr(obj, attribute, ABSENT) is not ABSENT
    return property(present, doc=f"Whether optional member '{attribute}' is present.")


class QAPIStruct:
    """Base of generated struct and union classes.

    Subclasses list their members in ``__slots__`` (a struct's base members
    come from its base class).  ``_fields`` is computed here: every member
    attribute, base first.  A union's branch members are attributes of the
    union object itself, as on the wire; only those of the branch in use
    are set.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _branches: ClassVar[dict[str, type[QAPIStruct]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__slots__", ()):
                if name not in fields:
                    fields.append(name)
        cls._fields = tuple(fields)

    def _present(self) -> list[tuple[str, Any]]:
        """(attribute, value) of every member set and not absent."""
        present = []
        for name in self._fields:
            value = getattr(self, name, ABSENT)
            if value is not ABSENT:
                present.append((name, value))
        return present

    def __repr__(self) -> str:
        members = ", ".join(f"{name}={value!r}" for name, value in self._present())
        return f"{type(self).__name__}({members})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, QAPIStruct)
        return self._present() == other._present()

    # Members are mutable, so instances must not be hashed by value.
    __hash__ = None  # type: ignore[assignment]

    def _init_branch(self, tag: str, members: dict[str, Any]) -> None:
        """Set a union's branch members: those of the branch ``tag`` selects.

        The branch's own class checks the names and fills in absent
        optional members.
        """
        branch_type = self._branches.get(tag)
        if branch_type is None:
            if members:
                raise TypeError(f"{type(self).__name__} branch '{tag}' has no members, "
                                f"got {', '.join(members)}")
            return
        branch = branch_type(**members)
        for name in branch_type._fields:
            setattr(self, name, getattr(branch, name))


class QAPIAlternate:
    """Base of generated alternate classes: which branch, and its value.

    ``type`` is the name of the branch (as in the schema), ``value`` a
    value of that branch's type.
    """

    __slots__ = ("type", "value")
    branches: ClassVar[tuple[str, ...]] = ()

    def __init__(self, type: str, value: Any) -> None:
        if type not in self.branches:
            raise ValueError(f"{self.__class__.__name__} has no branch '{type}'")
        self.type = type
        self.value = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, QAPIAlternate)
        return self.type == other.type and self.value == other.value

    __hash__ = None  # type: ignore[assignment]
