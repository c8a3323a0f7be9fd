; Multiboot v1 test kernel loaded through the header's address fields (the "a.out kludge").
; Checks the loader's entry state, prints "MB OK" on COM1 and exits through isa-debug-exit with
; the module count as value (exit status (count << 1) | 1); a failed check exits with 0x7F.
bits 32
org 0x100000

header:
    dd 0x1BADB002
    dd 0x00010003                       ; page-align modules, memory info, address fields
    dd -(0x1BADB002 + 0x00010003)
    dd header                           ; header_addr
    dd header                           ; load_addr
    dd load_end                         ; load_end_addr
    dd bss_end                          ; bss_end_addr
    dd start                            ; entry_addr

start:
    cmp eax, 0x2BADB002
    jne fail
    test dword [ebx], 1                 ; mem_lower/mem_upper present
    jz fail
    cmp dword [ebx + 4], 639
    jne fail
    cmp dword [bss_start], 0            ; the loader zeroed the bss
    jne fail
    mov esi, message
.print:
    lodsb
    test al, al
    jz .done
    mov dx, 0x3F8
    out dx, al
    jmp .print
.done:
    mov eax, [ebx + 20]                 ; mods_count
    mov dx, 0xF4
    out dx, eax
.halt:
    hlt
    jmp .halt
fail:
    mov al, 0x7F
    out 0xF4, al
    jmp start.halt

message: db "MB OK", 10, 0
load_end:
bss_start equ load_end
bss_end equ load_end + 0x2000
