# The translation-block cache (see tb_cache.pxd).
#
# Invalidated blocks stay in the arena, marked `invalid`, until the next full
# flush: chained jumps and jump-cache hits check the mark, so a stale pointer
# is never followed into freed memory.

from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memset
from posix.mman cimport (
    MAP_ANONYMOUS, MAP_FAILED, MAP_PRIVATE, PROT_READ, PROT_WRITE, mmap, munmap,
)

from runtime.accel.ops cimport OP_RETRANSLATE
from runtime.accel.core cimport (
    Op, PageTBs, TB, TBContext, PAGE_BITS, PAGE_MASK,
)

cdef extern from "sys/mman.h":
    int MAP_NORESERVE

cdef enum:
    HASH_BITS = 16
    HASH_SIZE = 1 << HASH_BITS
    PAGE_HASH_SIZE = 1 << 14


cdef inline unsigned int tb_hash(uint64_t phys_pc, uint32_t flags) noexcept nogil:
    cdef uint64_t h = (phys_pc >> 1) * <uint64_t>0x9E3779B97F4A7C15 + flags
    return <unsigned int>((h >> 40) & (HASH_SIZE - 1))


cdef inline unsigned int page_hash(uint64_t page) noexcept nogil:
    return <unsigned int>(((page >> PAGE_BITS) * <uint64_t>0x9E3779B97F4A7C15 >> 50)
                          & (PAGE_HASH_SIZE - 1))


cdef TBContext *tbctx_create(size_t arena_size) noexcept nogil:
    cdef TBContext *ctx = <TBContext *>calloc(1, sizeof(TBContext))
    if ctx == NULL:
        return NULL
    cdef void *arena = mmap(NULL, arena_size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if arena == MAP_FAILED:
        free(ctx)
        return NULL
    ctx.arena = <unsigned char *>arena
    ctx.arena_size = arena_size
    ctx.hash = <TB **>calloc(HASH_SIZE, sizeof(TB *))
    ctx.pages = <PageTBs **>calloc(PAGE_HASH_SIZE, sizeof(PageTBs *))
    return ctx


cdef void free_pages(TBContext *ctx) noexcept nogil:
    cdef PageTBs *p
    cdef PageTBs *nxt
    cdef int i
    for i in range(PAGE_HASH_SIZE):
        p = ctx.pages[i]
        while p != NULL:
            nxt = p.next
            free(p)
            p = nxt
        ctx.pages[i] = NULL


cdef void tbctx_destroy(TBContext *ctx) noexcept nogil:
    if ctx == NULL:
        return
    free_pages(ctx)
    free(ctx.pages)
    free(ctx.hash)
    munmap(ctx.arena, ctx.arena_size)
    free(ctx)


cdef TB *tb_alloc(TBContext *ctx, int max_ops) noexcept nogil:
    """Room for a block of up to `max_ops` ops at the top of the arena, or
    NULL when the arena is full (the caller flushes and retries)."""
    cdef size_t need = sizeof(TB) + <size_t>max_ops * sizeof(Op)
    if ctx.arena_used + need > ctx.arena_size:
        return NULL
    cdef TB *tb = <TB *>(ctx.arena + ctx.arena_used)
    memset(tb, 0, sizeof(TB))
    tb.ops = <Op *>(<unsigned char *>tb + sizeof(TB))
    tb.page_addr[1] = <uint64_t>-1
    return tb


cdef void tb_commit(TBContext *ctx, TB *tb) noexcept nogil:
    cdef size_t used = sizeof(TB) + <size_t>tb.n_ops * sizeof(Op)
    used = (used + 15) & ~(<size_t>15)
    ctx.arena_used += used
    ctx.tb_count += 1


cdef TB *tb_hash_lookup(TBContext *ctx, uint64_t pc, uint64_t phys_pc,
                        uint32_t flags) noexcept nogil:
    cdef TB *tb = ctx.hash[tb_hash(phys_pc, flags)]
    while tb != NULL:
        if tb.phys_pc == phys_pc and tb.pc == pc and tb.flags == flags:
            return tb
        tb = tb.hash_next
    return NULL


cdef PageTBs *page_find(TBContext *ctx, uint64_t page, bint create) noexcept nogil:
    cdef unsigned int h = page_hash(page)
    cdef PageTBs *p = ctx.pages[h]
    while p != NULL:
        if p.page == page:
            return p
        p = p.next
    if not create:
        return NULL
    p = <PageTBs *>malloc(sizeof(PageTBs))
    p.page = page
    p.first = NULL
    p.next = ctx.pages[h]
    ctx.pages[h] = p
    return p


cdef inline int page_slot(TB *tb, uint64_t page) noexcept nogil:
    return 0 if tb.page_addr[0] == page else 1


cdef void tb_link(TBContext *ctx, TB *tb) noexcept nogil:
    """Make a committed block findable: hash table and page lists."""
    cdef unsigned int h = tb_hash(tb.phys_pc, tb.flags)
    tb.hash_next = ctx.hash[h]
    ctx.hash[h] = tb
    cdef PageTBs *p
    cdef int slot
    for slot in range(2):
        if slot == 1 and tb.page_addr[1] == <uint64_t>-1:
            break
        p = page_find(ctx, tb.page_addr[slot], True)
        tb.page_next[slot] = p.first
        p.first = tb


cdef void hash_remove(TBContext *ctx, TB *tb) noexcept nogil:
    cdef TB **link = &ctx.hash[tb_hash(tb.phys_pc, tb.flags)]
    while link[0] != NULL:
        if link[0] == tb:
            link[0] = tb.hash_next
            return
        link = &link[0].hash_next


cdef void page_list_remove(TBContext *ctx, TB *tb, uint64_t page) noexcept nogil:
    cdef PageTBs *p = page_find(ctx, page, False)
    if p == NULL:
        return
    cdef TB **link = &p.first
    cdef TB *cur
    while link[0] != NULL:
        cur = link[0]
        if cur == tb:
            link[0] = cur.page_next[page_slot(cur, page)]
            return
        link = &cur.page_next[page_slot(cur, page)]


cdef void tb_invalidate(TBContext *ctx, TB *tb) noexcept nogil:
    """Unlink a block. Chained jumps may still lead to it: its first op
    becomes OP_RETRANSLATE, so they never run stale code (and need not test
    `invalid` on every jump). A block running when it is invalidated by its
    own store finishes as translated."""
    tb.invalid = 1
    tb.ops[0].opc = OP_RETRANSLATE
    hash_remove(ctx, tb)
    page_list_remove(ctx, tb, tb.page_addr[0])
    if tb.page_addr[1] != <uint64_t>-1:
        page_list_remove(ctx, tb, tb.page_addr[1])


cdef bint tb_invalidate_phys_range(TBContext *ctx, uint64_t start, uint64_t end) noexcept nogil:
    """Invalidate the blocks of start's page whose code overlaps
    [start, end). Returns whether the page still holds code."""
    cdef uint64_t page = start & PAGE_MASK
    cdef PageTBs *p = page_find(ctx, page, False)
    if p == NULL:
        return False
    cdef TB *tb = p.first
    cdef TB *nxt
    cdef uint64_t lo, hi
    while tb != NULL:
        nxt = tb.page_next[page_slot(tb, page)]
        # The code range of tb on this page, in physical addresses.
        if page_slot(tb, page) == 0:
            lo = tb.phys_pc
            hi = tb.phys_pc + tb.size
        else:
            lo = page
            hi = page + ((tb.pc + tb.size) & ~PAGE_MASK)
        if lo < end and start < hi:
            tb_invalidate(ctx, tb)
        tb = nxt
    return p.first != NULL


cdef bint tb_page_has_code(TBContext *ctx, uint64_t page) noexcept nogil:
    cdef PageTBs *p = page_find(ctx, page, False)
    return p != NULL and p.first != NULL


cdef void tb_flush_all(TBContext *ctx) noexcept nogil:
    """Forget every block; the caller resets jump caches and TLB code bits."""
    memset(ctx.hash, 0, HASH_SIZE * sizeof(TB *))
    free_pages(ctx)
    ctx.arena_used = 0
    ctx.tb_count = 0
    ctx.generation += 1
    ctx.flush_count += 1
