; CPU speed loop: 32-bit protected mode with paging, an ALU/load/store/branch mix. Writes the loop count's
; checksum to the serial port and exits through port 0xF4. Loaded at 0x10000, entered at 1000:0000.
bits 16
org 0x10000
    cli
    mov ax, 0x1000
    mov ds, ax
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
    ; identity-map 4 MiB with 4 KiB pages
    mov edi, 0x80000
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [0x80000], 0x81000 | 3
    mov edi, 0x81000
    mov eax, 3
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov eax, 0x80000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    mov ecx, ITERATIONS
    xor eax, eax
    mov ebx, 0x100000
    xor edx, edx
.loop:                        ; 10 instructions per iteration
    add eax, ecx
    xor edx, eax
    mov [ebx + 4], edx
    mov esi, [ebx + 4]
    shl esi, 3
    sub eax, esi
    inc dword [ebx]
    and edx, 0xFFFF
    dec ecx
    jnz .loop
    mov ecx, 8
.hex:                         ; print EAX in hex
    rol eax, 4
    mov edx, eax
    and edx, 15
    mov dl, [digits + edx]
    xchg eax, edx
    push edx
    mov dx, 0x3F8
    out dx, al
    pop eax
    loop .hex
    mov al, 0
    out 0xF4, al
    hlt
digits: db "0123456789abcdef"
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF
    dq 0x00CF92000000FFFF
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
