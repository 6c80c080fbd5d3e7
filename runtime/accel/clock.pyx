# The virtual clock (QEMU_CLOCK_VIRTUAL): nanoseconds of guest time, which
# only pass while the guest runs.
#
# By default it follows the host's monotonic clock; with an icount shift it
# is derived from the instructions retired by the CPUs (2^shift ns each),
# which makes runs deterministic. With icount, time that would pass while
# every CPU waits for an interrupt is skipped at once (`skip`).

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

from runtime.accel.softmmu cimport PhysicalMemory


cdef int64_t host_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


cdef uint64_t clock_ns(ClockState *clock) noexcept nogil:
    cdef uint64_t insns = 0
    cdef int i
    if clock.icount_shift >= 0:
        for i in range(clock.aspace.n_cpus):
            insns += clock.aspace.cpus[i].instret
        return (insns << clock.icount_shift) + clock.idle_ns
    if clock.stopped:
        return clock.stopped_ns
    return <uint64_t>(host_ns() - clock.host_origin)


cdef class VirtualClock:
    """The clock of the machine built on `memory`; it starts stopped, at 0."""

    def __cinit__(self, PhysicalMemory memory not None, icount_shift=None):
        self.state = <ClockState *>calloc(1, sizeof(ClockState))
        if self.state == NULL:
            raise MemoryError()
        self.memory = memory
        self.state.aspace = memory.aspace
        self.state.icount_shift = -1 if icount_shift is None else int(icount_shift)
        self.state.stopped = True

    def __dealloc__(self):
        free(self.state)

    @property
    def icount_shift(self):
        """The icount shift, or None when time follows the host clock."""
        return None if self.state.icount_shift < 0 else self.state.icount_shift

    def ns(self):
        return clock_ns(self.state)

    def start(self):
        if self.state.stopped:
            self.state.host_origin = host_ns() - <int64_t>self.state.stopped_ns
            self.state.stopped = False

    def stop(self):
        if not self.state.stopped:
            self.state.stopped_ns = clock_ns(self.state)
            self.state.stopped = True

    def skip(self, uint64_t ns):
        """icount: let `ns` pass while the CPUs wait (no effect otherwise)."""
        if self.state.icount_shift >= 0:
            self.state.idle_ns += ns
