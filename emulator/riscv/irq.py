"""The interrupt inputs of a RISC-V hart, by their mip bit numbers, as
devices drive them (`RiscvCpu.set_irq`)."""

IRQ_S_SOFT = 1
IRQ_M_SOFT = 3
IRQ_S_TIMER = 5
IRQ_M_TIMER = 7
IRQ_S_EXT = 9
IRQ_M_EXT = 11
