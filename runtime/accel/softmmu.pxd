# softmmu: the guest physical address space (RAM, ROM, MMIO regions) and the
# per-vCPU TLB that maps guest virtual pages to host memory.
#
# The inline functions below are the fast path, compiled into the execution
# loop; everything else is the slow path in softmmu.pyx.

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from runtime.accel.core cimport (
    AddressSpace, CPUState, MemRegion, TlbEntry, PAGE_BITS, PAGE_MASK, TLB_SIZE,
    likely, mmio_read_fn, mmio_write_fn,
)

cdef MemRegion *as_find(AddressSpace *aspace, uint64_t paddr) noexcept nogil
cdef void tlb_flush(CPUState *cpu) noexcept nogil
cdef void tlb_flush_page(CPUState *cpu, uint64_t vaddr) noexcept nogil
cdef void tlb_protect_code_page(CPUState *cpu, uint64_t phys_page) noexcept nogil
cdef void mark_code_page(CPUState *cpu, uint64_t phys_page) noexcept nogil

cdef int load_slow(CPUState *cpu, uint64_t vaddr, int size, int mmu_idx,
                   uint64_t *value) noexcept nogil
cdef int store_slow(CPUState *cpu, uint64_t vaddr, int size, int mmu_idx,
                    uint64_t value) noexcept nogil
cdef int probe_write(CPUState *cpu, uint64_t vaddr, int size, int mmu_idx,
                     uint8_t **host) noexcept nogil
cdef int probe_fetch(CPUState *cpu, uint64_t vaddr, int mmu_idx,
                     uint64_t *phys, uint8_t **host) noexcept nogil

# Physical accesses for page-table walks: RAM and ROM only.
cdef bint phys_load64(AddressSpace *aspace, uint64_t paddr, uint64_t *value) noexcept nogil
cdef int phys_cmpxchg64(AddressSpace *aspace, uint64_t paddr, uint64_t expected,
                        uint64_t desired) noexcept nogil


cdef inline TlbEntry *tlb_entry(CPUState *cpu, int mmu_idx, uint64_t vaddr) noexcept nogil:
    return &cpu.tlb[mmu_idx][(vaddr >> PAGE_BITS) & (TLB_SIZE - 1)]


# Fast-path loads and stores: plain RAM pages, naturally aligned accesses.
# Anything else (TLB miss, MMIO, code page, misalignment) takes the slow path.

cdef inline int load_u64(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                         uint64_t *out) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_read == (va & (PAGE_MASK | 7))):
        out[0] = (<uint64_t *>(<uintptr_t>va + e.addend))[0]
        return 0
    return load_slow(cpu, va, 8, mmu_idx, out)

cdef inline int load_u32(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                         uint64_t *out) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_read == (va & (PAGE_MASK | 3))):
        out[0] = (<uint32_t *>(<uintptr_t>va + e.addend))[0]
        return 0
    return load_slow(cpu, va, 4, mmu_idx, out)

cdef inline int load_u16(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                         uint64_t *out) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_read == (va & (PAGE_MASK | 1))):
        out[0] = (<uint16_t *>(<uintptr_t>va + e.addend))[0]
        return 0
    return load_slow(cpu, va, 2, mmu_idx, out)

cdef inline int load_u8(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                        uint64_t *out) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_read == (va & PAGE_MASK)):
        out[0] = (<uint8_t *>(<uintptr_t>va + e.addend))[0]
        return 0
    return load_slow(cpu, va, 1, mmu_idx, out)

cdef inline int store_u64(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                          uint64_t value) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_write == (va & (PAGE_MASK | 7))):
        (<uint64_t *>(<uintptr_t>va + e.addend))[0] = value
        return 0
    return store_slow(cpu, va, 8, mmu_idx, value)

cdef inline int store_u32(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                          uint64_t value) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_write == (va & (PAGE_MASK | 3))):
        (<uint32_t *>(<uintptr_t>va + e.addend))[0] = <uint32_t>value
        return 0
    return store_slow(cpu, va, 4, mmu_idx, value)

cdef inline int store_u16(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                          uint64_t value) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_write == (va & (PAGE_MASK | 1))):
        (<uint16_t *>(<uintptr_t>va + e.addend))[0] = <uint16_t>value
        return 0
    return store_slow(cpu, va, 2, mmu_idx, value)

cdef inline int store_u8(CPUState *cpu, TlbEntry *tlb, uint64_t va, int mmu_idx,
                         uint64_t value) noexcept nogil:
    cdef TlbEntry *e = &tlb[(va >> PAGE_BITS) & (TLB_SIZE - 1)]
    if likely(e.addr_write == (va & PAGE_MASK)):
        (<uint8_t *>(<uintptr_t>va + e.addend))[0] = <uint8_t>value
        return 0
    return store_slow(cpu, va, 1, mmu_idx, value)
cdef void code_bitmaps_clear(AddressSpace *aspace) noexcept nogil


cdef class PhysicalMemory:
    cdef AddressSpace *aspace
    cdef list _devices
    cdef MemRegion *new_region(self, uint64_t base, uint64_t size, int kind,
                               int priority) except NULL
    cdef MemRegion *add_native_mmio(self, uint64_t base, uint64_t size,
                                    mmio_read_fn read, mmio_write_fn write,
                                    void *opaque, object owner, int priority=*,
                                    int min_access=*, int max_access=*) except NULL
    cdef uint8_t *host_range(self, uint64_t paddr, uint64_t length) except? NULL
    cdef int attach_cpu(self, CPUState *cpu) except -1
    cdef void detach_cpu(self, CPUState *cpu) noexcept
