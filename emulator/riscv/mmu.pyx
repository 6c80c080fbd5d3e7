# Address translation for the softmmu's TLB fills: Sv39/Sv48/Sv57 page
# walks with A/D updates, MXR and SUM, then physical memory protection.
# Faults become page-fault or access-fault exceptions as QEMU 7.2 raises
# them.

from libc.stdint cimport uint64_t

from emulator.riscv.cpu_env cimport (
    EXCP_INST_ACCESS_FAULT, EXCP_INST_ADDR_MIS, EXCP_INST_PAGE_FAULT, EXCP_LOAD_ACCESS_FAULT,
    EXCP_LOAD_ADDR_MIS, EXCP_LOAD_PAGE_FAULT, EXCP_STORE_AMO_ACCESS_FAULT,
    EXCP_STORE_AMO_ADDR_MIS, EXCP_STORE_PAGE_FAULT, MSTATUS_MXR, MSTATUS_SUM, NUM_PMP,
    PRV_M, PRV_S, PRV_U, RISCVEnv,
)
from runtime.accel.core cimport (
    ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, CPUState, FAULT_MISALIGNED, PAGE_SIZE,
    PROT_EXEC, PROT_READ, PROT_WRITE, TlbFill,
)
from runtime.accel.softmmu cimport phys_cmpxchg64, phys_load64

cdef enum:
    PTE_V = 1
    PTE_R = 2
    PTE_W = 4
    PTE_X = 8
    PTE_U = 16
    PTE_G = 32
    PTE_A = 64
    PTE_D = 128
    PMP_LOCK = 0x80

cdef enum:
    WALK_OK = 0
    WALK_FAIL = 1          # page fault
    WALK_PMP_FAIL = 2      # access fault

cdef extern from *:
    """
    #define RV_PTE_PPN_MASK 0x003ffffffffffc00ull
    """
    const uint64_t PTE_PPN_MASK "RV_PTE_PPN_MASK"


# ---------------------------------------------------------------------------
# PMP

cdef bint pmp_allows(RISCVEnv *env, uint64_t addr, uint64_t size, int privs, int mode,
                     int *allowed) noexcept nogil:
    """Whether an access of `size` bytes at `addr` with `privs` (1 read,
    2 write, 4 execute) passes PMP in privilege `mode`; `allowed` gets the
    permissions of the matching rule."""
    cdef int i
    cdef bint s, e
    cdef uint64_t last = addr + size - 1
    if env.pmp_rules != 0:
        for i in range(NUM_PMP):
            s = env.pmp_start[i] <= addr <= env.pmp_end[i]
            e = env.pmp_start[i] <= last <= env.pmp_end[i]
            if s != e:
                allowed[0] = 0
                return False            # partly inside a region
            if s and (env.pmpcfg[i] >> 3) & 3:
                allowed[0] = 7
                if mode != PRV_M or (env.pmpcfg[i] & PMP_LOCK):
                    allowed[0] &= env.pmpcfg[i] & 7
                return (privs & allowed[0]) == privs
    if mode == PRV_M:
        allowed[0] = 7
        return True
    allowed[0] = 0
    return False


cdef bint pmp_uniform_page(RISCVEnv *env, uint64_t page) noexcept nogil:
    """False when a PMP region starts or ends inside the page, so a TLB
    entry must not cover the whole page."""
    cdef int i
    cdef uint64_t sa, ea
    cdef uint64_t pe = page + PAGE_SIZE - 1
    cdef uint64_t n
    for i in range(NUM_PMP):
        sa = env.pmp_start[i]
        ea = env.pmp_end[i]
        n = 0
        if sa >= page and ea <= pe:
            n = ea - sa + 1
        elif sa >= page and sa <= pe and ea >= pe:
            n = pe - sa + 1
        elif ea <= pe and ea >= page and sa <= page:
            n = ea - page + 1
        if n != 0 and n < PAGE_SIZE:
            return False
    return True


# ---------------------------------------------------------------------------
# Page-table walk

cdef int walk(RISCVEnv *env, uint64_t va, int access, int mode, uint64_t *pa,
              int *prot, bint *large) noexcept nogil:
    cdef uint64_t satp = env.satp
    cdef int vm = <int>(satp >> 60)
    cdef int levels
    cdef uint64_t base
    cdef bint mxr = (env.mstatus & MSTATUS_MXR) != 0
    cdef bint sum_ = (env.mstatus & MSTATUS_SUM) != 0
    cdef int va_bits, i, ptshift, allowed, swapped
    cdef uint64_t mask, msbs, idx, pte_addr, pte, ppn, updated, vpn
    if vm == 8:
        levels = 3
    elif vm == 9:
        levels = 4
    else:
        levels = 5
    va_bits = 12 + levels * 9
    mask = (<uint64_t>1 << (64 - (va_bits - 1))) - 1
    msbs = (va >> (va_bits - 1)) & mask
    if msbs != 0 and msbs != mask:
        return WALK_FAIL
    while True:         # restarted when a concurrent PTE update is seen
        base = (satp & ((<uint64_t>1 << 44) - 1)) << 12
        ptshift = (levels - 1) * 9
        for i in range(levels):
            idx = (va >> (12 + ptshift)) & 0x1ff
            pte_addr = base + idx * 8
            if not pmp_allows(env, pte_addr, 8, 1, PRV_S, &allowed):
                return WALK_PMP_FAIL
            if not phys_load64(env.cpu.aspace, pte_addr, &pte):
                return WALK_FAIL
            ppn = pte >> 10
            if (pte & ~PTE_PPN_MASK) >> 10:
                return WALK_FAIL            # reserved bits 63:54
            if not (pte & PTE_V):
                return WALK_FAIL
            if not (pte & (PTE_R | PTE_W | PTE_X)):
                # pointer to the next level
                if pte & (PTE_D | PTE_A | PTE_U):
                    return WALK_FAIL
                base = ppn << 12
                ptshift -= 9
                continue
            if (pte & (PTE_R | PTE_W | PTE_X)) == PTE_W:
                return WALK_FAIL
            if (pte & (PTE_R | PTE_W | PTE_X)) == (PTE_W | PTE_X):
                return WALK_FAIL
            if (pte & PTE_U) and mode != PRV_U and (not sum_ or access == ACCESS_FETCH):
                return WALK_FAIL
            if not (pte & PTE_U) and mode != PRV_S:
                return WALK_FAIL
            if ppn & ((<uint64_t>1 << ptshift) - 1):
                return WALK_FAIL            # misaligned superpage
            if access == ACCESS_LOAD and not ((pte & PTE_R) or ((pte & PTE_X) and mxr)):
                return WALK_FAIL
            if access == ACCESS_STORE and not (pte & PTE_W):
                return WALK_FAIL
            if access == ACCESS_FETCH and not (pte & PTE_X):
                return WALK_FAIL
            updated = pte | PTE_A | (PTE_D if access == ACCESS_STORE else 0)
            if updated != pte:
                swapped = phys_cmpxchg64(env.cpu.aspace, pte_addr, pte, updated)
                if swapped < 0:
                    return WALK_FAIL        # PTE in ROM or I/O: cannot set A/D
                if swapped == 0:
                    break                   # changed under us: walk again
                pte = updated
            vpn = va >> 12
            pa[0] = ((ppn | (vpn & ((<uint64_t>1 << ptshift) - 1))) << 12) | (va & 0xfff)
            prot[0] = 0
            if (pte & PTE_R) or ((pte & PTE_X) and mxr):
                prot[0] |= PROT_READ
            if pte & PTE_X:
                prot[0] |= PROT_EXEC
            # Keep write permission out of the TLB until the page is dirty,
            # so the first store comes back here to set D.
            if (pte & PTE_W) and (access == ACCESS_STORE or (pte & PTE_D)):
                prot[0] |= PROT_WRITE
            large[0] = ptshift > 0
            return WALK_OK
        else:
            return WALK_FAIL


# ---------------------------------------------------------------------------
# Hooks

cdef int fault_cause(int access, bint page_fault) noexcept nogil:
    if access == ACCESS_FETCH:
        return EXCP_INST_PAGE_FAULT if page_fault else EXCP_INST_ACCESS_FAULT
    if access == ACCESS_LOAD:
        return EXCP_LOAD_PAGE_FAULT if page_fault else EXCP_LOAD_ACCESS_FAULT
    return EXCP_STORE_PAGE_FAULT if page_fault else EXCP_STORE_AMO_ACCESS_FAULT


cdef int riscv_tlb_fill(CPUState *cpu, uint64_t va, int size, int access, int mmu_idx,
                        TlbFill *out) noexcept nogil:
    cdef RISCVEnv *env = <RISCVEnv *>cpu.target_env
    cdef int mode = mmu_idx
    cdef uint64_t pa = va
    cdef int prot = PROT_READ | PROT_WRITE | PROT_EXEC
    cdef bint large = False
    cdef int allowed
    cdef int r = WALK_OK
    if mode != PRV_M and (env.satp >> 60) != 0:
        r = walk(env, va, access, mode, &pa, &prot, &large)
    if r == WALK_OK:
        if not pmp_allows(env, pa, <uint64_t>size, 1 << access, mode, &allowed):
            r = WALK_PMP_FAIL
        else:
            prot &= allowed
    if r != WALK_OK:
        cpu.exception = fault_cause(access, r == WALK_FAIL and (env.satp >> 60) != 0)
        cpu.exception_tval = va
        return 1
    out.phys_addr = pa
    out.prot = prot
    out.large_page = large
    out.whole_page = pmp_uniform_page(env, pa & ~(<uint64_t>0xfff))
    return 0


cdef void riscv_mem_fault(CPUState *cpu, int fault, int access, uint64_t va) noexcept nogil:
    if fault == FAULT_MISALIGNED:
        if access == ACCESS_FETCH:
            cpu.exception = EXCP_INST_ADDR_MIS
        elif access == ACCESS_LOAD:
            cpu.exception = EXCP_LOAD_ADDR_MIS
        else:
            cpu.exception = EXCP_STORE_AMO_ADDR_MIS
    else:
        cpu.exception = fault_cause(access, False)
    cpu.exception_tval = va

