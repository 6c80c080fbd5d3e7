# Core-local interruptor (SiFive CLINT layout, as QEMU's ACLINT pair maps it
# on virt and spike): msip at +0x0, mtimecmp at +0x4000, mtime at +0xbff8.
#
# The device is written in Cython because it is also the machine's clock:
# the CPU loop polls it between slices of execution (raising the timer
# interrupt when mtime reaches mtimecmp) and sleeps on it while the hart
# waits in wfi. Time is the host's monotonic clock at 10 MHz, or, with an
# icount shift, derived from the retired-instruction count (deterministic).

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, nanosleep, timespec

from cpython.exc cimport PyErr_CheckSignals

from emulator.riscv.cpu cimport RiscvCpu
from emulator.riscv.cpu_env cimport MIP_MSIP, MIP_MTIP, RISCVEnv
from emulator.riscv.csr cimport sstc_poll, update_mip
from runtime.accel.core cimport (
    CPUState, EXIT_REQUEST_SHUTDOWN, MEM_EXIT, MEM_OK, cpu_request_exit,
)
from runtime.accel.softmmu cimport PhysicalMemory

cdef enum:
    SWI_SIZE = 0x4000
    MTIMECMP_OFFSET = 0x4000
    MTIME_OFFSET = 0xBFF8
    CLINT_SIZE = 0x10000

cdef uint64_t TIMEBASE_HZ = 10000000
cdef uint64_t NO_DEADLINE = <uint64_t>-1

ctypedef struct ClintState:
    RISCVEnv *env
    CPUState *cpu
    uint64_t mtimecmp
    bint timer_armed
    int64_t time_delta        # mtime writes: offset from the clock
    int icount_shift          # < 0: host clock
    uint64_t idle_ns          # icount mode: time skipped while halted
    int64_t start_ns
    int interrupted           # a host signal arrived while waiting


cdef int64_t host_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


cdef uint64_t clock_ns(ClintState *s) noexcept nogil:
    """Virtual time in ns since the machine started."""
    if s.icount_shift >= 0:
        return (s.cpu.instret << s.icount_shift) + s.idle_ns
    return <uint64_t>(host_ns() - s.start_ns)


cdef uint64_t clint_mtime(void *board) noexcept nogil:
    cdef ClintState *s = <ClintState *>board
    return clock_ns(s) // 100 + <uint64_t>s.time_delta


cdef uint64_t ns_until(ClintState *s, uint64_t ticks) noexcept nogil:
    """ns of virtual time until mtime reaches `ticks` (0 if reached)."""
    cdef uint64_t now = clint_mtime(s)
    if ticks <= now:
        return 0
    if ticks - now > (NO_DEADLINE // 200):
        return NO_DEADLINE
    return (ticks - now) * 100


cdef void write_timecmp(ClintState *s, uint64_t value) noexcept nogil:
    s.mtimecmp = value
    if value <= clint_mtime(s):
        update_mip(s.env, MIP_MTIP, MIP_MTIP)
        s.timer_armed = False
    else:
        update_mip(s.env, MIP_MTIP, 0)
        s.timer_armed = True


cdef uint64_t next_deadline_ns(ClintState *s) noexcept nogil:
    cdef uint64_t d = NO_DEADLINE
    cdef uint64_t t
    if s.timer_armed:
        d = ns_until(s, s.mtimecmp)
    if s.env.stimer_armed:
        t = ns_until(s, s.env.stimecmp)
        if t < d:
            d = t
    return d


cdef void clint_poll(CPUState *cpu) noexcept nogil:
    cdef ClintState *s = <ClintState *>cpu.board
    cdef uint64_t d
    if s.timer_armed and clint_mtime(s) >= s.mtimecmp:
        s.timer_armed = False
        update_mip(s.env, MIP_MTIP, MIP_MTIP)
    sstc_poll(s.env)
    if s.icount_shift >= 0:
        # Stop the next slice exactly where the timer fires.
        d = next_deadline_ns(s)
        if d != NO_DEADLINE:
            d = (d + (<uint64_t>1 << s.icount_shift) - 1) >> s.icount_shift
            if d == 0:
                d = 1
            if cpu.instret + d < cpu.instret_limit:
                cpu.instret_limit = cpu.instret + d


cdef void clint_wait(CPUState *cpu) noexcept nogil:
    """The hart sleeps in wfi: let time pass until the next timer event."""
    cdef ClintState *s = <ClintState *>cpu.board
    cdef uint64_t d = next_deadline_ns(s)
    cdef timespec ts
    if s.icount_shift >= 0 and d != NO_DEADLINE:
        s.idle_ns += d
        return
    if d > 10000000:
        d = 10000000          # wake up now and then to notice host signals
    ts.tv_sec = 0
    ts.tv_nsec = <long>d
    nanosleep(&ts, NULL)
    with gil:
        if PyErr_CheckSignals() != 0:
            s.interrupted = 1
            cpu_request_exit(cpu, EXIT_REQUEST_SHUTDOWN)


cdef int clint_read(void *opaque, uint64_t offset, int size, uint64_t *value) noexcept nogil:
    cdef ClintState *s = <ClintState *>opaque
    cdef uint64_t v
    cdef int shift
    if offset < SWI_SIZE:
        if offset == 0 and size == 4:
            value[0] = 1 if s.env.mip & MIP_MSIP else 0
        else:
            value[0] = 0
        return MEM_OK
    if offset >= MTIME_OFFSET:
        v = clint_mtime(s)
        shift = <int>(offset - MTIME_OFFSET) * 8
    elif offset >= MTIMECMP_OFFSET and offset < MTIMECMP_OFFSET + 8:
        v = s.mtimecmp
        shift = <int>(offset - MTIMECMP_OFFSET) * 8
    else:
        value[0] = 0
        return MEM_OK
    value[0] = v >> shift
    return MEM_OK


cdef int clint_write(void *opaque, uint64_t offset, int size, uint64_t value) noexcept nogil:
    cdef ClintState *s = <ClintState *>opaque
    cdef uint64_t v, mask
    cdef int shift
    if offset < SWI_SIZE:
        if offset == 0:
            update_mip(s.env, MIP_MSIP, MIP_MSIP if value & 1 else 0)
        return MEM_EXIT          # let the CPU loop look at interrupts now
    if offset >= MTIME_OFFSET:
        shift = <int>(offset - MTIME_OFFSET) * 8
        mask = (<uint64_t>-1 if size == 8 else <uint64_t>0xFFFFFFFF) << shift
        v = (clint_mtime(s) & ~mask) | ((value << shift) & mask)
        s.time_delta += <int64_t>(v - clint_mtime(s))
        if s.timer_armed or s.mtimecmp <= v:
            write_timecmp(s, s.mtimecmp)
        return MEM_EXIT
    if offset >= MTIMECMP_OFFSET and offset < MTIMECMP_OFFSET + 8:
        shift = <int>(offset - MTIMECMP_OFFSET) * 8
        mask = (<uint64_t>-1 if size == 8 else <uint64_t>0xFFFFFFFF) << shift
        write_timecmp(s, (s.mtimecmp & ~mask) | ((value << shift) & mask))
        return MEM_EXIT
    return MEM_OK


cdef class Clint:
    """The CLINT of a one-hart machine, which is also its clock."""

    cdef ClintState *state
    cdef RiscvCpu hart

    def __cinit__(self, PhysicalMemory memory not None, RiscvCpu hart not None,
                  uint64_t base=0x2000000, icount_shift=None, bint provide_rdtime=True):
        self.state = <ClintState *>calloc(1, sizeof(ClintState))
        if self.state == NULL:
            raise MemoryError()
        self.hart = hart
        self.state.env = hart.env
        self.state.cpu = hart.cpu
        self.state.icount_shift = -1 if icount_shift is None else int(icount_shift)
        self.state.mtimecmp = 0
        self.state.start_ns = host_ns()
        memory.add_native_mmio(base, CLINT_SIZE, clint_read, clint_write,
                               <void *>self.state, self, 0, 4, 8)
        # Without it (QEMU's spike) the time CSR and Sstc are absent.
        if provide_rdtime:
            hart.env.rdtime = clint_mtime
            hart.env.time_board = self.state
        hart.cpu.board = self.state
        hart.cpu.hooks.poll = clint_poll
        hart.cpu.hooks.wait_event = clint_wait

    def __dealloc__(self):
        free(self.state)

    def reset(self):
        """Clear mtime; mtimecmp keeps its value (0 after power-on), so the
        timer interrupt is pending at reset as on QEMU."""
        self.state.time_delta = 0
        self.state.idle_ns = 0
        self.state.start_ns = host_ns()
        self.state.time_delta -= <int64_t>clint_mtime(self.state)
        write_timecmp(self.state, self.state.mtimecmp)

    @property
    def mtime(self):
        return clint_mtime(self.state)

    @property
    def interrupted(self):
        """Whether a host signal (Ctrl-C) stopped a wait."""
        return bool(self.state.interrupted)
