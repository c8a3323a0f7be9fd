; Integer instruction oracle: 32-bit protected mode, pseudo-random operands through a wide mix of ALU, shift,
; multiply/divide, bit, BCD, string and conditional instructions; every result and the flags the SDM defines for
; the instruction are folded into a hash printed on the serial port (compared with QEMU by a test).
; Loaded at 0x10000, entered at 1000:0000. ITERATIONS may be set with -D.
%ifndef ITERATIONS
%define ITERATIONS 5000
%endif
%include "bare-metal.inc"
ENTER_PM32
%macro MIX 1
    imul ebp, ebp, 0x01000193
    xor ebp, %1
%endmacro
%macro FLAGS 1
    pushfd
    pop edi
    and edi, %1
    MIX edi
%endmacro
%macro RAND 1                  ; %1 <- next pseudo-random value (xorshift32 in [seed])
    mov eax, [seed]
    mov %1, eax
    shl %1, 13
    xor eax, %1
    mov %1, eax
    shr %1, 17
    xor eax, %1
    mov %1, eax
    shl %1, 5
    xor eax, %1
    mov [seed], eax
    mov %1, eax
%endmacro
%macro ALU2 2                  ; op, flags mask: 32/16/8-bit register forms
    RAND ebx
    RAND ecx
    %1 ebx, ecx
    FLAGS %2
    MIX ebx
    RAND ebx
    %1 bx, cx
    FLAGS %2
    MIX ebx
    RAND ebx
    %1 bl, ch
    FLAGS %2
    MIX ebx
    %1 dword [scratch], ecx
    FLAGS %2
    mov esi, [scratch]
    MIX esi
%endmacro
%macro SHIFT 1
    RAND ebx
    RAND ecx
    %1 ebx, cl
    FLAGS 0x01               ; CF (SF/ZF/PF are defined only for shifts, OF only for 1)
    MIX ebx
    RAND ebx
    %1 ebx, 1
    FLAGS 0x801
    MIX ebx
%endmacro
    mov ebp, 0x811C9DC5
    mov dword [count], ITERATIONS
.loop:
    ALU2 add, 0x8D5
    ALU2 adc, 0x8D5
    ALU2 sub, 0x8D5
    ALU2 sbb, 0x8D5
    ALU2 and, 0x8C5
    ALU2 or, 0x8C5
    ALU2 xor, 0x8C5
    ALU2 cmp, 0x8D5
    ALU2 test, 0x8C5
    SHIFT shl
    SHIFT shr
    SHIFT sar
    SHIFT rol
    SHIFT ror
    SHIFT rcl
    SHIFT rcr
    RAND ebx
    inc ebx
    FLAGS 0x8D5
    dec bx
    FLAGS 0x8D5
    neg bl
    FLAGS 0x8D5
    not ebx
    MIX ebx
    ; double shifts
    RAND ebx
    RAND edx
    RAND ecx
    and ecx, 31
    shld ebx, edx, cl
    MIX ebx
    shrd edx, ebx, 7
    FLAGS 0xC5
    MIX edx
    ; multiply and divide
    RAND eax
    RAND ecx
    mul ecx
    FLAGS 0x801
    MIX eax
    MIX edx
    RAND eax
    imul ecx
    FLAGS 0x801
    MIX eax
    MIX edx
    RAND ebx
    imul ebx, ecx, 12345
    FLAGS 0x801
    MIX ebx
    RAND ebx
    imul bx, cx
    FLAGS 0x801
    MIX ebx
    RAND eax
    mul cl
    FLAGS 0x801
    MIX eax
    RAND eax
    RAND ecx
    or ecx, 1
    xor edx, edx
    div ecx
    MIX eax
    MIX edx
    RAND eax
    RAND ecx
    and ecx, 0x7FFFFFFF
    or ecx, 1
    cdq
    idiv ecx
    MIX eax
    MIX edx
    RAND eax
    RAND ecx
    or cl, 0x80               ; AH < CL: no quotient overflow
    and eax, 0x7FFF
    div cl
    MIX eax
    ; bits
    RAND ebx
    or ebx, 0x10000
    bsf ecx, ebx
    FLAGS 0x40
    MIX ecx
    bsr ecx, ebx
    MIX ecx
    RAND ecx
    bt ebx, ecx
    FLAGS 0x01
    bts ebx, ecx
    FLAGS 0x01
    btr ebx, 7
    FLAGS 0x01
    btc bx, cx
    FLAGS 0x01
    MIX ebx
    bswap ebx
    MIX ebx
    RAND ecx
    xadd ebx, ecx
    FLAGS 0x8D5
    MIX ebx
    MIX ecx
    RAND eax
    mov [scratch], eax
    cmpxchg [scratch], ecx
    FLAGS 0x8D5
    mov esi, [scratch]
    MIX esi
    MIX eax
    RAND eax
    cmpxchg [scratch], ecx
    FLAGS 0x8D5
    mov esi, [scratch]
    MIX esi
    MIX eax
    ; conditions
    RAND ebx
    RAND ecx
    cmp bx, cx
    %assign cc 0
    %rep 16
    db 0x0F, 0x90 + cc, 0xC0    ; setcc al
    movzx eax, al
    MIX eax
    mov edx, 0x55
    db 0x0F, 0x40 + cc, 0xD3    ; cmovcc edx, ebx
    MIX edx
    %assign cc cc + 1
    %endrep
    movsx eax, bl
    MIX eax
    movsx eax, cx
    MIX eax
    movzx eax, ch
    MIX eax
    cwde
    MIX eax
    ; BCD
    RAND eax
    add al, ah
    daa
    FLAGS 0x11
    MIX eax
    RAND eax
    sub al, ah
    das
    FLAGS 0x11
    MIX eax
    RAND eax
    and eax, 0xFFFF
    add al, 9
    aaa
    FLAGS 0x11
    MIX eax
    RAND eax
    add al, ah                ; defines AF, which AAS reads
    aas
    FLAGS 0x11
    MIX eax
    RAND eax
    aam 10
    FLAGS 0xC4
    MIX eax
    RAND eax
    aad 7
    FLAGS 0xC4
    MIX eax
    ; strings
    RAND eax
    mov [buf], eax
    mov [buf + 4], ebp
    mov esi, buf
    mov edi, buf + 8
    mov ecx, 8
    rep movsb
    mov eax, [buf + 12]
    MIX eax
    mov edi, buf
    mov al, [buf + 3]
    mov ecx, 16
    repne scasb
    MIX ecx
    MIX edi
    std
    mov esi, buf + 15
    mov edi, buf + 7
    mov ecx, 8
    repe cmpsb
    cld
    FLAGS 0x8D5
    MIX ecx
    lea eax, [ebx + ecx * 4 + 0x1234]
    MIX eax
    dec dword [count]
    jnz .loop
    mov eax, ebp
    EXIT_PRINTING_EAX_HEX
seed: dd 0x12345678
count: dd 0
scratch: dd 0
buf: times 16 db 0
FLAT_GDT
GDT_END
