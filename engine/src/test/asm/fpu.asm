; Bare-metal CPU test in real mode: x87 and MMX instructions go to the FPU; CR0.TS makes the first x87 instruction
; raise #NM (vector 7), whose handler clears TS with CLTS so the instruction restarts. CPUID must advertise FPU and
; MMX. Loaded at 0x10000, entered at 1000:0000; serial 0x3F8, exit port 0xF4.
%include "bare-metal.inc"
bits 16
org 0
start:
    cli
    mov ax, cs
    mov ds, ax
    mov es, ax
    xor ax, ax
    mov ss, ax
    mov sp, 0x8000
    mov word [ss:7 * 4], nm_handler
    mov [ss:7 * 4 + 2], cs
    mov eax, 1
    cpuid
    test edx, 1              ; FPU
    jz fail
    test edx, 1 << 23        ; MMX
    jz fail
    mov eax, cr0
    and eax, ~4              ; EM off
    or eax, 8 | 2 | 0x20     ; TS, MP, NE
    mov cr0, eax
    fninit                   ; #NM first, then runs after CLTS
    cmp word [nm_count], 1
    jne fail
    fld1
    fld1
    faddp st1, st0
    fild word [three]
    fmulp st1, st0           ; 2 * 3
    fistp word [result]
    cmp word [result], 6
    jne fail
    fnstsw ax
    test ax, 0x3800          ; TOP back to 0
    jnz fail
    mov si, msg_x87
    call print
    movq mm0, [bytes_a]
    paddb mm0, [bytes_b]
    movq [bytes_c], mm0
    emms
    mov eax, [bytes_c]
    cmp eax, 0x08060402
    jne fail
    mov eax, [bytes_c + 4]
    cmp eax, 0x12100E0C
    jne fail
    mov si, msg_mmx
    call print
    EXIT_WITH 0

nm_handler:
    inc word [nm_count]
    clts
    iret

FAIL_ROUTINE

PRINT_ROUTINE

nm_count: dw 0
three: dw 3
result: dw 0
bytes_a: db 1, 2, 3, 4, 5, 6, 7, 8
bytes_b: db 1, 2, 3, 4, 7, 8, 9, 10
bytes_c: dq 0
msg_x87: db "#NM, x87 arithmetic", 10, 0
msg_mmx: db "MMX paddb", 10, "PASS", 10, 0
