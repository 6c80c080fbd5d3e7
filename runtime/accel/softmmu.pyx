# softmmu slow paths: TLB fills, flushes, MMIO dispatch, misaligned and
# page-crossing accesses, writes to pages holding translated code; and the
# Python-facing `PhysicalMemory` that machines build their address map with.

import sys
import traceback

from libc.stdint cimport uint8_t, uint64_t, uintptr_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memset
from posix.mman cimport (
    MAP_ANONYMOUS, MAP_FAILED, MAP_PRIVATE, PROT_READ as MPROT_READ,
    PROT_WRITE as MPROT_WRITE, mmap, munmap,
)

from runtime.accel.core cimport (
    ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, AddressSpace, CPUState, FAULT_ACCESS,
    JMP_CACHE_SIZE, MAX_REGIONS, MEM_EXIT, MEM_FAULT, MEM_OK,
    MemRegion, NB_MMU_MODES, PAGE_BITS, PAGE_MASK, PAGE_SIZE, PROT_EXEC, PROT_READ,
    PROT_WRITE, REGION_MMIO, REGION_RAM, REGION_ROM, TB, TLB_CODE, TLB_MMIO,
    TLB_ONESHOT, TLB_SIZE, TlbDetail, TlbEntry, TlbFill, fp_leave, mmio_read_fn,
    mmio_write_fn,
)
from runtime.accel.tb_cache cimport (
    tb_invalidate_phys_range, tb_page_has_code, tbctx_create, tbctx_destroy,
)

cdef extern from "sys/mman.h":
    int MAP_NORESERVE

cdef extern from *:
    """
    static inline int accel_cmpxchg64(uint64_t *p, uint64_t expected, uint64_t desired)
    {
        return __atomic_compare_exchange_n(p, &expected, desired, 0,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    """
    int accel_cmpxchg64(uint64_t *p, uint64_t expected, uint64_t desired) nogil

cdef uint64_t NO_TAG = <uint64_t>-1


# ---------------------------------------------------------------------------
# Address space

cdef MemRegion *as_find(AddressSpace *aspace, uint64_t paddr) noexcept nogil:
    cdef int i
    cdef MemRegion *r
    for i in range(aspace.n_regions):
        r = aspace.regions[i]
        if paddr - r.base < r.size:
            return r
    return NULL


cdef bint page_is_plain(AddressSpace *aspace, uint64_t page, MemRegion *region) noexcept nogil:
    """Whether the whole page is `region` memory (RAM or ROM), with no
    other region laid over any part of it."""
    if region == NULL or region.kind == REGION_MMIO:
        return False
    if page < region.base or page + PAGE_SIZE > region.base + region.size:
        return False
    cdef int i
    cdef MemRegion *r
    for i in range(aspace.n_regions):
        r = aspace.regions[i]
        if r == region:
            return True
        if r.base < page + PAGE_SIZE and page < r.base + r.size:
            return False
    return True


cdef inline bint bitmap_test(MemRegion *r, uint64_t paddr) noexcept nogil:
    cdef uint64_t n = (paddr - r.base) >> PAGE_BITS
    return (r.code_bitmap[n >> 3] >> (n & 7)) & 1


# ---------------------------------------------------------------------------
# TLB maintenance

cdef void jmp_cache_clear(CPUState *cpu) noexcept nogil:
    memset(cpu.jmp_cache, 0, JMP_CACHE_SIZE * sizeof(TB *))


cdef void tlb_flush(CPUState *cpu) noexcept nogil:
    memset(cpu.tlb, 0xff, sizeof(cpu.tlb))
    cdef int i
    for i in range(NB_MMU_MODES):
        cpu.tlb_has_large[i] = False
    jmp_cache_clear(cpu)


cdef void tlb_flush_page(CPUState *cpu, uint64_t vaddr) noexcept nogil:
    cdef int m
    cdef TlbEntry *e
    cdef uint64_t page = vaddr & PAGE_MASK
    for m in range(NB_MMU_MODES):
        if cpu.tlb_has_large[m]:
            # A superpage is cached as many small entries: drop them all.
            tlb_flush(cpu)
            return
    for m in range(NB_MMU_MODES):
        e = &cpu.tlb[m][(vaddr >> PAGE_BITS) & (TLB_SIZE - 1)]
        if ((e.addr_read != NO_TAG and (e.addr_read & PAGE_MASK) == page)
                or (e.addr_write != NO_TAG and (e.addr_write & PAGE_MASK) == page)
                or (e.addr_code != NO_TAG and (e.addr_code & PAGE_MASK) == page)):
            e.addr_read = NO_TAG
            e.addr_write = NO_TAG
            e.addr_code = NO_TAG
    jmp_cache_clear(cpu)


cdef void tlb_protect_code_page(CPUState *cpu, uint64_t phys_page) noexcept nogil:
    """Send writes to a page that just gained translated code through the
    slow path, where they invalidate the code."""
    cdef int m, i
    for m in range(NB_MMU_MODES):
        for i in range(TLB_SIZE):
            if (cpu.tlb[m][i].addr_write != NO_TAG
                    and cpu.tlb_detail[m][i].phys_page == phys_page):
                cpu.tlb[m][i].addr_write |= TLB_CODE


cdef void mark_code_page(CPUState *cpu, uint64_t phys_page) noexcept nogil:
    cdef MemRegion *r = as_find(cpu.aspace, phys_page)
    if r == NULL or r.code_bitmap == NULL:
        return
    cdef uint64_t n = (phys_page - r.base) >> PAGE_BITS
    cdef uint8_t bit = <uint8_t>(1 << (n & 7))
    if r.code_bitmap[n >> 3] & bit:
        return
    r.code_bitmap[n >> 3] |= bit
    cdef int i
    for i in range(cpu.aspace.n_cpus):
        tlb_protect_code_page(cpu.aspace.cpus[i], phys_page)


cdef void code_bitmaps_clear(AddressSpace *aspace) noexcept nogil:
    cdef int i
    cdef MemRegion *r
    for i in range(aspace.n_regions):
        r = aspace.regions[i]
        if r.code_bitmap != NULL:
            memset(r.code_bitmap, 0, ((r.size + PAGE_SIZE - 1) >> PAGE_BITS) // 8 + 1)


cdef void unmark_code_page(CPUState *cpu, uint64_t phys_page) noexcept nogil:
    cdef MemRegion *r = as_find(cpu.aspace, phys_page)
    if r == NULL or r.code_bitmap == NULL:
        return
    cdef uint64_t n = (phys_page - r.base) >> PAGE_BITS
    r.code_bitmap[n >> 3] &= <uint8_t>~(1 << (n & 7))


cdef TlbEntry *tlb_fill_install(CPUState *cpu, uint64_t va, int size, int access,
                                int mmu_idx) noexcept nogil:
    """Ask the target to translate `va`, then cache the page in the TLB.
    Returns NULL with cpu.exception set when the target raised a fault."""
    cdef TlbFill f
    f.whole_page = True
    f.large_page = False
    if cpu.hooks.tlb_fill(cpu, va, size, access, mmu_idx, &f) != 0:
        return NULL
    cdef uint64_t page_va = va & PAGE_MASK
    cdef uint64_t page_pa = f.phys_addr & PAGE_MASK
    cdef MemRegion *region = as_find(cpu.aspace, page_pa)
    cdef unsigned int idx = (va >> PAGE_BITS) & (TLB_SIZE - 1)
    cdef TlbEntry *e = &cpu.tlb[mmu_idx][idx]
    cdef TlbDetail *d = &cpu.tlb_detail[mmu_idx][idx]
    cdef uint64_t flags = 0
    cdef uint64_t wflags
    if page_is_plain(cpu.aspace, page_pa, region):
        e.addend = <uintptr_t>(region.host + (page_pa - region.base)) - <uintptr_t>page_va
    else:
        flags |= TLB_MMIO
        e.addend = 0
    if not f.whole_page:
        flags |= TLB_ONESHOT
    wflags = flags
    if region != NULL and region.kind == REGION_ROM:
        wflags |= TLB_MMIO
    elif region != NULL and region.code_bitmap != NULL and bitmap_test(region, page_pa):
        wflags |= TLB_CODE
    e.addr_read = (page_va | flags) if f.prot & PROT_READ else NO_TAG
    e.addr_write = (page_va | wflags) if f.prot & PROT_WRITE else NO_TAG
    e.addr_code = (page_va | flags) if f.prot & PROT_EXEC else NO_TAG
    d.phys_page = page_pa
    d.region = region
    if f.large_page:
        cpu.tlb_has_large[mmu_idx] = True
    return e


cdef inline bint tag_hits(uint64_t tag, uint64_t va) noexcept nogil:
    return tag != NO_TAG and (tag & (PAGE_MASK | TLB_ONESHOT)) == (va & PAGE_MASK)


# ---------------------------------------------------------------------------
# Device and RAM accesses below the TLB

cdef int io_read(CPUState *cpu, uint64_t paddr, uint64_t va, int size,
                 uint64_t *value) noexcept nogil:
    cdef MemRegion *r = as_find(cpu.aspace, paddr)
    if r == NULL or paddr + <uint64_t>size - r.base > r.size:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_LOAD, va)
        return MEM_FAULT
    if r.kind != REGION_MMIO:
        value[0] = 0
        memcpy(value, r.host + (paddr - r.base), size)
        return MEM_OK
    if size < r.min_access or size > r.max_access:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_LOAD, va)
        return MEM_FAULT
    cdef uint64_t got = 0
    fp_leave(&cpu.fp)           # devices may run Python
    cdef int status = r.read(r.opaque, paddr - r.base, size, &got)
    if status == MEM_FAULT:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_LOAD, va)
        return status
    if size < 8:
        got &= (<uint64_t>1 << (size * 8)) - 1
    value[0] = got
    return status


cdef int ram_write(CPUState *cpu, MemRegion *r, uint64_t paddr, int size,
                   uint64_t value) noexcept nogil:
    """A write to RAM that may hold translated code. As in QEMU for RISC-V,
    a block that modifies itself runs to its end as translated; the next
    lookup translates the new code."""
    cdef uint64_t page = paddr & PAGE_MASK
    if r.code_bitmap != NULL and bitmap_test(r, paddr):
        if not tb_invalidate_phys_range(cpu.tbs, paddr, paddr + <uint64_t>size):
            unmark_code_page(cpu, page)
    memcpy(r.host + (paddr - r.base), &value, size)
    return MEM_OK


cdef int io_write(CPUState *cpu, uint64_t paddr, uint64_t va, int size,
                  uint64_t value) noexcept nogil:
    cdef MemRegion *r = as_find(cpu.aspace, paddr)
    if r == NULL or paddr + <uint64_t>size - r.base > r.size:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_STORE, va)
        return MEM_FAULT
    if r.kind == REGION_ROM:
        return MEM_OK           # writes to ROM are dropped
    if r.kind == REGION_RAM:
        return ram_write(cpu, r, paddr, size, value)
    if size < r.min_access or size > r.max_access:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_STORE, va)
        return MEM_FAULT
    if size < 8:
        value &= (<uint64_t>1 << (size * 8)) - 1
    fp_leave(&cpu.fp)           # devices may run Python
    cdef int status = r.write(r.opaque, paddr - r.base, size, value)
    if status == MEM_FAULT:
        cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_STORE, va)
    return status


# ---------------------------------------------------------------------------
# Slow paths of the loads and stores in softmmu.pxd

cdef int load_slow(CPUState *cpu, uint64_t va, int size, int mmu_idx,
                   uint64_t *value) noexcept nogil:
    cdef unsigned int idx = (va >> PAGE_BITS) & (TLB_SIZE - 1)
    cdef TlbEntry *e = &cpu.tlb[mmu_idx][idx]
    cdef uint64_t tag = e.addr_read
    cdef uint64_t r1, r2, a1
    cdef int shift, status
    if not tag_hits(tag, va):
        e = tlb_fill_install(cpu, va, size, ACCESS_LOAD, mmu_idx)
        if e == NULL:
            return MEM_FAULT
        tag = e.addr_read
    cdef bint misaligned = (va & <uint64_t>(size - 1)) != 0
    if misaligned and ((va & ~PAGE_MASK) + <uint64_t>size > PAGE_SIZE or (tag & TLB_MMIO)):
        # Two aligned loads, as the hardware bus would do them.
        a1 = va & ~<uint64_t>(size - 1)
        status = load_slow(cpu, a1, size, mmu_idx, &r1)
        if status != MEM_OK:
            return status
        status = load_slow(cpu, a1 + <uint64_t>size, size, mmu_idx, &r2)
        if status != MEM_OK:
            return status
        shift = <int>(va - a1) * 8
        r1 = (r1 >> shift) | (r2 << (size * 8 - shift))
        if size < 8:
            r1 &= (<uint64_t>1 << (size * 8)) - 1
        value[0] = r1
        return MEM_OK
    if tag & TLB_MMIO:
        status = io_read(cpu, cpu.tlb_detail[mmu_idx][idx].phys_page | (va & ~PAGE_MASK),
                         va, size, value)
    else:
        value[0] = 0
        memcpy(value, <void *>(<uintptr_t>va + e.addend), size)
        status = MEM_OK
    if tag & TLB_ONESHOT:
        e.addr_read = NO_TAG
    return status


cdef int store_bytes(CPUState *cpu, uint64_t va, int size, int mmu_idx,
                     uint64_t value) noexcept nogil:
    cdef int i, status
    cdef int result = MEM_OK
    for i in range(size):
        status = store_slow(cpu, va + <uint64_t>i, 1, mmu_idx, (value >> (i * 8)) & 0xff)
        if status == MEM_FAULT:
            return status
        if status != MEM_OK:
            result = status
    return result


cdef int store_slow(CPUState *cpu, uint64_t va, int size, int mmu_idx,
                    uint64_t value) noexcept nogil:
    cdef unsigned int idx = (va >> PAGE_BITS) & (TLB_SIZE - 1)
    cdef TlbEntry *e = &cpu.tlb[mmu_idx][idx]
    cdef TlbEntry *e2
    cdef uint64_t tag = e.addr_write
    cdef uint64_t page2, paddr
    cdef TlbDetail *d
    cdef int status
    if not tag_hits(tag, va):
        e = tlb_fill_install(cpu, va, size, ACCESS_STORE, mmu_idx)
        if e == NULL:
            return MEM_FAULT
        tag = e.addr_write
    cdef bint misaligned = (va & <uint64_t>(size - 1)) != 0
    if misaligned and (va & ~PAGE_MASK) + <uint64_t>size > PAGE_SIZE:
        # Make sure the second page is writable before writing any byte.
        page2 = (va + <uint64_t>size) & PAGE_MASK
        e2 = &cpu.tlb[mmu_idx][(page2 >> PAGE_BITS) & (TLB_SIZE - 1)]
        if not tag_hits(e2.addr_write, page2):
            if tlb_fill_install(cpu, page2, <int>((va + <uint64_t>size) & ~PAGE_MASK),
                                ACCESS_STORE, mmu_idx) == NULL:
                return MEM_FAULT
        return store_bytes(cpu, va, size, mmu_idx, value)
    if misaligned and (tag & TLB_MMIO):
        return store_bytes(cpu, va, size, mmu_idx, value)
    d = &cpu.tlb_detail[mmu_idx][idx]
    paddr = d.phys_page | (va & ~PAGE_MASK)
    if tag & TLB_MMIO:
        status = io_write(cpu, paddr, va, size, value)
    elif tag & TLB_CODE:
        status = ram_write(cpu, d.region, paddr, size, value)
        if not tb_page_has_code(cpu.tbs, d.phys_page):
            e.addr_write &= ~(<uint64_t>TLB_CODE)
    else:
        memcpy(<void *>(<uintptr_t>va + e.addend), &value, size)
        status = MEM_OK
    if tag & TLB_ONESHOT:
        e.addr_write = NO_TAG
    return status


cdef int probe_write(CPUState *cpu, uint64_t va, int size, int mmu_idx,
                     uint8_t **host) noexcept nogil:
    """Translate a naturally aligned store address for an atomic
    read-modify-write. `host` is set for plain RAM; NULL means the caller
    must go through load_slow/store_slow (MMIO or code page)."""
    cdef unsigned int idx = (va >> PAGE_BITS) & (TLB_SIZE - 1)
    cdef TlbEntry *e = &cpu.tlb[mmu_idx][idx]
    if not tag_hits(e.addr_write, va):
        e = tlb_fill_install(cpu, va, size, ACCESS_STORE, mmu_idx)
        if e == NULL:
            return MEM_FAULT
    if e.addr_write & (TLB_MMIO | TLB_CODE | TLB_ONESHOT):
        host[0] = NULL
    else:
        host[0] = <uint8_t *>(<uintptr_t>va + e.addend)
    return MEM_OK


cdef int probe_fetch(CPUState *cpu, uint64_t va, int mmu_idx, uint64_t *phys,
                     uint8_t **host) noexcept nogil:
    """Where the instruction at `va` lives: its physical address and a
    host pointer. Code must be in RAM or ROM."""
    cdef unsigned int idx = (va >> PAGE_BITS) & (TLB_SIZE - 1)
    cdef TlbEntry *e = &cpu.tlb[mmu_idx][idx]
    cdef uint64_t tag = e.addr_code
    if not tag_hits(tag, va):
        e = tlb_fill_install(cpu, va, 2, ACCESS_FETCH, mmu_idx)
        if e == NULL:
            return MEM_FAULT
        tag = e.addr_code
    cdef TlbDetail *d = &cpu.tlb_detail[mmu_idx][idx]
    cdef MemRegion *r = d.region
    if tag & TLB_ONESHOT:
        e.addr_code = NO_TAG
    phys[0] = d.phys_page | (va & ~PAGE_MASK)
    if tag & TLB_MMIO:
        r = as_find(cpu.aspace, phys[0])
        if r == NULL or r.kind == REGION_MMIO:
            cpu.hooks.mem_fault(cpu, FAULT_ACCESS, ACCESS_FETCH, va)
            return MEM_FAULT
    host[0] = r.host + (phys[0] - r.base)
    return MEM_OK


# ---------------------------------------------------------------------------
# Physical accesses (page-table walks)

cdef bint phys_load64(AddressSpace *aspace, uint64_t paddr, uint64_t *value) noexcept nogil:
    cdef MemRegion *r = as_find(aspace, paddr)
    if r == NULL or r.kind == REGION_MMIO or paddr + 8 - r.base > r.size:
        return False
    memcpy(value, r.host + (paddr - r.base), 8)
    return True


cdef int phys_cmpxchg64(AddressSpace *aspace, uint64_t paddr, uint64_t expected,
                        uint64_t desired) noexcept nogil:
    """1: swapped, 0: the value changed meanwhile, -1: not writable RAM."""
    cdef MemRegion *r = as_find(aspace, paddr)
    if r == NULL or r.kind != REGION_RAM or paddr + 8 - r.base > r.size:
        return -1
    return accel_cmpxchg64(<uint64_t *>(r.host + (paddr - r.base)), expected, desired)


# ---------------------------------------------------------------------------
# MMIO devices written in Python

cdef int py_mmio_read(void *opaque, uint64_t offset, int size,
                      uint64_t *value) noexcept nogil:
    with gil:
        try:
            value[0] = <uint64_t>((<object>opaque).mmio_read(offset, size)
                                  & 0xFFFFFFFFFFFFFFFF)
        except BaseException:
            traceback.print_exc(file=sys.stderr)
            value[0] = 0
    return MEM_OK


cdef int py_mmio_write(void *opaque, uint64_t offset, int size,
                       uint64_t value) noexcept nogil:
    cdef int status = MEM_OK
    with gil:
        try:
            if (<object>opaque).mmio_write(offset, size, value):
                status = MEM_EXIT
        except BaseException:
            traceback.print_exc(file=sys.stderr)
    return status


cdef class PhysicalMemory:
    """The guest physical address space a machine builds: RAM (allocated
    lazily, like anonymous memory), ROM and MMIO regions. Devices written in
    Python provide `mmio_read(offset, size) -> int` and
    `mmio_write(offset, size, value) -> bool` (True stops the CPU loop).

    It also holds the code translated from it (`code_cache_size` bytes of
    translation blocks), shared by the CPUs attached to it."""

    def __cinit__(self, size_t code_cache_size=64 << 20):
        self.aspace = <AddressSpace *>calloc(1, sizeof(AddressSpace))
        if self.aspace == NULL:
            raise MemoryError()
        self.aspace.tbs = tbctx_create(code_cache_size)
        if self.aspace.tbs == NULL:
            raise MemoryError("cannot reserve the translation cache")
        self._devices = []

    def __dealloc__(self):
        cdef int i
        cdef MemRegion *r
        if self.aspace == NULL:
            return
        for i in range(self.aspace.n_regions):
            r = self.aspace.regions[i]
            if r.kind != REGION_MMIO and r.host != NULL:
                munmap(r.host, r.size)
            free(r.code_bitmap)
            free(r)
        tbctx_destroy(self.aspace.tbs)
        free(self.aspace.cpus)
        free(self.aspace)

    cdef int attach_cpu(self, CPUState *cpu) except -1:
        """Let `cpu` run on this memory (and share its translated code)."""
        cdef CPUState **grown = <CPUState **>realloc(
            self.aspace.cpus, (self.aspace.n_cpus + 1) * sizeof(CPUState *))
        if grown == NULL:
            raise MemoryError()
        self.aspace.cpus = grown
        self.aspace.cpus[self.aspace.n_cpus] = cpu
        self.aspace.n_cpus += 1
        cpu.aspace = self.aspace
        cpu.tbs = self.aspace.tbs
        return 0

    cdef void detach_cpu(self, CPUState *cpu) noexcept:
        cdef int i, j = 0
        for i in range(self.aspace.n_cpus):
            if self.aspace.cpus[i] != cpu:
                self.aspace.cpus[j] = self.aspace.cpus[i]
                j += 1
        self.aspace.n_cpus = j

    cdef MemRegion *new_region(self, uint64_t base, uint64_t size, int kind,
                               int priority) except NULL:
        if self.aspace.n_regions >= MAX_REGIONS:
            raise ValueError("too many memory regions")
        if size == 0:
            raise ValueError("empty memory region")
        cdef MemRegion *r = <MemRegion *>calloc(1, sizeof(MemRegion))
        r.base = base
        r.size = size
        r.kind = kind
        r.priority = priority
        r.min_access = 1
        r.max_access = 8
        if kind != REGION_MMIO:
            host = mmap(NULL, size, MPROT_READ | MPROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            if host == MAP_FAILED:
                free(r)
                raise MemoryError(f"cannot reserve {size} bytes of guest memory")
            r.host = <uint8_t *>host
            r.code_bitmap = <uint8_t *>calloc(((size + PAGE_SIZE - 1) >> PAGE_BITS) // 8 + 1, 1)
        # Keep regions sorted by priority, highest first; stable for equals.
        cdef int i = self.aspace.n_regions
        while i > 0 and self.aspace.regions[i - 1].priority < priority:
            self.aspace.regions[i] = self.aspace.regions[i - 1]
            i -= 1
        self.aspace.regions[i] = r
        self.aspace.n_regions += 1
        return r

    def add_ram(self, uint64_t base, uint64_t size, int priority=0):
        self.new_region(base, size, REGION_RAM, priority)

    def add_rom(self, uint64_t base, uint64_t size, int priority=0):
        self.new_region(base, size, REGION_ROM, priority)

    def add_mmio(self, uint64_t base, uint64_t size, device, int priority=0,
                 int min_access=1, int max_access=8):
        cdef MemRegion *r = self.new_region(base, size, REGION_MMIO, priority)
        r.read = py_mmio_read
        r.write = py_mmio_write
        r.opaque = <void *>device
        r.min_access = min_access
        r.max_access = max_access
        self._devices.append(device)

    cdef MemRegion *add_native_mmio(self, uint64_t base, uint64_t size,
                                    mmio_read_fn read, mmio_write_fn write,
                                    void *opaque, object owner, int priority=0,
                                    int min_access=1, int max_access=8) except NULL:
        cdef MemRegion *r = self.new_region(base, size, REGION_MMIO, priority)
        r.read = read
        r.write = write
        r.opaque = opaque
        r.min_access = min_access
        r.max_access = max_access
        self._devices.append(owner)
        return r

    cdef uint8_t *host_range(self, uint64_t paddr, uint64_t length) except? NULL:
        """Host memory behind guest RAM or ROM, under any device laid over
        it (images are loaded into the memory, as QEMU's loader does)."""
        cdef int i
        cdef MemRegion *r
        for i in range(self.aspace.n_regions):
            r = self.aspace.regions[i]
            if r.kind != REGION_MMIO and paddr - r.base < r.size:
                if paddr + length - r.base > r.size:
                    break
                return r.host + (paddr - r.base)
        raise ValueError(f"0x{paddr:x}+0x{length:x} is not guest RAM or ROM")

    def write(self, uint64_t paddr, const uint8_t[::1] data not None):
        """Copy bytes into RAM or ROM (loaders, device DMA); code translated
        from the bytes overwritten is dropped."""
        cdef uint64_t length = data.shape[0]
        if length == 0:
            return
        cdef uint8_t *dst = self.host_range(paddr, length)
        memcpy(dst, &data[0], length)
        cdef uint64_t page = paddr & PAGE_MASK
        cdef uint64_t end = paddr + length
        cdef uint64_t start
        while page < end:
            start = paddr if paddr > page else page
            tb_invalidate_phys_range(self.aspace.tbs, start,
                                     end if end < page + PAGE_SIZE else page + PAGE_SIZE)
            page += PAGE_SIZE

    def read(self, uint64_t paddr, uint64_t length):
        if length == 0:
            return b""
        cdef uint8_t *src = self.host_range(paddr, length)
        return (<char *>src)[:length]

    def regions(self):
        """(base, size, kind) of every region, highest priority first."""
        cdef int i
        kinds = {REGION_RAM: "ram", REGION_ROM: "rom", REGION_MMIO: "mmio"}
        return [(self.aspace.regions[i].base, self.aspace.regions[i].size,
                 kinds[self.aspace.regions[i].kind]) for i in range(self.aspace.n_regions)]
