; Bare-metal self-modifying-code test: code that patches instructions the CPU has already executed (so a CPU that
; caches decoded instructions must notice the store), code written through one virtual mapping and executed through
; another mapping of the same frame, and code replaced by a device write (port 0xE0: the test board's "DMA" writes
; new code into RAM at 0x300000 through GuestMemory), and the same bytes run in real mode and then in 32-bit
; protected mode (a decoded form is only valid for the code size it was decoded in). Loaded at 0x10000, entered in
; real mode at 1000:0000.
; Prints over port 0x3F8, exits via port 0xF4 (0 = pass).
%include "bare-metal.inc"
bits 16
org 0x10000
start:
    cli
    mov ax, 0x1000
    mov ds, ax
    ; 0. run "dual" a few times as 16-bit code: mov ax, 0x1234 / jmp +2 / ... / ret
    xor ax, ax
    mov ss, ax
    mov sp, 0xF000
    mov cx, 3
.dual16:
    call dual
    loop .dual16
    mov bx, 0x7000              ; the result goes to another page: no store touches dual's page in between
    mov es, bx
    mov [es:0], eax
    lgdt [gdtr - 0x10000]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:pm32
bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x9F000

    ; 0 (continued). the same bytes as 32-bit code: mov eax, 0x02EB1234 / nop / nop / ret
    cmp word [0x70000], 0x1234
    jne fail
    mov ecx, 3
.dual32:
    call dual
    loop .dual32
    cmp eax, 0x02EB1234
    jne fail
    mov esi, msg_mode
    call print

    ; 1. an instruction patched by the one just before it, run three times: nop on the first pass, inc eax after
    xor eax, eax
    mov ecx, 3
    mov dl, 0x90
.again:
    mov [.next], dl
.next:
    nop
    mov dl, 0x40
    loop .again
    cmp eax, 2
    jne fail
    ; an opcode and a ModRM byte of a called routine patched after it ran (and was decoded) several times
    xor ebx, ebx
    mov ecx, 4
.warm:
    call routine
    loop .warm
    cmp eax, 5                  ; mov eax, 5 / add eax, ebx(0) / ret
    jne fail
    mov byte [routine + 5], 0x29 ; add -> sub
    mov byte [routine + 6], 0xC8 ; ModRM: ebx -> ecx
    mov ecx, 3
    call routine                ; mov eax, 5 / sub eax, ecx / ret
    cmp eax, 2
    jne fail
    mov esi, msg_patch
    call print

    ; 2. paging: identity map 0-4 MiB, and 0x400000 -> frame 0x200000 (an alias of identity-mapped 0x200000)
    mov edi, 0x80000
    xor eax, eax
    mov ecx, 3072
    rep stosd
    mov dword [0x80000], 0x81000 | 3
    mov dword [0x80004], 0x82000 | 3
    mov dword [0x82000], 0x200000 | 3
    IDENTITY_PAGE_TABLE 3
    ENABLE_PAGING 0x80000000
    ; write "mov eax, 1 / ret" through the alias, run it at 0x200000 a few times
    mov dword [0x400000], 0x000001B8
    mov word [0x400004], 0xC300
    mov ecx, 3
.alias_warm:
    call 0x200000
    loop .alias_warm
    cmp eax, 1
    jne fail
    ; replace it through the alias with "xor eax, eax / inc eax x3 / ret" and run it through the identity mapping
    mov dword [0x400000], 0x4040C031
    mov word [0x400004], 0xC340
    call 0x200000
    cmp eax, 3
    jne fail
    mov esi, msg_alias
    call print

    ; 3. a device overwrites code this CPU has run: "mov eax, 1 / ret" becomes "xor eax, eax / mov al, 7 / ret"
    mov dword [0x300000], 0x000001B8
    mov word [0x300004], 0xC300
    mov ecx, 3
.dma_warm:
    call 0x300000
    loop .dma_warm
    cmp eax, 1
    jne fail
    out 0xE0, al
    call 0x300000
    cmp eax, 7
    jne fail
    mov esi, msg_dma
    call print

    mov esi, msg_pass
    call print
    EXIT_WITH 0

routine:
    mov eax, 5                  ; B8 05 00 00 00
    add eax, ebx                ; 01 D8
    ret

FAIL_ROUTINE

PRINT_ROUTINE

msg_mode: db "mode-changed code ran", 10, 0
msg_patch: db "patched code ran", 10, 0
msg_alias: db "aliased code ran", 10, 0
msg_dma: db "device-written code ran", 10, 0
msg_pass: db "PASS", 10, 0

FLAT_GDT
GDT_END

; on a page of its own: loading a segment register sets the accessed bit of its descriptor in the GDT above,
; and that store must not be what makes the CPU decode dual afresh
align 4096
dual:
    db 0xB8, 0x34, 0x12         ; 16-bit: mov ax, 0x1234      32-bit: mov eax, 0x02EB1234 (5 bytes)
    db 0xEB, 0x02               ; 16-bit: jmp +2 (to the ret)
    db 0x90, 0x90               ; 32-bit: nop / nop
    ret                         ; 16-bit: pops 2 bytes, 32-bit: 4
