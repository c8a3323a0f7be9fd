; A 64 KiB firmware image that runs one of the VGA boot sectors with no BIOS at all: the reset vector copies the
; sector (at the start of the image) to 0000:7C00 and jumps there. The programs only use VGA registers, the 0xA0000
; window and COM1, so they need nothing else. Assemble with -DBOOT_SECTOR='"file.bin"'.
        bits 16
        org 0
        incbin BOOT_SECTOR
        times 0x200 - ($ - $$) db 0
start:  cli
        cld
        mov ax, 0xF000
        mov ds, ax
        xor ax, ax
        mov es, ax
        xor si, si
        mov di, 0x7C00
        mov cx, 256
        rep movsw
        jmp 0x0000:0x7C00
        times 0xFFF0 - ($ - $$) db 0
        jmp 0xF000:start            ; reset vector
        times 0x10000 - ($ - $$) db 0
