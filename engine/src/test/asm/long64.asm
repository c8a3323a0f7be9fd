; Long mode: real -> protected -> IA-32e mode with 4-level paging (4 KiB, 2 MiB and 1 GiB pages, a kernel-style
; mapping at 0xFFFFFFFF80000000, NX), then in 64-bit mode: a 64-bit integer instruction mix folded into a hash
; (REX registers, SPL/SIL byte registers, RIP-relative operands, 32-bit writes zero-extending, 128/64 division,
; CMPXCHG16B, string instructions with 64-bit counts), #UD for an opcode 64-bit mode removed, NX #PF, non-canonical
; #GP, SWAPGS, RDTSCP, a ring-3 excursion through IRETQ with SYSCALL/SYSRET and an INT through an IST gate.
; Output is identical on VirtFX and QEMU (compared by a test). Loaded at 0x10000, entered at 1000:0000.
%ifndef ITERATIONS
%define ITERATIONS 2000
%endif
PML4     equ 0x70000
PDPT_LO  equ 0x71000
PDPT_HI  equ 0x72000
PD       equ 0x73000
PT       equ 0x74000
IDT      equ 0x60000
TSS      equ 0x61000
IST1_TOP equ 0x66000
USER_SP  equ 0x68000
NXPAGE   equ 0x50000
STRBUF   equ 0x52000

%include "bare-metal.inc"
ENTER_PM32
    cld
    mov edi, PML4                   ; PML4, two PDPTs, PD, PT
    mov ecx, 5 * 1024
    xor eax, eax
    rep stosd
    mov dword [PML4], PDPT_LO | 7
    mov dword [PML4 + 511 * 8], PDPT_HI | 7
    mov dword [PDPT_LO], PD | 7
    mov dword [PDPT_LO + 8], 0x87   ; 1 GiB page: linear 0x40000000 -> physical 0
    mov dword [PDPT_HI + 510 * 8], PD | 3
    mov dword [PD], PT | 7          ; first 2 MiB in 4 KiB pages
    mov dword [PD + 8], 0x200000 | 0x87
    mov dword [PD + 16], 0x400000 | 0x87
    mov dword [PD + 24], 0x600000 | 0x87
    mov edi, PT
    mov eax, 7
    mov ecx, 512
.pt:
    mov [edi], eax
    add eax, 0x1000
    add edi, 8
    loop .pt
    mov dword [PT + (NXPAGE >> 12) * 8 + 4], 0x80000000    ; NX
    mov byte [NXPAGE], 0xC3         ; ret
    mov eax, cr4
    or eax, 0x220                   ; PAE, OSFXSR (SSE for the MASKMOVDQU check)
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11) | 1 ; LME, NXE, SCE
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax                    ; IA-32e mode, still in 32-bit (compatibility) code
    rdmsr
    test eax, 1 << 10
    jz .nolma
    jmp 0x18:lm64
.nolma:
    EXIT_WITH 1

bits 64
default rel
%macro MIX 1
    imul rbp, r15
    xor rbp, %1
%endmacro
%macro FLAGS 1
    pushfq
    pop rdi
    and rdi, %1
    MIX rdi
%endmacro
%macro RAND 1                  ; %1 <- next xorshift64 value of r14 (clobbers rax)
    mov rax, r14
    shl rax, 13
    xor r14, rax
    mov rax, r14
    shr rax, 7
    xor r14, rax
    mov rax, r14
    shl rax, 17
    xor r14, rax
    mov %1, r14
%endmacro
%macro ALU2 2
    RAND rbx
    RAND r9
    %1 rbx, r9
    FLAGS %2
    MIX rbx
    RAND r10
    %1 r10d, r9d
    FLAGS %2
    MIX r10
    RAND rsi
    %1 sil, r9b
    FLAGS %2
    MIX rsi
    %1 qword [scratch], r9
    FLAGS %2
    mov rsi, [scratch]
    MIX rsi
    RAND rbx
    %1 rbx, -12345
    FLAGS %2
    MIX rbx
    RAND r11
    %1 r11w, 0x1234
    FLAGS %2
    MIX r11
%endmacro
%macro SHIFT 1
    RAND rbx
    RAND rcx
    %1 rbx, cl
    FLAGS 0x01
    MIX rbx
    RAND r12
    %1 r12, 1
    FLAGS 0x801
    MIX r12
    RAND r13
    %1 r13d, 5
    FLAGS 0x01
    MIX r13
%endmacro

lm64:
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x9F000
    lea rsi, [msg_lm]
    call print
    ; a 32-bit write clears the upper half; 8/16-bit writes keep it
    mov rax, -1
    mov eax, 1
    mov rbx, -1
    mov bx, 1
    mov rcx, 0xFFFFFFFFFFFF0001
    cmp rax, 1
    jne fail
    cmp rbx, rcx
    jne fail
    ; IDT: #DE, #UD, #GP, #PF, INT 0x80 (DPL 3, IST1)
    mov edi, 0
    lea rsi, [h_de]
    xor edx, edx
    xor ecx, ecx
    call set_gate
    mov edi, 6
    lea rsi, [h_ud]
    call set_gate
    mov edi, 13
    lea rsi, [h_gp]
    call set_gate
    mov edi, 14
    lea rsi, [h_pf]
    call set_gate
    mov edi, 0x80
    lea rsi, [h_int80]
    mov edx, 1
    mov ecx, 3
    call set_gate
    lidt [idtr]
    ; 64-bit TSS: RSP0, IST1; 16-byte descriptor at 0x40
    mov rax, 0x9F000
    mov [abs TSS + 4], rax
    mov rax, IST1_TOP
    mov [abs TSS + 0x24], rax
    mov word [abs TSS + 0x66], 0x68
    mov eax, TSS
    mov rbx, 0x67
    mov rcx, rax
    and ecx, 0xFFFFFF
    shl rcx, 16
    or rbx, rcx
    mov rcx, 0x89
    shl rcx, 40
    or rbx, rcx
    mov rcx, rax
    shr rcx, 24
    shl rcx, 56
    or rbx, rcx
    mov [gdt + 0x40], rbx
    mov qword [gdt + 0x48], 0
    mov ax, 0x40
    ltr ax

    ; ---- the instruction mix ----
    mov rbp, 0xCBF29CE484222325
    mov r15, 0x100000001B3
    mov r14, 0x9E3779B97F4A7C15
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
    SHIFT shl
    SHIFT shr
    SHIFT sar
    SHIFT rol
    SHIFT ror
    SHIFT rcl
    SHIFT rcr
    RAND rbx
    inc rbx
    FLAGS 0x8D5
    dec r8d
    FLAGS 0x8D5
    neg dil
    FLAGS 0x8D5
    not rbx
    MIX rbx
    MIX r8
    MIX rdi
    RAND rbx
    RAND rdx
    RAND rcx
    shld rbx, rdx, cl
    MIX rbx
    shrd rdx, rbx, 37
    FLAGS 0xC5
    MIX rdx
    ; multiply and divide
    RAND rcx
    RAND rax
    mul rcx
    FLAGS 0x801
    MIX rax
    MIX rdx
    RAND rcx
    RAND rax
    imul rcx
    FLAGS 0x801
    MIX rax
    MIX rdx
    RAND rcx
    RAND rbx
    imul rbx, rcx, 12345
    FLAGS 0x801
    MIX rbx
    RAND rbx
    imul rbx, rcx
    FLAGS 0x801
    MIX rbx
    RAND rcx
    RAND rax
    mov rdx, rcx
    shr rdx, 1
    or rcx, 1
    div rcx
    MIX rax
    MIX rdx
    RAND rcx
    RAND rax
    btr rcx, 63
    or rcx, 1
    cqo
    idiv rcx
    MIX rax
    MIX rdx
    RAND rcx
    bts rcx, 62
    RAND rax
    mov edx, 1
    idiv rcx
    MIX rax
    MIX rdx
    ; bits, byte swaps, exchanges
    RAND rbx
    bts rbx, 40
    bsf rcx, rbx
    MIX rcx
    bsr rcx, rbx
    MIX rcx
    RAND rcx
    bt rbx, rcx
    FLAGS 0x01
    bts rbx, rcx
    FLAGS 0x01
    btr rbx, 57
    FLAGS 0x01
    btc rbx, rcx
    FLAGS 0x01
    MIX rbx
    bswap rbx
    MIX rbx
    RAND r11
    bswap r11d
    MIX r11
    RAND rcx
    xadd rbx, rcx
    FLAGS 0x8D5
    MIX rbx
    MIX rcx
    RAND rax
    mov [scratch], rax
    cmpxchg [scratch], rcx
    FLAGS 0x8D5
    mov rsi, [scratch]
    MIX rsi
    MIX rax
    RAND rax
    cmpxchg [scratch], rcx
    FLAGS 0x8D5
    mov rsi, [scratch]
    MIX rsi
    MIX rax
    RAND rax
    mov [pair], rax
    RAND rdx
    mov [pair + 8], rdx
    RAND rbx
    RAND rcx
    test r14b, 1
    jz .mismatch
    lock cmpxchg16b [pair]
    jmp .cx16done
.mismatch:
    RAND rax
    cmpxchg16b [pair]
.cx16done:
    FLAGS 0x40
    MIX rax
    MIX rdx
    mov rsi, [pair]
    MIX rsi
    mov rsi, [pair + 8]
    MIX rsi
    ; sign and zero extension
    RAND r9
    movsxd rbx, r9d
    MIX rbx
    movsx r10, r9w
    MIX r10
    movzx r11, r9b
    MIX r11
    mov eax, r9d
    cdqe
    MIX rax
    cwde
    MIX rax
    mov r13, rsp
    mov spl, 0x40                  ; SPL/BPL/SIL/DIL exist only with REX
    movzx esi, spl
    mov rsp, r13
    MIX rsi
    ; conditions
    RAND rbx
    RAND rcx
    cmp rbx, rcx
    setl r8b
    setb r9b
    setg r10b
    setbe r11b
    sets r12b
    setp r13b
    movzx eax, r8b
    MIX rax
    movzx eax, r9b
    MIX rax
    movzx eax, r10b
    MIX rax
    movzx eax, r11b
    MIX rax
    movzx eax, r12b
    MIX rax
    movzx eax, r13b
    MIX rax
    cmovg rbx, rcx
    MIX rbx
    cmovb ebx, ecx
    MIX rbx
    ; addressing: SIB with REX.X/REX.B, 32-bit address size, RIP-relative with an immediate after it
    RAND r12
    RAND r13
    lea rax, [r12 + r13 * 8 + 0x12345]
    MIX rax
    lea eax, [r12d + r13d * 2 - 7]
    MIX rax
    mov qword [scratch], 77
    add qword [scratch], 0x11223344
    mov rax, [scratch]
    MIX rax
    cmp dword [scratch], 0x11223344 + 77
    jne fail
    ; LAHF/SAHF, push/pop
    RAND rax
    sahf
    FLAGS 0xD5
    lahf
    MIX rax
    RAND r12
    push r12
    push qword -5
    pop rax
    pop r13
    MIX rax
    MIX r13
    ; string instructions with 64-bit counts
    lea rsi, [pair]
    lea rdi, [strtmp]
    mov ecx, 2
    rep movsq
    mov rax, [strtmp + 8]
    MIX rax
    lea rdi, [strtmp]
    RAND rax
    mov rcx, 3
    rep stosq
    mov rax, [strtmp + 16]
    MIX rax
    MIX rcx
    lea rsi, [strtmp]
    lodsq
    MIX rax
    lea rdi, [pair]
    scasq
    FLAGS 0x8D5
    dec dword [count]
    jnz .loop
    lea rsi, [msg_hash]
    call print
    mov rax, rbp
    call print_hex
    mov al, 10
    out dx, al

    ; ---- paging: 1 GiB page, kernel-style high mapping, NX, non-canonical ----
    mov rax, 0x1122334455667788
    mov [abs 0x5F000], rax
    mov rbx, 0x40000000 + 0x5F000
    cmp rax, [rbx]
    jne fail
    mov rbx, 0xFFFFFFFF80000000 + 0x5F000
    cmp rax, [rbx]
    jne fail
    mov qword [pf_count], 0
    mov rax, NXPAGE
    call rax                        ; #PF (instruction fetch, NX); the handler clears NX and returns to retry
    cmp qword [pf_count], 1
    jne fail
    lea rax, [.after_gp]
    mov [resume], rax
    mov rbx, 0x0000800000000000
    mov rax, [rbx]                  ; non-canonical: #GP(0)
    jmp fail
.after_gp:
    lea rax, [.after_ud]
    mov [resume], rax
    db 0x06                         ; PUSH ES: #UD in 64-bit mode
    jmp fail
.after_ud:
    ; MASKMOVDQU stores to DS:RDI with all 64 bits of RDI (here the high mapping of 0x5F100)
    pcmpeqb xmm1, xmm1              ; mask: every byte
    mov rax, 0x0123456789ABCDEF
    movq xmm0, rax
    mov rdi, 0xFFFFFFFF80000000 + 0x5F100
    maskmovdqu xmm0, xmm1
    cmp rax, [abs 0x5F100]
    jne fail
    lea rsi, [msg_paging]
    call print

    ; ---- SWAPGS, RDTSCP ----
    mov ecx, 0xC0000101             ; GS_BASE
    lea rax, [gsarea]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000102             ; KERNEL_GS_BASE
    lea rax, [gsarea + 8]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov rax, [gs:0]
    cmp rax, 0x1111
    jne fail
    swapgs
    mov rax, [gs:0]
    cmp rax, 0x2222
    jne fail
    swapgs

    ; ---- ring 3 through IRETQ; SYSCALL/SYSRET; INT 0x80 on IST1 ----
    mov ecx, 0xC0000081             ; STAR: SYSCALL CS 0x18, SYSRET base 0x28
    xor eax, eax
    mov edx, 0x00280018
    wrmsr
    mov ecx, 0xC0000082             ; LSTAR
    lea rax, [sysentry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084             ; SFMASK: clear TF, DF, IF, AC
    mov eax, 0x47700
    xor edx, edx
    wrmsr
    ; 64-bit call gate at 0x50 (DPL 3, 16 bytes) to callgate_entry in the ring-0 code segment 0x18
    lea rax, [callgate_entry]
    mov word [gdt + 0x50], ax       ; offset 15:0
    mov word [gdt + 0x52], 0x18     ; target selector
    mov word [gdt + 0x54], 0xEC00   ; present, DPL 3, type 12
    shr rax, 16
    mov word [gdt + 0x56], ax       ; offset 31:16
    shr rax, 16
    mov dword [gdt + 0x58], eax     ; offset 63:32
    mov dword [gdt + 0x5C], 0       ; the upper half's type field: 0
    mov [kernel_rsp], rsp
    push 0x33                       ; SS (0x30 | 3)
    push USER_SP
    push 0x002                      ; RFLAGS (IF stays 0)
    push 0x3B                       ; CS (0x38 | 3)
    lea rax, [user]
    push rax
    iretq
after_user:
    mov ax, cs
    cmp ax, 0x18
    jne fail
    cmp r12, 84
    jne fail
    cmp r13, 0x80
    jne fail
    mov rax, [int80_rsp]
    cmp rax, IST1_TOP - 40
    jne fail
    cmp qword [int80_cs], 0x3B
    jne fail
    cmp qword [cg_ss], 0            ; the gate left a null SS (RPL 0)
    jne fail
    cmp qword [cg_rsp], 0x9F000 - 32    ; RSP0 from the TSS, four quadwords pushed
    jne fail
    cmp qword [cg_frame + 8], 0x3B  ; caller's CS
    jne fail
    cmp qword [cg_frame + 16], USER_SP
    jne fail
    cmp qword [cg_frame + 24], 0x33 ; caller's SS
    jne fail
    cmp r14, 0xCA11
    jne fail
    lea rsi, [msg_user]
    call print
    ; RDTSCP last: its time stamp differs between machines (register traces are compared up to the marker)
    mov r15, 0x7D5C
    mov ecx, 0xC0000103             ; TSC_AUX
    mov eax, 0x5A5A
    xor edx, edx
    wrmsr
    rdtscp
    cmp ecx, 0x5A5A
    jne fail
    lea rsi, [msg_gs]
    call print
    lea rsi, [msg_pass]
    call print
    xor eax, eax
    out 0xF4, al
    hlt

user:
    call far dword [rel gate_ptr]    ; to ring 0 through the 64-bit call gate and back with RETFQ
    mov eax, 1
    mov edi, 42
    syscall                          ; returns RDI * 2
    mov r12, rax
    int 0x80
    mov r13, rax
    mov eax, 2
    syscall                          ; does not return here

sysentry:
    mov bx, cs
    cmp bx, 0x18
    jne fail
    cmp rax, 1
    jne .exit
    lea rax, [rdi * 2]
    o64 sysret
.exit:
    mov rsp, [kernel_rsp]
    jmp after_user

callgate_entry:
    ; no flag-changing instruction on this excursion: QEMU's SYSCALL (TCG) loses the arithmetic flags that hardware
    ; keeps, and the register traces are compared through the SYSCALL below
    mov eax, 0
    mov ax, ss
    mov [cg_ss], rax
    mov [cg_rsp], rsp
    mov rax, [rsp]
    mov [cg_frame], rax
    mov rax, [rsp + 8]
    mov [cg_frame + 8], rax
    mov rax, [rsp + 16]
    mov [cg_frame + 16], rax
    mov rax, [rsp + 24]
    mov [cg_frame + 24], rax
    mov r14, 0xCA11
    o64 retf                         ; pops RIP, CS, RSP, SS: back to ring 3

h_int80:
    mov [int80_rsp], rsp
    mov rax, [rsp + 8]
    mov [int80_cs], rax
    mov eax, 0x80
    iretq

h_de:
    jmp fail

h_ud:
    mov rax, [resume]
    mov [rsp], rax
    iretq

h_gp:
    cmp qword [rsp], 0               ; error code
    jne fail
    mov rax, [resume]
    mov [rsp + 8], rax
    add rsp, 8
    iretq

h_pf:
    cmp qword [rsp], 0x11            ; present, instruction fetch
    jne fail
    mov rax, cr2
    cmp rax, NXPAGE
    jne fail
    inc qword [pf_count]
    and dword [PT + (NXPAGE >> 12) * 8 + 4], 0x7FFFFFFF
    invlpg [rax]
    add rsp, 8
    iretq

; set_gate: EDI vector, RSI handler, EDX IST, ECX DPL (64-bit interrupt gate, selector 0x18)
set_gate:
    mov rbx, rsi
    and ebx, 0xFFFF
    mov r8, 0x18 << 16
    or rbx, r8
    mov r8, rdx
    shl r8, 32
    or rbx, r8
    mov r8d, ecx
    shl r8d, 5
    or r8d, 0x8E
    shl r8, 40
    or rbx, r8
    mov r8, rsi
    shr r8, 16
    and r8, 0xFFFF
    shl r8, 48
    or rbx, r8
    shl edi, 4
    mov [abs IDT + rdi], rbx
    mov r8, rsi
    shr r8, 32
    mov [IDT + rdi + 8], r8
    ret

PRINT_ROUTINE

print_hex:                           ; RAX as 16 hex digits
    mov dx, 0x3F8
    mov rbx, rax
    mov ecx, 16
.digit:
    rol rbx, 4
    mov eax, ebx
    and eax, 15
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out dx, al
    loop .digit
    ret

FAIL_ROUTINE

msg_lm:     db "64-bit mode", 10, 0
msg_hash:   db "hash ", 0
msg_paging: db "1G page, high mapping, NX #PF, #GP, #UD, MASKMOVDQU to RDI", 10, 0
msg_gs:     db "SWAPGS, RDTSCP", 10, 0
msg_user:   db "IRETQ to ring 3, SYSCALL/SYSRET, INT with IST, 64-bit call gate", 10, 0
msg_pass:   db "PASS", 10, 0
align 16
pair:       dq 0, 0
scratch:    dq 0
count:      dq 0
resume:     dq 0
pf_count:   dq 0
kernel_rsp: dq 0
cg_ss:      dq 0
cg_rsp:     dq 0
cg_frame:   dq 0, 0, 0, 0
gate_ptr:   dd 0
            dw 0x53                 ; the call gate's selector, RPL 3
int80_rsp:  dq 0
int80_cs:   dq 0
gsarea:     dq 0x1111, 0x2222
strtmp:     dq 0, 0, 0, 0
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08 code32
    dq 0x00CF92000000FFFF           ; 0x10 data
    dq 0x00AF9A000000FFFF           ; 0x18 code64
    dq 0x00CF92000000FFFF           ; 0x20 data (SYSCALL SS)
    dq 0x00CFFA000000FFFF           ; 0x28 user code32
    dq 0x00CFF2000000FFFF           ; 0x30 user data
    dq 0x00AFFA000000FFFF           ; 0x38 user code64
    dq 0, 0                         ; 0x40 TSS (filled in)
    dq 0, 0                         ; 0x50 64-bit call gate (filled in)
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dq gdt
idtr:
    dw 256 * 16 - 1
    dq IDT
