"""The ``qapi-gen`` command: compile a QAPI schema into generated modules."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from generator.backends import GenOptions
from qapi.error import QAPIError

if TYPE_CHECKING:
    from generator.backends import Backend

USAGE_ERROR = 2
SCHEMA_ERROR = 1


def invalid_prefix_char(prefix: str) -> str | None:
    match = re.match(r"([A-Za-z_.-][A-Za-z0-9_.-]*)?", prefix)
    assert match is not None
    if match.end() != len(prefix):
        return prefix[match.end()]
    return None


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qapi-gen",
        description="Generate code from a QAPI schema (QEMU 7.2's schema language).")
    parser.add_argument("-b", "--builtins", action="store_true",
                        help="generate code for built-in types")
    parser.add_argument("-o", "--output-dir", default="",
                        help="write output to directory OUTPUT_DIR")
    parser.add_argument("-p", "--prefix", default="", help="prefix for symbols and file names")
    parser.add_argument("-u", "--unmask-non-abi-names", action="store_true", dest="unmask",
                        help="expose non-ABI names in introspection")
    parser.add_argument("-B", "--backend", action="append", default=None, metavar="NAME",
                        help="run only this back end (may be repeated); default: all")
    parser.add_argument("--check-only", action="store_true",
                        help="parse and check the schema, write nothing")
    parser.add_argument("schema", help="the schema file to compile "
                        "(a .vmsd file holds device state descriptions)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_arg_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    funny = invalid_prefix_char(args.prefix)
    if funny is not None:
        print(f"qapi-gen: funny character '{funny}' in argument of --prefix", file=sys.stderr)
        return USAGE_ERROR
    # Imported here so that --help and usage errors stay fast.
    from generator.backends import backends

    available = backends()
    selected = args.backend or list(available)
    unknown = [name for name in selected if name not in available]
    if unknown:
        print(f"qapi-gen: unknown back end '{unknown[0]}' (have: {', '.join(available)})",
              file=sys.stderr)
        return USAGE_ERROR
    if args.schema.endswith(".vmsd"):
        return _reporting_errors(lambda: _compile_descriptions(args))
    return _reporting_errors(lambda: _compile_schema(args, [available[n] for n in selected]))


def _compile_schema(args: argparse.Namespace, selected: list[Backend]) -> None:
    from qapi.schema import QAPISchema

    schema = QAPISchema(args.schema)
    if args.check_only:
        return
    options = GenOptions(args.output_dir, args.prefix, args.builtins, args.unmask)
    for backend in selected:
        backend(schema, options)


def _compile_descriptions(args: argparse.Namespace) -> None:
    """Device state descriptions (``.vmsd``) compile to serializer modules."""
    from generator.vmstate import generate
    from qapi.vmstate_schema import VMStateSchema

    if args.check_only:
        VMStateSchema(args.schema)
    else:
        generate(args.schema, args.output_dir, args.prefix)


def _reporting_errors(compile_: Callable[[], None]) -> int:
    """Run ``compile_``; a schema or file error is printed, never raised."""
    try:
        compile_()
    except QAPIError as err:
        print(err, file=sys.stderr)
        return SCHEMA_ERROR
    except OSError as err:
        print(f"qapi-gen: {err.filename}: {err.strerror}", file=sys.stderr)
        return SCHEMA_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
