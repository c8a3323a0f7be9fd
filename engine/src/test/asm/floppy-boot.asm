; Boot sector for running the bare-metal test programs under a PC BIOS (QEMU, for comparisons): loads the
; sectors that follow it (up to 35: cylinder 0, both heads) to 1000:0000 with INT 13h and jumps there, i.e. the state the VirtFX test board sets up.
bits 16
org 0x7C00
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ax, 0x1000
    mov es, ax
    xor bx, bx
%if SECTORS <= 17
    mov ax, 0x0200 | SECTORS  ; read SECTORS sectors
%else
    mov ax, 0x0200 | 17       ; the rest of track 0 first
%endif
    mov cx, 0x0002            ; cylinder 0, sector 2
    mov dh, 0                 ; head 0 (DL = boot drive from the BIOS)
    int 0x13
    jc $
%if SECTORS > 17
    mov ax, 0x0200 | (SECTORS - 17)    ; then head 1 of cylinder 0 (at most 18 more sectors)
    mov bx, 17 * 512
    mov cx, 0x0001            ; cylinder 0, sector 1
    mov dh, 1
    int 0x13
    jc $
%endif
    jmp 0x1000:0
times 510 - ($ - $$) db 0
dw 0xAA55
