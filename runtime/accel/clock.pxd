# The virtual clock (clock.pyx): the time guests and devices see.

from libc.stdint cimport int64_t, uint64_t
from runtime.accel.core cimport AddressSpace

ctypedef struct ClockState:
    AddressSpace *aspace      # icount: the instructions of its CPUs make the time
    int icount_shift          # < 0: the host's monotonic clock
    uint64_t idle_ns          # icount: time skipped while every CPU waited
    int64_t host_origin       # host clock: host ns at virtual time 0
    bint stopped
    uint64_t stopped_ns       # virtual time when it stopped

cdef uint64_t clock_ns(ClockState *clock) noexcept nogil
cdef int64_t host_ns() noexcept nogil

cdef class VirtualClock:
    cdef ClockState *state
    cdef object memory        # keeps the address space alive
