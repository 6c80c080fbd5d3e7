# The translation-block cache: blocks live in one arena, are found through a
# hash table keyed by (physical pc, flags, pc) and a per-vCPU jump cache keyed
# by virtual pc, and are listed per physical page so writes to guest code
# can invalidate them.

from libc.stdint cimport uint32_t, uint64_t
from runtime.accel.core cimport TB, TBContext, JMP_CACHE_SIZE

cdef TBContext *tbctx_create(size_t arena_size) noexcept nogil
cdef void tbctx_destroy(TBContext *ctx) noexcept nogil

cdef TB *tb_alloc(TBContext *ctx, int max_ops) noexcept nogil
cdef void tb_commit(TBContext *ctx, TB *tb) noexcept nogil
cdef TB *tb_hash_lookup(TBContext *ctx, uint64_t pc, uint64_t phys_pc,
                        uint32_t flags) noexcept nogil
cdef void tb_link(TBContext *ctx, TB *tb) noexcept nogil
cdef void tb_invalidate(TBContext *ctx, TB *tb) noexcept nogil
cdef bint tb_invalidate_phys_range(TBContext *ctx, uint64_t start, uint64_t end) noexcept nogil
cdef bint tb_page_has_code(TBContext *ctx, uint64_t page) noexcept nogil
cdef void tb_flush_all(TBContext *ctx) noexcept nogil


cdef inline unsigned int jmp_cache_index(uint64_t pc) noexcept nogil:
    return <unsigned int>(((pc >> 1) ^ (pc >> 13)) & (JMP_CACHE_SIZE - 1))
