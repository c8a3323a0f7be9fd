; Bare-metal CPU test of SSE/SSE2..SSE4.2 in 32-bit protected mode: CPUID feature bits, #UD while CR4.OSFXSR is
; clear, #NM with CR0.TS (the handler clears TS and the instruction restarts), packed/scalar float and integer
; results, #GP for a misaligned MOVAPS (MOVUPS is fine), #XM for an unmasked divide-by-zero (and #UD instead when
; CR4.OSXMMEXCPT is clear) with the flag in MXCSR and the destination unchanged, #GP for LDMXCSR with a reserved
; bit, CRC32, POPCNT, PCMPISTRI, PSHUFB, PTEST. Loaded at 0x10000, entered in real mode at 1000:0000.
; Prints over port 0x3F8, exits via port 0xF4.
%include "bare-metal.inc"
; Runs the instruction given after the vector, which must raise that vector; the handlers resume at [resume].
%macro EXPECT_FAULT 2+
    mov dword [resume], %%after
    mov dword [vector], -1
    %2
    jmp fail
%%after:
    cmp dword [vector], %1
    jne fail
%endmacro
ENTER_PM32 idtr
    SET_GATE ud_handler, 6
    SET_GATE nm_handler, 7
    SET_GATE gp_handler, 13
    SET_GATE xm_handler, 19

    ; CPUID: CLFSH, SSE, SSE2 (EDX 19, 25, 26) with a 64-byte CLFLUSH line (EBX 15:8 = 8); SSE3, SSSE3, SSE4.1,
    ; SSE4.2, POPCNT (ECX 0, 9, 19, 20, 23)
    mov eax, 1
    cpuid
    and edx, (1 << 19) | (1 << 25) | (1 << 26)
    cmp edx, (1 << 19) | (1 << 25) | (1 << 26)
    jne fail
    and ebx, 0xFF00
    cmp ebx, 8 << 8
    jne fail
    clflush [vector]
    and ecx, 1 | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 23)
    cmp ecx, 1 | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 23)
    jne fail

    ; CR4.OSFXSR clear: SSE is #UD
    mov eax, cr0
    and eax, ~4                  ; EM off
    or eax, 2 | 0x20             ; MP, NE
    mov cr0, eax
    EXPECT_FAULT 6, movaps xmm0, xmm1
    mov eax, cr4
    or eax, 0x600                ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov esi, msg_ud
    call print

    ; CR0.TS: the first SSE instruction raises #NM, the handler clears TS, the instruction runs
    mov eax, cr0
    or eax, 8
    mov cr0, eax
    movups xmm0, [f_a]
    cmp dword [nm_count], 1
    jne fail
    addps xmm0, [f_b]
    movups xmm1, [f_sum]
    call xmm0_equals_xmm1
    ; SSE2 scalar double: sqrt(2), int conversions with both roundings
    movsd xmm0, [d_two]
    sqrtsd xmm0, xmm0
    movq xmm1, [d_sqrt2]
    call xmm0_equals_xmm1
    mov eax, -7
    cvtsi2sd xmm2, eax
    mulsd xmm2, [d_half]         ; -3.5
    cvttsd2si eax, xmm2
    cmp eax, -3
    jne fail
    cvtsd2si eax, xmm2           ; round to nearest even
    cmp eax, -4
    jne fail
    ; SSE2 integer
    movdqa xmm0, [i_a]
    paddd xmm0, [i_b]
    pshufd xmm0, xmm0, 0x1B
    movdqa xmm1, [i_sum_rev]
    call xmm0_equals_xmm1
    mov esi, msg_arith
    call print

    ; alignment: MOVAPS from an address that is not 16-aligned is #GP(0), MOVUPS is not
    EXPECT_FAULT 13, movaps xmm0, [f_a + 4]
    cmp dword [error_code], 0
    jne fail
    movups xmm0, [f_a + 4]
    mov esi, msg_align
    call print

    ; unmasked divide-by-zero: #XM, ZE in MXCSR, XMM0 unchanged
    mov dword [mxcsr], 0x1F80 & ~0x200
    ldmxcsr [mxcsr]
    movss xmm0, [f_a]
    xorps xmm1, xmm1
    EXPECT_FAULT 19, divss xmm0, xmm1
    stmxcsr [mxcsr]
    test dword [mxcsr], 4
    jz fail
    movd eax, xmm0
    cmp eax, 0x3F800000          ; still 1.0
    jne fail
    ; the same with CR4.OSXMMEXCPT clear: #UD
    mov eax, cr4
    and eax, ~0x400
    mov cr4, eax
    EXPECT_FAULT 6, divss xmm0, xmm1
    mov eax, cr4
    or eax, 0x400
    mov cr4, eax
    ; masked again: the quotient is +infinity
    mov dword [mxcsr], 0x1F80
    ldmxcsr [mxcsr]
    divss xmm0, xmm1
    movd eax, xmm0
    cmp eax, 0x7F800000
    jne fail
    ; LDMXCSR with a reserved bit: #GP(0)
    mov dword [mxcsr], 0x11F80
    EXPECT_FAULT 13, ldmxcsr [mxcsr]
    mov esi, msg_xm
    call print

    ; SSE4.2 CRC32 of "123456789" (check value 0xE3069283), POPCNT, PCMPISTRI, SSSE3 PSHUFB, SSE4.1 PTEST
    mov eax, -1
    mov esi, crc_text
    mov ecx, 9
.crc:
    crc32 eax, byte [esi]
    inc esi
    loop .crc
    not eax
    cmp eax, 0xE3069283
    jne fail
    mov edx, 0xF0F0F00F
    popcnt eax, edx
    cmp eax, 16
    jne fail
    movdqu xmm0, [set_c]
    pcmpistri xmm0, [haystack], 0x00   ; equal any, bytes: first 'c' at index 2
    cmp ecx, 2
    jne fail
    movdqa xmm0, [i_a]
    pshufb xmm0, [shuf_rev]
    movdqa xmm1, [i_a_bytes_rev]
    call xmm0_equals_xmm1
    pxor xmm2, xmm2
    ptest xmm2, xmm0
    jnz fail
    mov esi, msg_sse4
    call print
    EXIT_WITH 0

; all 16 bytes of XMM0 equal to XMM1, or fail
xmm0_equals_xmm1:
    pcmpeqb xmm0, xmm1
    pmovmskb eax, xmm0
    cmp eax, 0xFFFF
    jne fail
    ret

ud_handler:
    mov dword [vector], 6
    jmp skip
nm_handler:
    inc dword [nm_count]
    clts
    iret
gp_handler:
    mov dword [vector], 13
    pop dword [error_code]
    jmp skip
xm_handler:
    mov dword [vector], 19
skip:
    push eax
    mov eax, [resume]
    mov [esp + 4], eax
    pop eax
    iret

FAIL_ROUTINE

PRINT_ROUTINE

PATCH_GATE_ROUTINE

align 16
f_a: dd 1.0, 2.0, 3.0, 4.0
     dd 0, 0, 0, 0
f_b: dd 0.5, 0.25, 0.125, 4.0
f_sum: dd 1.5, 2.25, 3.125, 8.0
i_a: dd 0x04030201, 0x08070605, 0x0C0B0A09, 0x100F0E0D
i_b: dd 1, -1, 0x7FFFFFFF, 0x10
i_sum_rev: dd 0x100F0E1D, 0x0C0B0A09 + 0x7FFFFFFF, 0x08070604, 0x04030202
shuf_rev: db 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
i_a_bytes_rev: db 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1
set_c: db "c", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
haystack: db "abcdefcba", 0, 0, 0, 0, 0, 0, 0
d_two: dq 2.0
d_sqrt2: dq 0x3FF6A09E667F3BCD
d_half: dq 0.5
crc_text: db "123456789"
align 4
mxcsr: dd 0
resume: dd 0
vector: dd 0
error_code: dd 0
nm_count: dd 0
msg_ud: db "#UD without OSFXSR", 10, 0
msg_arith: db "#NM, SSE/SSE2 arithmetic", 10, 0
msg_align: db "#GP misaligned MOVAPS", 10, 0
msg_xm: db "#XM, #UD without OSXMMEXCPT, LDMXCSR #GP", 10, 0
msg_sse4: db "CRC32 POPCNT PCMPISTRI PSHUFB PTEST", 10, "PASS", 10, 0

FLAT_GDT
GDT_END
idt:
    times 20 dq 0x00008E0000080000   ; 32-bit interrupt gates to 0x08:0, offsets patched
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
