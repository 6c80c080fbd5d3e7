"""Machines: the boards that wire CPUs, memory and devices together.
Importing the package registers them."""

from emulator.machines import spike, virt

__all__ = ["spike", "virt"]
