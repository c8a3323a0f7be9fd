; Guest-side video memory write benchmark (bench/vga-fill-bench.sh): in flat 32-bit protected mode, maps the std
; VGA's BAR0 at LFB, sets 1024x768x32 through the DISPI ports, then fills the whole 3 MiB frame ITER times in each
; of four ways, printing a marker line on COM1 after each phase:
;   S  rep stosd into the linear framebuffer          M  rep movsd from RAM into the linear framebuffer
;   L  a mov/add/dec/jnz store loop into the LFB       B  rep stosd through the 64 KiB bank window at 0xA0000
; (after an "R" line once the mode is set) and "DONE" at the end. Runs as the firmware of the PC board through vga-bios-stub.asm (no BIOS needed).
%ifndef ITER
%define ITER 8
%endif
LFB     equ 0xE0000000
PIXELS  equ 1024 * 768
        bits 16
        org 0x7C00
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        cld
        jmp 0:main
main:   lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm
        bits 32
pm:     mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x7C00
        mov eax, 0x80001010         ; 00:02.0 BAR0 = LFB
        mov ebx, LFB
        call pci_write
        mov eax, 0x80001004         ; command: I/O + memory decode
        mov ebx, 3
        call pci_write
        mov esi, dispi
.reg:   lodsw
        cmp ax, 0xFFFF
        je .fill
        mov dx, 0x1CE
        out dx, ax
        lodsw
        inc dx
        out dx, ax
        jmp .reg
.fill:  mov al, 'R'                 ; ready: the phases are timed from here
        call mark
        mov ebx, ITER               ; S: rep stosd
.p1:    mov edi, LFB
        mov ecx, PIXELS
        imul eax, ebx, 0x010203
        rep stosd
        dec ebx
        jnz .p1
        mov al, 'S'
        call mark
        mov ebx, ITER               ; M: rep movsd from RAM at 1 MiB
.p2:    mov esi, 0x100000
        mov edi, LFB
        mov ecx, PIXELS
        rep movsd
        dec ebx
        jnz .p2
        mov al, 'M'
        call mark
        mov ebx, ITER               ; L: store loop
.p3:    mov edi, LFB
        mov ecx, PIXELS
        imul eax, ebx, 0x030201
.l3:    mov [edi], eax
        add edi, 4
        dec ecx
        jnz .l3
        dec ebx
        jnz .p3
        mov al, 'L'
        call mark
        mov ebx, ITER               ; B: 48 banks of 64 KiB through 0xA0000
.p4:    xor ebp, ebp
.bank:  mov dx, 0x1CE
        mov ax, 5
        out dx, ax
        inc dx
        mov eax, ebp
        out dx, ax
        mov edi, 0xA0000
        mov ecx, 16384
        imul eax, ebx, 0x020301
        rep stosd
        inc ebp
        cmp ebp, 48
        jb .bank
        dec ebx
        jnz .p4
        mov al, 'B'
        call mark
        mov esi, done_msg
        mov dx, 0x3F8
.c:     lodsb
        test al, al
        jz .halt
        out dx, al
        jmp .c
.halt:  cli
        hlt
        jmp .halt

pci_write:                          ; config address EAX, value EBX
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        mov eax, ebx
        out dx, eax
        ret
mark:   mov dx, 0x3F8               ; AL, then a newline
        out dx, al
        mov al, 10
        out dx, al
        ret

        align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF       ; flat 32-bit code
        dq 0x00CF92000000FFFF       ; flat data
gdtr:   dw gdtr - gdt - 1
        dd gdt
dispi:  dw 0, 0xB0C5
        dw 4, 0
        dw 1, 1024
        dw 2, 768
        dw 3, 32
        dw 4, 0x41
        dw 0xFFFF
done_msg: db "DONE", 10, 0
        times 510 - ($ - $$) db 0
        dw 0xAA55
