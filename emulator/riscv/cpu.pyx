# The RISC-V hart as machines and tests see it: creation and reset, the
# target hooks plugged into the accel layer, register access, logging, and
# the call into the CPU loop (which runs without the GIL).

from libc.stdint cimport uint64_t
from libc.stdio cimport fclose, fflush, fopen, fputs, stderr
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from emulator.riscv.cpu_env cimport (
    IRQ_S_EXT, LOG_CPU, LOG_EXEC, LOG_IN_ASM, LOG_INT, PRV_M, RISCVEnv,
    TBF_PRIV_MASK,
)
from emulator.riscv.csr cimport csr_reset, csr_rw, update_mip
from emulator.riscv.helpers cimport riscv_helper, riscv_raise_illegal
from emulator.riscv.mmu cimport riscv_mem_fault, riscv_tlb_fill
from emulator.riscv.state cimport env_set_priv
from emulator.riscv.translate cimport riscv_translate
from emulator.riscv.trap cimport riscv_check_interrupt, riscv_do_exception
from runtime.accel.core cimport (
    CPUState, EXIT_REQUEST_SHUTDOWN, EXIT_REQUEST_YIELD, REG_F0, STOP_BUDGET, STOP_HALT,
    STOP_REQUEST, TB, cpu_request_exit, fp_leave,
)
from runtime.accel.exec_loop cimport cpu_run_for, tb_flush_everything
from runtime.accel.softmmu cimport PhysicalMemory, tlb_flush

from runtime.accel.ops cimport OP_GOTO
from cpython.ref cimport PyObject

from emulator.riscv.disas import format_tb

# misa for RV64 with I M A F D C S U
DEFAULT_MISA = (2 << 62) | sum(1 << (ord(c) - ord("A")) for c in "IMAFDCSU")
# What QEMU 7.2.22 reports in marchid and mimpid.
QEMU_MARCHID = (7 << 16) | (2 << 8) | 22
QEMU_MIMPID = QEMU_MARCHID

XREG_NAMES = (
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
    "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    "t3", "t4", "t5", "t6",
)

LOG_FLAGS = {"in_asm": LOG_IN_ASM, "exec": LOG_EXEC, "int": LOG_INT, "cpu": LOG_CPU}

# Why run_for() returned.
RAN_BUDGET = STOP_BUDGET
RAN_HALTED = STOP_HALT
RAN_STOPPED = STOP_REQUEST


cdef void log_translate(CPUState *cpu, TB *tb) noexcept nogil:
    cdef RISCVEnv *env = <RISCVEnv *>cpu.target_env
    cdef int i
    cdef int prev = -1
    fp_leave(&cpu.fp)
    with gil:
        insns = []
        for i in range(tb.n_ops):
            if tb.ops[i].opc == OP_GOTO or tb.ops[i].pc_off == prev:
                continue
            prev = tb.ops[i].pc_off
            insns.append((tb.pc + tb.ops[i].pc_off, tb.ops[i].insn, tb.ops[i].len))
        owner = <object>env.owner
        fputs(format_tb(insns, tb.flags & TBF_PRIV_MASK, owner.symbolize(tb.pc)).encode(),
              env.log)
        fflush(env.log)


cdef void log_exec(CPUState *cpu, TB *tb) noexcept nogil:
    cdef RISCVEnv *env = <RISCVEnv *>cpu.target_env
    fp_leave(&cpu.fp)
    with gil:
        owner = <object>env.owner
        if env.log_mask & LOG_EXEC:
            line = (f"Trace 0: 0x{<size_t>tb:x} [{0:016x}/{tb.pc:016x}/{tb.flags:08x}/"
                    f"{tb.icount:08x}] {owner.symbolize(tb.pc)}\n")
            fputs(line.encode(), env.log)
        if env.log_mask & LOG_CPU:
            fputs(owner.dump_state().encode(), env.log)
        fflush(env.log)


cdef class RiscvCpu:
    """One RV64GC hart over a PhysicalMemory (whose translated code it
    shares with the other harts there).

    `run_for()` executes a turn of it; registers and CSRs are readable and
    writable in between."""

    def __cinit__(self, PhysicalMemory memory not None, uint64_t hartid=0):
        self.cpu = <CPUState *>calloc(1, sizeof(CPUState))
        self.env = <RISCVEnv *>calloc(1, sizeof(RISCVEnv))
        if self.cpu == NULL or self.env == NULL:
            raise MemoryError()
        self.memory = memory
        memory.attach_cpu(self.cpu)
        self.cpu.target_env = self.env
        self.env.cpu = self.cpu
        self.env.owner = <PyObject *>self
        self.env.mhartid = hartid
        self.env.misa = DEFAULT_MISA
        self.env.marchid = QEMU_MARCHID
        self.env.mimpid = QEMU_MIMPID
        self.env.ext_sstc = True
        self.env.satp_max_mode = 10
        self.cpu.hooks.translate = riscv_translate
        self.cpu.hooks.tlb_fill = riscv_tlb_fill
        self.cpu.hooks.mem_fault = riscv_mem_fault
        self.cpu.hooks.do_exception = riscv_do_exception
        self.cpu.hooks.check_interrupt = riscv_check_interrupt
        self.cpu.hooks.helper = riscv_helper
        self.cpu.hooks.raise_illegal = riscv_raise_illegal
        self.reset(0x1000)

    def __dealloc__(self):
        if self.env != NULL and self.env.log != NULL and self.owns_log:
            fclose(self.env.log)
        if self.cpu != NULL and self.memory is not None:
            self.memory.detach_cpu(self.cpu)
        free(self.cpu)
        free(self.env)

    def reset(self, uint64_t pc):
        """Power-on state: M-mode at `pc`, registers and CSRs cleared."""
        cdef RISCVEnv *env = self.env
        memset(self.cpu.regs, 0, sizeof(self.cpu.regs))
        self.cpu.pc = pc
        self.cpu.fp.frm = 0
        self.cpu.fp.fflags = 0
        self.cpu.fp.host_rm = -1
        self.cpu.halted = 0
        self.cpu.exit_request = 0
        env.mip = 0
        env.mie = 0
        env.mideleg = 0
        env.medeleg = 0
        env.satp = 0
        env_set_priv(env, PRV_M)
        csr_reset(env)
        tlb_flush(self.cpu)
        tb_flush_everything(self.cpu)

    # ---- running -----------------------------------------------------------

    def run_for(self, uint64_t budget):
        """Run up to `budget` instructions; returns RAN_BUDGET, RAN_HALTED
        (waiting for an interrupt) or RAN_STOPPED (request_exit())."""
        cdef int stop
        with nogil:
            stop = cpu_run_for(self.cpu, budget)
        return stop

    def request_exit(self, bint stop=True):
        """Make run_for() return at the next block boundary (stop), or only
        look at timers and interrupts again (not stop)."""
        cpu_request_exit(self.cpu, EXIT_REQUEST_SHUTDOWN if stop else EXIT_REQUEST_YIELD)

    # ---- state access --------------------------------------------------------

    @property
    def pc(self):
        return self.cpu.pc

    @pc.setter
    def pc(self, uint64_t value):
        self.cpu.pc = value

    @property
    def priv(self):
        return self.env.priv

    @property
    def instret(self):
        """Instructions retired since reset (exact)."""
        return self.cpu.instret

    @property
    def halted(self):
        return bool(self.cpu.halted)

    def get_x(self, int n):
        if not 0 <= n < 32:
            raise IndexError(n)
        return self.cpu.regs[n]

    def set_x(self, int n, uint64_t value):
        if not 0 < n < 32:
            raise IndexError(n)
        self.cpu.regs[n] = value

    def get_f(self, int n):
        if not 0 <= n < 32:
            raise IndexError(n)
        return self.cpu.regs[REG_F0 + n]

    def read_csr(self, int csr):
        """A CSR's value as an M-mode csrr would read it (None if absent)."""
        cdef uint64_t old
        cdef int saved = self.env.priv
        self.env.priv = PRV_M
        cdef int cause = csr_rw(self.env, csr, &old, 0, 0, 0)
        self.env.priv = saved
        return None if cause else old

    def set_irq(self, int irq, bint level):
        """Drive interrupt input `irq` (IRQ_M_EXT, IRQ_S_EXT, ...). mip.SEIP
        is the external line or what software wrote, as QEMU has it."""
        if not 0 <= irq < 16:
            raise ValueError(irq)
        if irq == IRQ_S_EXT:
            self.env.external_seip = level
            level = level or self.env.software_seip
        update_mip(self.env, <uint64_t>1 << irq, (<uint64_t>1 << irq) if level else 0)
        cpu_request_exit(self.cpu, EXIT_REQUEST_YIELD)

    @property
    def hartid(self):
        return self.env.mhartid

    def stats(self):
        """Counters of the translation machinery."""
        return {
            "instret": self.cpu.instret,
            "tb_translations": self.cpu.tb_translations,
            "tb_lookups": self.cpu.tb_lookups,
            "tb_count": self.cpu.tbs.tb_count,
            "tb_flushes": self.cpu.tbs.flush_count,
            "code_cache_used": self.cpu.tbs.arena_used,
        }

    def dump_state(self):
        """Registers in the layout of QEMU's riscv CPU dump."""
        lines = [f" pc       {self.cpu.pc:016x}"]
        for name, csr in (("mhartid", 0xF14), ("mstatus", 0x300), ("mip", 0x344),
                          ("mie", 0x304), ("mideleg", 0x303), ("medeleg", 0x302),
                          ("mtvec", 0x305), ("stvec", 0x105), ("mepc", 0x341),
                          ("sepc", 0x141), ("mcause", 0x342), ("scause", 0x142),
                          ("mtval", 0x343), ("stval", 0x143), ("mscratch", 0x340),
                          ("sscratch", 0x140), ("satp", 0x180)):
            v = self.read_csr(csr)
            lines.append(f" {name:<8} {v:016x}")
        row = []
        for i in range(32):
            row.append(f" x{i}/{XREG_NAMES[i]}".ljust(10) + f"{self.cpu.regs[i]:016x}")
            if i % 4 == 3:
                lines.append("".join(row))
                row = []
        return "\n".join(lines) + "\n"

    # ---- logging ---------------------------------------------------------------

    def symbolize(self, uint64_t pc):
        """The function name logs show for `pc` (set `symbolizer`)."""
        return self.symbolizer(pc) if self.symbolizer is not None else ""

    def set_log(self, items, path=None, bint append=False):
        """Enable `-d`-style logging of `items` (in_asm, exec, int, cpu) to
        `path` (stderr when None; added to its end with `append`)."""
        mask = 0
        for item in items:
            if item not in LOG_FLAGS:
                raise ValueError(f"unknown log item {item!r}")
            mask |= LOG_FLAGS[item]
        if self.env.log != NULL and self.owns_log:
            fclose(self.env.log)
        if path is None:
            self.env.log = stderr
            self.owns_log = False
        else:
            self.env.log = fopen(str(path).encode(), b"a" if append else b"w")
            if self.env.log == NULL:
                raise OSError(f"cannot open log file {path}")
            self.owns_log = True
        self.env.log_mask = mask
        self.cpu.hooks.log_translate = NULL
        self.cpu.hooks.log_exec = NULL
        if mask & LOG_IN_ASM:
            self.cpu.hooks.log_translate = log_translate
        if mask & (LOG_EXEC | LOG_CPU):
            self.cpu.hooks.log_exec = log_exec
        # Code translated before logging started would not be shown.
        tb_flush_everything(self.cpu)
