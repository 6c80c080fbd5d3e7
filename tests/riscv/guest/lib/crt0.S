/* Start-up code of the test guests: a stack, zeroed bss, the FPU on, a
   trap vector that saves every register and calls trap_handler() (C, can
   be replaced by a test), then main(); its return value is the exit
   status.  Other harts get a stack of their own above hart 0's and run
   secondary_main(hartid) (by default they wait for interrupts forever). */

    .section .text.init
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, secondary_start
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  la t0, trap_entry
    csrw mtvec, t0
    li t0, (1 << 13)            /* mstatus.FS = initial */
    csrs mstatus, t0
    csrwi fcsr, 0
    call main
    call exit
3:  j 3b

secondary_start:
    la sp, __stack_top
    slli t1, t0, 14             /* 16 KiB each */
    add sp, sp, t1
    la t1, trap_entry
    csrw mtvec, t1
    li t1, (1 << 13)
    csrs mstatus, t1
    csrwi fcsr, 0
    mv a0, t0
    call secondary_main
4:  wfi
    j 4b

/* Trap frame: x1..x31 at 8*n(sp), then mepc/mcause/mtval. */
    .align 4
    .globl trap_entry
trap_entry:
    addi sp, sp, -(8 * 36)
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (8 * \n)(sp)
    .endr
    addi t0, sp, 8 * 36
    sd t0, 16(sp)               /* the interrupted sp */
    csrr t0, mepc
    sd t0, (8 * 32)(sp)
    csrr t0, mcause
    sd t0, (8 * 33)(sp)
    csrr t0, mtval
    sd t0, (8 * 34)(sp)
    mv a0, sp
    call trap_handler
    ld t0, (8 * 32)(sp)
    csrw mepc, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (8 * \n)(sp)
    .endr
    addi sp, sp, 8 * 36
    mret
