"""Machines: the boards that wire a CPU, memory and devices together."""
