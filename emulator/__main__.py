"""``cyqemu-system-riscv64``: the emulator's command (also ``python -m emulator``)."""

from __future__ import annotations

import sys

from emulator.cli import CliError, ExitRequest, parse_command_line, program_name
from emulator.drive import OptionError


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        config = parse_command_line(args)
        from emulator.system import main_async

        return main_async(config)
    except ExitRequest as request:
        sys.stdout.write(request.output)
        return request.status
    except (CliError, OptionError) as err:
        sys.stderr.write(err.render(program_name()))
        return 1


if __name__ == "__main__":
    sys.exit(main())
