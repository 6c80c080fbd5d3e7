"""Developer entry point: run a bare-metal RISC-V ELF on a machine.

    python -m emulator.riscv.run [-M spike|virt] [-m SIZE] [-d ITEMS] [-D FILE]
                                 [--icount SHIFT] ELF

The process exits with the guest's exit status, as qemu-system-riscv64 does.
"""

from __future__ import annotations

import argparse
import sys

from emulator.machines.base import MachineExit
from emulator.machines.spike import SpikeMachine
from emulator.machines.virt_bare import VirtMachine

MACHINES = {"spike": SpikeMachine, "virt": VirtMachine}
_SUFFIXES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """A memory size as -m takes it: a number of MiB, or with a K/M/G/T suffix."""
    text = text.strip().lower().removesuffix("b")
    if text and text[-1] in _SUFFIXES:
        return int(float(text[:-1]) * _SUFFIXES[text[-1]])
    return int(text) << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.riscv.run",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("-M", dest="machine", choices=sorted(MACHINES), default="virt",
                        help="the board (default virt)")
    parser.add_argument("-m", dest="memory", default="128M", help="RAM size (default 128M)")
    parser.add_argument("-d", dest="log", default="", help="log items: in_asm,exec,int,cpu")
    parser.add_argument("-D", dest="logfile", default=None, help="log file (default stderr)")
    parser.add_argument("--icount", type=int, default=None, metavar="SHIFT",
                        help="derive time from the instruction count (1 insn = 2^SHIFT ns)")
    parser.add_argument("--stats", action="store_true", help="print execution statistics")
    parser.add_argument("kernel", help="the ELF executable to run")
    args = parser.parse_args(argv)

    items = [i for i in args.log.split(",") if i]
    machine = MACHINES[args.machine](
        args.kernel, parse_size(args.memory), log_items=items, log_file=args.logfile,
        icount_shift=args.icount)
    try:
        code = machine.run()
    except MachineExit:
        return 130
    if args.stats:
        print(machine.cpu.stats(), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
