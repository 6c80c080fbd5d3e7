"""``cyqemu-migration``: read and write QEMU migration streams.

``dump FILE`` prints the device state as JSON, as QEMU's
``scripts/analyze-migration.py`` does, decoded with the project's own
descriptions; ``--ram`` adds the RAM pages and ``--desc`` prints the
vmdesc instead.  ``check FILE`` reads a stream and compares the vmdesc
it carries with the one the project's descriptions give.  ``rewrite IN
OUT`` writes what it read as a new stream.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from runtime.migration.analyze import to_json
from runtime.migration.boards import VirtProfile
from runtime.migration.catalog import virt_descriptions
from runtime.migration.decode import DecodedStream, analyze_dict, decode_stream, encode_stream
from runtime.migration.errors import MigrationError
from runtime.migration.stream import open_input, open_output

log = logging.getLogger("cyqemu-migration")


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cyqemu-migration",
        description="Read and write QEMU 7.2 migration streams (riscv64 virt board).")
    parser.add_argument("--harts-per-socket", type=int, default=None, metavar="N",
                        help="harts per socket (default: the number of cpu sections)")
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("dump", help="print the device state as JSON")
    dump.add_argument("file", help="the stream (a path, or exec:/unix:/tcp: address)")
    dump.add_argument("--ram", action="store_true", help="include the RAM pages")
    dump.add_argument("--desc", action="store_true",
                      help="print the vmdesc (the stream's, else the one the "
                           "descriptions give)")
    check = commands.add_parser("check", help="read a stream and check its vmdesc")
    check.add_argument("file")
    rewrite = commands.add_parser("rewrite", help="read a stream and write it again")
    rewrite.add_argument("file")
    rewrite.add_argument("output", help="where to write (a path, or exec:/unix:/tcp:)")
    return parser


def _decode(uri: str, harts: int | None) -> DecodedStream:
    inp = open_input(uri)
    try:
        return decode_stream(inp, virt_descriptions(), VirtProfile(harts))
    finally:
        inp.close()


def _dump(args: argparse.Namespace) -> int:
    decoded = _decode(args.file, args.harts_per_socket)
    if args.desc:
        vmdesc = decoded.result.vmdesc
        if vmdesc is None:
            log.warning("%s has no vmdesc; showing the descriptions' own", args.file)
            vmdesc = decoded.own_vmdesc()
        print(to_json(vmdesc))
        return 0
    print(to_json(analyze_dict(decoded, with_ram_pages=args.ram)))
    return 0


def _check(args: argparse.Namespace) -> int:
    decoded = _decode(args.file, args.harts_per_socket)
    theirs = decoded.result.vmdesc
    if theirs is None:
        print(f"{args.file}: read completely; no vmdesc to compare")
        return 0
    ours = decoded.own_vmdesc()
    if json.dumps(ours) == json.dumps(theirs):
        print(f"{args.file}: read completely; the vmdesc matches the descriptions")
        return 0
    by_name = {(device["name"], device["instance_id"]): device for device in ours["devices"]}
    for device in theirs.get("devices", []):
        key = (device.get("name"), device.get("instance_id"))
        if by_name.get(key) != device:
            print(f"{args.file}: section {key[0]!r} instance {key[1]}: the vmdesc differs "
                  "from the descriptions'")
    return 1


def _rewrite(args: argparse.Namespace) -> int:
    decoded = _decode(args.file, args.harts_per_socket)
    out = open_output(args.output)
    try:
        encode_stream(out, decoded)
    finally:
        out.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(format="%(name)s: %(message)s")
    args = build_arg_parser().parse_args(argv)
    try:
        return {"dump": _dump, "check": _check, "rewrite": _rewrite}[args.command](args)
    except MigrationError as err:
        print(f"cyqemu-migration: {getattr(args, 'file', '')}: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
