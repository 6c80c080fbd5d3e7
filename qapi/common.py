"""Name mangling and condition helpers shared by the front end and back ends."""

from __future__ import annotations

import keyword
import re

# Words a generated identifier must not be: C's and C++'s keywords (the
# schema's C names are part of QEMU's ABI), Python's, and macros that
# compilers predefine.
_C_WORDS = frozenset("""
    auto break case char const continue default do double else enum extern
    float for goto if int long register return short signed sizeof static
    struct switch typedef union unsigned void volatile while
    inline restrict _Bool _Complex _Imaginary
    _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local
    asm typeof
    bool catch class const_cast delete dynamic_cast explicit false friend
    mutable namespace new operator private protected public reinterpret_cast
    static_cast template this throw true try typeid typename using virtual
    wchar_t and and_eq bitand bitor compl not not_eq or or_eq xor xor_eq
    unix errno mips sparc i386 linux
""".split())
_PY_WORDS = frozenset(keyword.kwlist)

_NON_IDENT = re.compile(r"[^A-Za-z0-9_]")


def c_name(name: str, protect: bool = True) -> str:
    """Map a schema name to an identifier: ``'x-foo.bar'`` -> ``'x_foo_bar'``.

    With ``protect``, names that are keywords or start with a digit get
    the reserved prefix ``q_``.
    """
    name = _NON_IDENT.sub("_", name)
    if protect and (name in _C_WORDS or name in _PY_WORDS or name[:1].isdigit()):
        return "q_" + name
    return name

