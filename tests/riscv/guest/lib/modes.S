/* Running test code in S- or U-mode from M-mode.

   uint64_t enter_mode(uint64_t mode, uint64_t (*fn)(uint64_t), uint64_t arg)
   calls fn(arg) in `mode` (0 U, 1 S, 3 M) and returns its result: fn's
   return goes through an ecall (a7 = 0x5e7) that trap_handler turns into a
   return to enter_mode_return in M-mode. */

    .text
    .globl enter_mode
enter_mode:
    addi sp, sp, -112
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    sd s6, 56(sp)
    sd s7, 64(sp)
    sd s8, 72(sp)
    sd s9, 80(sp)
    sd s10, 88(sp)
    sd s11, 96(sp)
    la t0, enter_mode_sp
    sd sp, 0(t0)
    li t0, (3 << 11) | (1 << 7)     /* MPP and MPIE: no interrupts after mret */
    csrc mstatus, t0
    slli t1, a0, 11
    csrs mstatus, t1
    la t0, mode_trampoline
    la t1, enter_mode_offset
    ld t1, 0(t1)
    add t0, t0, t1
    csrw mepc, t0
    mv s0, a1
    mv a0, a2
    mret

mode_trampoline:
    jalr s0
    li a7, 0x5e7
    ecall
1:  j 1b

    .globl enter_mode_return
enter_mode_return:
    la t0, enter_mode_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    ld s6, 56(sp)
    ld s7, 64(sp)
    ld s8, 72(sp)
    ld s9, 80(sp)
    ld s10, 88(sp)
    ld s11, 96(sp)
    addi sp, sp, 112
    ret

/* Supervisor trap entry (stvec) for delegation tests: the same frame as
   trap_entry, handled by s_trap_handler(), returning with sret. */
    .align 4
    .globl strap_entry
strap_entry:
    addi sp, sp, -(8 * 36)
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (8 * \n)(sp)
    .endr
    addi t0, sp, 8 * 36
    sd t0, 16(sp)
    csrr t0, sepc
    sd t0, (8 * 32)(sp)
    csrr t0, scause
    sd t0, (8 * 33)(sp)
    csrr t0, stval
    sd t0, (8 * 34)(sp)
    mv a0, sp
    call s_trap_handler
    ld t0, (8 * 32)(sp)
    csrw sepc, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (8 * \n)(sp)
    .endr
    addi sp, sp, 8 * 36
    sret

    .bss
    .align 3
enter_mode_sp:
    .skip 8
    .globl enter_mode_offset
enter_mode_offset:          /* added to the trampoline's address (aliases) */
    .skip 8
