# ACLINT, as QEMU's virt and spike boards map it (the SiFive CLINT layout):
# MSWI, one machine software-interrupt bit per hart; MTIMER, the shared
# mtime at 10 MHz and one mtimecmp per hart; SSWI (virt with aclint=on),
# one write-to-set supervisor software-interrupt bit per hart.
#
# The timer is written in Cython because the CPU loop polls it between
# slices of execution: each hart's poll hook raises its timer interrupts
# (MTIP from mtimecmp, STIP from stimecmp) once they are due, and with
# icount stops the slice exactly where the next one falls due.

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free

from emulator.riscv.cpu cimport RiscvCpu
from emulator.riscv.cpu_env cimport MIP_MSIP, MIP_MTIP, MIP_SSIP, RISCVEnv
from emulator.riscv.csr cimport sstc_poll, update_mip
from runtime.accel.clock cimport ClockState, VirtualClock, clock_ns
from runtime.accel.core cimport (
    CPUState, EXIT_REQUEST_YIELD, MEM_EXIT, MEM_OK, cpu_request_exit,
)
from runtime.accel.softmmu cimport PhysicalMemory

# Register layout (offsets in each region) and region sizes.
cdef enum:
    SWI_SIZE_ = 0x4000
    MTIMER_SIZE_ = 0x8000
    MTIME_ = 0x7FF8

SWI_SIZE = SWI_SIZE_
MTIMER_SIZE = MTIMER_SIZE_
MTIME_OFFSET = MTIME_
TIMEBASE_FREQ = 10000000

cdef uint64_t NO_DEADLINE = <uint64_t>-1
# The most ns a deadline may be away (more is "never").
cdef uint64_t FAR_NS = <uint64_t>1 << 62


ctypedef struct HartTimer:
    void *mtimer              # the MTimerState it belongs to
    RISCVEnv *env
    CPUState *cpu
    uint64_t timecmp
    bint armed                # timecmp is in the future

ctypedef struct MTimerState:
    ClockState *clock
    int64_t time_delta        # mtime = clock ticks + time_delta
    int n_harts
    HartTimer *harts

ctypedef struct SwiState:
    int n_harts
    RISCVEnv **envs
    CPUState **cpus
    bint supervisor


cdef uint64_t read_mtime(void *opaque) noexcept nogil:
    cdef MTimerState *s = <MTimerState *>opaque
    return clock_ns(s.clock) // 100 + <uint64_t>s.time_delta


cdef void raise_timer(HartTimer *h, bint level) noexcept nogil:
    update_mip(h.env, MIP_MTIP, MIP_MTIP if level else 0)
    cpu_request_exit(h.cpu, EXIT_REQUEST_YIELD)


cdef void write_timecmp(MTimerState *s, HartTimer *h, uint64_t value) noexcept nogil:
    h.timecmp = value
    if value <= read_mtime(s):
        h.armed = False
        raise_timer(h, True)
    else:
        h.armed = True
        raise_timer(h, False)


cdef uint64_t ns_until(MTimerState *s, uint64_t ticks) noexcept nogil:
    """ns of virtual time until mtime reaches `ticks` (0 if it has)."""
    cdef uint64_t now = read_mtime(s)
    if ticks <= now:
        return 0
    if ticks - now > FAR_NS // 100:
        return NO_DEADLINE
    return (ticks - now) * 100


cdef uint64_t hart_deadline_ns(MTimerState *s, HartTimer *h) noexcept nogil:
    cdef uint64_t d = NO_DEADLINE
    cdef uint64_t t
    if h.armed:
        d = ns_until(s, h.timecmp)
    if h.env.stimer_armed and h.env.time_board == <void *>s:
        t = ns_until(s, h.env.stimecmp)
        if t < d:
            d = t
    return d


cdef void hart_poll(CPUState *cpu) noexcept nogil:
    cdef HartTimer *h = <HartTimer *>cpu.board
    cdef MTimerState *s = <MTimerState *>h.mtimer
    cdef uint64_t d
    if h.armed and read_mtime(s) >= h.timecmp:
        h.armed = False
        update_mip(h.env, MIP_MTIP, MIP_MTIP)
    sstc_poll(h.env)
    if s.clock.icount_shift >= 0:
        # Stop the slice exactly where the next timer falls due.
        d = hart_deadline_ns(s, h)
        if d != NO_DEADLINE:
            d = (d + (<uint64_t>1 << s.clock.icount_shift) - 1) >> s.clock.icount_shift
            if d == 0:
                d = 1
            if cpu.instret + d < cpu.instret_limit:
                cpu.instret_limit = cpu.instret + d


cdef int mtimer_read(void *opaque, uint64_t offset, int size, uint64_t *value) noexcept nogil:
    cdef MTimerState *s = <MTimerState *>opaque
    cdef uint64_t v = 0
    cdef uint64_t hart = offset >> 3
    if hart < <uint64_t>s.n_harts:
        if offset & 7 == 0:
            v = s.harts[hart].timecmp
        elif offset & 7 == 4:
            v = s.harts[hart].timecmp >> 32
    elif offset == MTIME_:
        v = read_mtime(s)
    elif offset == MTIME_ + 4:
        v = read_mtime(s) >> 32
    if size == 4:
        v &= 0xFFFFFFFFULL
    value[0] = v
    return MEM_OK


cdef int mtimer_write(void *opaque, uint64_t offset, int size, uint64_t value) noexcept nogil:
    cdef MTimerState *s = <MTimerState *>opaque
    cdef uint64_t hart = offset >> 3
    cdef HartTimer *h
    cdef uint64_t raw, now
    cdef int i
    if hart < <uint64_t>s.n_harts:
        h = &s.harts[hart]
        if offset & 7 == 0:
            if size == 4:
                value = (h.timecmp & ~(<uint64_t>0xFFFFFFFFULL)) | (value & 0xFFFFFFFFULL)
            write_timecmp(s, h, value)
        elif offset & 7 == 4 and size == 4:
            write_timecmp(s, h, (value << 32) | (h.timecmp & 0xFFFFFFFFULL))
        return MEM_EXIT         # let the CPU loop look at interrupts now
    if offset != MTIME_ and offset != MTIME_ + 4:
        return MEM_OK
    raw = clock_ns(s.clock) // 100
    now = raw + <uint64_t>s.time_delta
    if offset == MTIME_:
        if size == 4:
            value = (now & ~(<uint64_t>0xFFFFFFFFULL)) | (value & 0xFFFFFFFFULL)
    elif size == 4:
        value = (value << 32) | (now & 0xFFFFFFFFULL)
    else:
        return MEM_OK
    s.time_delta = <int64_t>(value - raw)
    for i in range(s.n_harts):
        write_timecmp(s, &s.harts[i], s.harts[i].timecmp)
    return MEM_EXIT


cdef class AclintMTimer:
    """mtime and the harts' mtimecmp registers; the time source of the harts
    (their time CSR and Sstc) unless `provide_rdtime` is False, as on
    QEMU's spike."""

    cdef MTimerState *state
    cdef VirtualClock clock
    cdef list harts

    def __cinit__(self, PhysicalMemory memory not None, VirtualClock clock not None, harts,
                  uint64_t base, bint provide_rdtime=True):
        cdef RiscvCpu hart
        cdef int i
        self.harts = list(harts)
        self.clock = clock
        self.state = <MTimerState *>calloc(1, sizeof(MTimerState))
        if self.state == NULL:
            raise MemoryError()
        self.state.clock = clock.state
        self.state.n_harts = len(self.harts)
        self.state.harts = <HartTimer *>calloc(len(self.harts), sizeof(HartTimer))
        if self.state.harts == NULL:
            raise MemoryError()
        for i, hart in enumerate(self.harts):
            self.state.harts[i].mtimer = self.state
            self.state.harts[i].env = hart.env
            self.state.harts[i].cpu = hart.cpu
            if provide_rdtime:
                hart.env.rdtime = read_mtime
                hart.env.time_board = self.state
            hart.cpu.board = &self.state.harts[i]
            hart.cpu.hooks.poll = hart_poll
        memory.add_native_mmio(base, MTIMER_SIZE_, mtimer_read, mtimer_write,
                               <void *>self.state, self, 0, 4, 8)

    def __dealloc__(self):
        if self.state != NULL:
            free(self.state.harts)
        free(self.state)

    def reset(self):
        """mtime back to 0 (mtimecmp keeps its value, 0 after power-on, so
        the timer interrupt is pending at reset as on QEMU)."""
        mtimer_write(self.state, MTIME_, 8, 0)

    def next_deadline_ns(self):
        """Virtual ns until the next timer interrupt of any hart falls due
        (None: no timer is armed)."""
        cdef uint64_t d = NO_DEADLINE
        cdef uint64_t t
        cdef int i
        for i in range(self.state.n_harts):
            t = hart_deadline_ns(self.state, &self.state.harts[i])
            if t < d:
                d = t
        return None if d == NO_DEADLINE else d


cdef int swi_read(void *opaque, uint64_t offset, int size, uint64_t *value) noexcept nogil:
    cdef SwiState *s = <SwiState *>opaque
    cdef uint64_t hart = offset >> 2
    value[0] = 0
    if hart < <uint64_t>s.n_harts and offset & 3 == 0 and not s.supervisor:
        value[0] = 1 if s.envs[hart].mip & MIP_MSIP else 0
    return MEM_OK


cdef int swi_write(void *opaque, uint64_t offset, int size, uint64_t value) noexcept nogil:
    cdef SwiState *s = <SwiState *>opaque
    cdef uint64_t hart = offset >> 2
    if hart >= <uint64_t>s.n_harts or offset & 3 != 0:
        return MEM_OK
    if s.supervisor:
        if value & 1:
            update_mip(s.envs[hart], MIP_SSIP, MIP_SSIP)
    else:
        update_mip(s.envs[hart], MIP_MSIP, MIP_MSIP if value & 1 else 0)
    cpu_request_exit(s.cpus[hart], EXIT_REQUEST_YIELD)
    return MEM_EXIT


cdef class AclintSwi:
    """Software interrupts: MSWI (msip registers, read/write) or, with
    `supervisor`, SSWI (setssip registers, write 1 to raise)."""

    cdef SwiState *state
    cdef list harts

    def __cinit__(self, PhysicalMemory memory not None, harts, uint64_t base,
                  bint supervisor=False):
        cdef RiscvCpu hart
        cdef int i
        self.harts = list(harts)
        self.state = <SwiState *>calloc(1, sizeof(SwiState))
        if self.state == NULL:
            raise MemoryError()
        self.state.n_harts = len(self.harts)
        self.state.supervisor = supervisor
        self.state.envs = <RISCVEnv **>calloc(len(self.harts), sizeof(RISCVEnv *))
        self.state.cpus = <CPUState **>calloc(len(self.harts), sizeof(CPUState *))
        if self.state.envs == NULL or self.state.cpus == NULL:
            raise MemoryError()
        for i, hart in enumerate(self.harts):
            self.state.envs[i] = hart.env
            self.state.cpus[i] = hart.cpu
        memory.add_native_mmio(base, SWI_SIZE_, swi_read, swi_write, <void *>self.state,
                               self, 0, 4, 4)

    def __dealloc__(self):
        if self.state != NULL:
            free(self.state.envs)
            free(self.state.cpus)
        free(self.state)

    def reset(self):
        cdef int i
        if not self.state.supervisor:
            for i in range(self.state.n_harts):
                update_mip(self.state.envs[i], MIP_MSIP, 0)
