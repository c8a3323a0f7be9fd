; CPU speed loop: 32-bit protected mode with paging, an ALU/load/store/branch mix. Writes the loop count's
; checksum to the serial port and exits through port 0xF4. Loaded at 0x10000, entered at 1000:0000.
%include "bare-metal.inc"
ENTER_PM32
    ; identity-map 4 MiB with 4 KiB pages
    mov edi, 0x80000
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [0x80000], 0x81000 | 3
    IDENTITY_PAGE_TABLE 3
    ENABLE_PAGING 0x80000000
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
    EXIT_PRINTING_EAX_HEX
FLAT_GDT
GDT_END
