"""QEMU's option syntax: ``key=value,key=value`` strings (QemuOpts).

A value runs to the next single comma; ``,,`` stands for a comma inside
it.  An option list may name an implied key, so that its first item may
leave out ``key=`` (``-machine none`` is ``-machine type=none``).  A
bare ``flag`` is ``flag=on`` and ``noflag`` is ``flag=off`` (QEMU warns
that this short form is deprecated).  ``id=`` names the whole group:
two groups of one list may not share an id.

Each list describes its options (string, boolean, number or size); an
unknown key or a bad value is refused with QEMU's message, and lists
with no descriptions accept any key.  Later uses of a key override
earlier ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum

_TRUE_WORDS = ("on", "yes", "true", "y")
_FALSE_WORDS = ("off", "no", "false", "n")
_SIZE_SUFFIXES = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}
_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")


class OptsError(Exception):
    """A bad option string; str() is QEMU's message.  ``hint`` is the
    extra advice QEMU prints on the lines after it, if any."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class OptType(Enum):
    STRING = "str"
    BOOL = "bool (on/off)"
    NUMBER = "num"
    SIZE = "size"


@dataclass(frozen=True)
class OptDesc:
    """One option a list accepts."""

    name: str
    type: OptType = OptType.STRING
    help: str = ""


@dataclass
class OptsList:
    """The options of one command-line option (``-chardev``, ``-mon``...).

    ``merge_lists``: every use adds to one group (``-machine``).
    An empty ``desc`` accepts every key, unchecked.
    """

    name: str
    desc: list[OptDesc] = field(default_factory=list)
    implied_opt_name: str | None = None
    merge_lists: bool = False
    groups: list[Opts] = field(default_factory=list)

    def find_desc(self, name: str) -> OptDesc | None:
        for desc in self.desc:
            if desc.name == name:
                return desc
        return None

    def accepts_any(self) -> bool:
        return not self.desc

    def find(self, group_id: str | None) -> Opts | None:
        for opts in self.groups:
            if opts.id == group_id:
                return opts
        return None

    def create(self, group_id: str | None = None) -> Opts:
        """A new group (or, for a merged list, the one group)."""
        if self.merge_lists:
            if group_id is not None:
                raise OptsError("Invalid parameter 'id'")
            existing = self.find(None)
            if existing is not None:
                return existing
        elif group_id is not None:
            if not is_wellformed_id(group_id):
                raise OptsError(
                    "Parameter 'id' expects an identifier",
                    "Identifiers consist of letters, digits, '-', '.', '_', "
                    "starting with a letter.")
            if self.find(group_id) is not None:
                raise OptsError(f"Duplicate ID '{group_id}' for {self.name}")
        opts = Opts(self, group_id)
        self.groups.append(opts)
        return opts

    def help_text(self) -> str:
        """What ``help`` shows for this list (QEMU's layout)."""
        lines = []
        for desc in self.desc:
            line = f"  {desc.name}=<{desc.type.value}>"
            if desc.help:
                line = f"{line:<24} - {desc.help}"
            lines.append(line)
        lines.sort()
        if not lines:
            return f"There are no options for {self.name}.\n"
        return f"{self.name} options:\n" + "".join(line + "\n" for line in lines)


@dataclass
class Opt:
    name: str
    text: str
    value: bool | int | str


@dataclass
class Opts:
    """One group of options (one use of ``-chardev``, say)."""

    opts_list: OptsList
    id: str | None
    items: list[Opt] = field(default_factory=list)

    def set(self, name: str, text: str) -> None:
        """Add ``name=text``, checked against the list's descriptions."""
        desc = self.opts_list.find_desc(name)
        if desc is None and not self.opts_list.accepts_any():
            raise OptsError(f"Invalid parameter '{name}'")
        value: bool | int | str = text
        if desc is not None:
            if desc.type is OptType.BOOL:
                value = parse_bool(name, text)
            elif desc.type is OptType.NUMBER:
                value = parse_number(name, text)
            elif desc.type is OptType.SIZE:
                value = parse_size(name, text)
        self.items.append(Opt(name, text, value))

    def find(self, name: str) -> Opt | None:
        for opt in reversed(self.items):
            if opt.name == name:
                return opt
        return None

    def get(self, name: str, default: str | None = None) -> str | None:
        opt = self.find(name)
        return default if opt is None else opt.text

    def get_bool(self, name: str, default: bool) -> bool:
        opt = self.find(name)
        if opt is None:
            return default
        return opt.value if isinstance(opt.value, bool) else parse_bool(name, opt.text)

    def get_number(self, name: str, default: int) -> int:
        opt = self.find(name)
        if opt is None:
            return default
        return opt.value if isinstance(opt.value, int) else parse_number(name, opt.text)

    def get_size(self, name: str, default: int) -> int:
        opt = self.find(name)
        if opt is None:
            return default
        return opt.value if isinstance(opt.value, int) else parse_size(name, opt.text)

    def __contains__(self, name: str) -> bool:
        return self.find(name) is not None

    def __iter__(self) -> Iterator[Opt]:
        return iter(self.items)

    def delete(self) -> None:
        if self in self.opts_list.groups:
            self.opts_list.groups.remove(self)


def is_wellformed_id(text: str) -> bool:
    """Whether ``text`` may name a group (letters, digits, ``-._``,
    starting with a letter)."""
    return _ID_PATTERN.match(text) is not None


def parse_bool(name: str, text: str) -> bool:
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise OptsError(f"Parameter '{name}' expects 'on' or 'off'")


def parse_number(name: str, text: str) -> int:
    stripped = text.strip()
    try:
        if stripped.startswith("-"):
            raise ValueError(text)
        number = int(stripped, 0) if re.match(r"0[0-7]+\Z", stripped) is None \
            else int(stripped, 8)
    except ValueError:
        raise OptsError(f"Parameter '{name}' expects a number") from None
    if number >= 1 << 64:
        raise OptsError(f"Value '{text}' is too large for parameter '{name}'")
    return number


def parse_size(name: str, text: str) -> int:
    """A size with an optional binary suffix (``512M``, ``1.5G``, ``0x1000``)."""
    match = re.match(r"\s*(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]*)?)([bBkKmMgGtTpPeE]?)\Z", text)
    if match is None:
        raise OptsError(f"Parameter '{name}' expects a non-negative number below 2^64",
                        "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, "
                        "tera-, peta-\nand exabytes, respectively.")
    number_text, fraction, suffix = match.group(1), match.group(2), match.group(3)
    scale = 1024 ** _SIZE_SUFFIXES[suffix.lower()] if suffix else 1
    if fraction and scale == 1 and float(fraction) != 0:
        raise OptsError(f"Parameter '{name}' expects a non-negative number below 2^64")
    if number_text.lower().startswith("0x"):
        size = int(number_text, 16) * scale
    else:
        size = int(float(number_text) * scale) if fraction else int(number_text) * scale
    if size >= 1 << 64:
        raise OptsError(f"Value '{text}' is out of range for parameter '{name}'")
    return size


def _split_value(params: str, pos: int) -> tuple[str, int]:
    """The value starting at ``params[pos]`` (``,,`` undoubled) and the
    position of the comma (or end) after it."""
    parts = []
    while True:
        comma = params.find(",", pos)
        if comma < 0:
            parts.append(params[pos:])
            return "".join(parts), len(params)
        if params.startswith(",,", comma):
            parts.append(params[pos:comma + 1])
            pos = comma + 2
            continue
        parts.append(params[pos:comma])
        return "".join(parts), comma


def split_items(params: str, firstname: str | None = None,
                warn: Callable[[str], None] | None = None) -> Iterator[tuple[str, str, bool]]:
    """The ``(name, value, is_help)`` items of an option string."""
    pos = 0
    while pos < len(params):
        name_end = len(params)
        for index in range(pos, len(params)):
            if params[index] in "=,":
                name_end = index
                break
        is_help = False
        if name_end < len(params) and params[name_end] == "=":
            name = params[pos:name_end]
            value, pos = _split_value(params, name_end + 1)
        elif firstname is not None:
            name = firstname
            value, pos = _split_value(params, pos)
        else:
            name = params[pos:name_end]
            pos = name_end
            if name.startswith("no"):
                name, value, prefix = name[2:], "off", "no"
            else:
                value, prefix = "on", ""
                is_help = name in ("help", "?")
            if not is_help and warn is not None:
                replacement = (f"nodelay={'on' if prefix else 'off'}" if name == "delay"
                               else f"{name}={value}")
                warn(f"short-form boolean option '{prefix}{name}' deprecated\n"
                     f"Please use {replacement} instead")
        firstname = None
        yield name, value, is_help
        if pos < len(params) and params[pos] == ",":
            pos += 1


def has_help_option(params: str) -> bool:
    return any(is_help for _, _, is_help in split_items(params))


def do_parse(opts: Opts, params: str, firstname: str | None = None,
             warn: Callable[[str], None] | None = None) -> bool:
    """Add the items of ``params`` to ``opts``; returns False when an item
    asks for help (nothing after it is parsed)."""
    for name, value, is_help in split_items(params, firstname, warn):
        if is_help:
            return False
        if name == "id":
            continue
        opts.set(name, value)
    return True


def parse(opts_list: OptsList, params: str, permit_abbrev: bool = False,
          warn: Callable[[str], None] | None = None) -> Opts | None:
    """A new group of ``opts_list`` from ``params``; None when the string
    asks for ``help`` (the caller shows `OptsList.help_text`)."""
    group_id = None
    for name, value, _ in split_items(params):
        if name == "id":
            group_id = value
            break
    opts = opts_list.create(group_id)
    try:
        complete = do_parse(opts, params,
                            opts_list.implied_opt_name if permit_abbrev else None, warn)
    except OptsError:
        opts.delete()
        raise
    if not complete:
        opts.delete()
        return None
    return opts
