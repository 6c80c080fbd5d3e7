"""SiFive PLIC, the platform-level interrupt controller of QEMU's virt.

Sources 1..N-1 (QEMU's virt: 96 numbers, priorities 0..7) are raised by
devices; each context (a hart's M or S mode, as the hart configuration
"MS,MS,..." lists them) has an enable bit per source and a priority
threshold, and sees its external interrupt line raised while an enabled,
pending, unclaimed source has a priority above the threshold.  Reading a
context's claim register takes the best such source (the lowest number
among equal priorities); writing it back completes it.

As QEMU's model does, a source becomes pending on a rising level and stays
pending until claimed, whatever the line does meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

PRIORITY_BASE = 0x4
PENDING_BASE = 0x1000
ENABLE_BASE = 0x2000
ENABLE_STRIDE = 0x80
CONTEXT_BASE = 0x200000
CONTEXT_STRIDE = 0x1000

# One context's interrupt output: (context's hart index, mode letter, level).
ContextOutput = Callable[[int, str, bool], None]


def hart_config(modes_per_hart: Sequence[str]) -> str:
    """QEMU's configuration string: "MS" per hart, comma-separated."""
    return ",".join(modes_per_hart)


class SifivePlic:
    def __init__(self, config: str, num_sources: int, num_priorities: int,
                 output: ContextOutput) -> None:
        self.num_sources = num_sources
        self.num_priorities = num_priorities
        self._output = output
        self.contexts: list[tuple[int, str]] = []
        for hart, modes in enumerate(config.split(",")):
            for mode in modes:
                if mode not in "MSU":
                    raise ValueError(f"plic: invalid mode '{mode}'")
                self.contexts.append((hart, mode))
        self.words = (num_sources + 31) >> 5
        self.reset()

    def reset(self) -> None:
        self.source_priority = [0] * (self.num_sources + 1)
        self.target_priority = [0] * len(self.contexts)
        self.pending = [0] * self.words
        self.claimed = [0] * self.words
        self.enable = [[0] * self.words for _ in self.contexts]
        self._levels = [False] * len(self.contexts)
        for hart, mode in self.contexts:
            self._output(hart, mode, False)

    # -- device side -----------------------------------------------------------

    def set_irq(self, source: int, level: bool) -> None:
        """A device drives line `source`."""
        if level and 0 < source < self.num_sources:
            self.pending[source >> 5] |= 1 << (source & 31)
            self._update()

    def irq_line(self, source: int) -> Callable[[bool], None]:
        """The callable a device is given to drive line `source`."""
        return lambda level: self.set_irq(source, level)

    # -- state ------------------------------------------------------------------

    def _best(self, context: int) -> int:
        best, best_priority = 0, self.target_priority[context]
        enable = self.enable[context]
        for word in range(self.words):
            ready = self.pending[word] & ~self.claimed[word] & enable[word]
            while ready:
                bit = (ready & -ready).bit_length() - 1
                ready &= ready - 1
                source = (word << 5) + bit
                if self.source_priority[source] > best_priority:
                    best, best_priority = source, self.source_priority[source]
        return best

    def _update(self) -> None:
        for context, (hart, mode) in enumerate(self.contexts):
            level = self._best(context) != 0
            if level != self._levels[context]:
                self._levels[context] = level
                self._output(hart, mode, level)

    def _legal_priority(self, value: int) -> int | None:
        if (self.num_priorities + 1) & self.num_priorities == 0:
            return value % (self.num_priorities + 1)
        return value if value <= self.num_priorities else None

    # -- registers ----------------------------------------------------------------

    def mmio_read(self, offset: int, size: int) -> int:
        if PRIORITY_BASE <= offset < PRIORITY_BASE + (self.num_sources << 2):
            return self.source_priority[((offset - PRIORITY_BASE) >> 2) + 1]
        if PENDING_BASE <= offset < PENDING_BASE + (self.num_sources >> 3):
            return self.pending[(offset - PENDING_BASE) >> 2]
        if ENABLE_BASE <= offset < ENABLE_BASE + len(self.contexts) * ENABLE_STRIDE:
            context = (offset - ENABLE_BASE) // ENABLE_STRIDE
            word = (offset & (ENABLE_STRIDE - 1)) >> 2
            return self.enable[context][word] if word < self.words else 0
        if CONTEXT_BASE <= offset < CONTEXT_BASE + len(self.contexts) * CONTEXT_STRIDE:
            context = (offset - CONTEXT_BASE) // CONTEXT_STRIDE
            register = offset & (CONTEXT_STRIDE - 1)
            if register == 0:
                return self.target_priority[context]
            if register == 4:
                source = self._best(context)
                if source:
                    self.pending[source >> 5] &= ~(1 << (source & 31))
                    self.claimed[source >> 5] |= 1 << (source & 31)
                self._update()
                return source
        return 0

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        value &= 0xFFFFFFFF
        if PRIORITY_BASE <= offset < PRIORITY_BASE + (self.num_sources << 2):
            priority = self._legal_priority(value)
            if priority is not None:
                self.source_priority[((offset - PRIORITY_BASE) >> 2) + 1] = priority
                self._update()
        elif ENABLE_BASE <= offset < ENABLE_BASE + len(self.contexts) * ENABLE_STRIDE:
            context = (offset - ENABLE_BASE) // ENABLE_STRIDE
            word = (offset & (ENABLE_STRIDE - 1)) >> 2
            if word < self.words:
                self.enable[context][word] = value
        elif CONTEXT_BASE <= offset < CONTEXT_BASE + len(self.contexts) * CONTEXT_STRIDE:
            context = (offset - CONTEXT_BASE) // CONTEXT_STRIDE
            register = offset & (CONTEXT_STRIDE - 1)
            if register == 0:
                priority = self._legal_priority(value)
                if priority is not None:
                    self.target_priority[context] = priority
                    self._update()
            elif register == 4 and value < self.num_sources:
                self.claimed[value >> 5] &= ~(1 << (value & 31))
                self._update()
        return False
