# Keeping the accel layer's view of the CPU (TB flags, MMU indexes) in step
# with the architectural state.

from emulator.riscv.cpu_env cimport (
    MSTATUS_FS, MSTATUS_MPP, MSTATUS_MPRV, PRV_M, RISCVEnv, TBF_DMMU_SHIFT, TBF_FS_SHIFT,
)


cdef inline void env_update_flags(RISCVEnv *env) noexcept nogil:
    """Recompute TB flags and MMU indexes after a change of privilege or of
    mstatus (FS, MPRV, MPP)."""
    cdef int data_priv = env.priv
    if env.priv == PRV_M and (env.mstatus & MSTATUS_MPRV):
        data_priv = <int>((env.mstatus & MSTATUS_MPP) >> 11)
    env.cpu.fetch_mmu_idx = env.priv
    env.cpu.data_mmu_idx = data_priv
    env.cpu.tb_flags = <unsigned int>(env.priv | (((env.mstatus & MSTATUS_FS) >> 13) << TBF_FS_SHIFT)
                                      | (data_priv << TBF_DMMU_SHIFT))


cdef inline void env_set_priv(RISCVEnv *env, int priv) noexcept nogil:
    if priv == 2:
        priv = 0
    env.priv = priv
    # A reservation must not survive a change of context.
    env.cpu.reserve_addr = <unsigned long long>-1
    env_update_flags(env)
