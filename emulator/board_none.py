"""The ``none`` machine: no CPUs, no devices.  What is left to it is the
monitor, which makes it the machine to talk QMP to."""

from __future__ import annotations

from emulator.machine import MachineClass, register_machine

NONE_MACHINE = register_machine(MachineClass(
    name="none",
    desc="empty machine",
    max_cpus=1,
    default_ram_id="ram",
))
