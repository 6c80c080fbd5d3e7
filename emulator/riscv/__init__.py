"""The RISC-V (RV64GC) target: decoder, translator, CSRs, traps, MMU."""
