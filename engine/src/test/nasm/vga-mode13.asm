; Mode 13h: an 8 x 16 grid of colours (each 20 x 25 pixels) from a 3-3-2 style DAC ramp, framed in colour 255.
; Same picture as GuestDrawings.mode13 / src/test/resources/vga/mode13.png.
%include "vga-common.inc"
boot_start
main:
        mov si, mode13
        call set_mode
        mov dx, 0x3C8
        xor al, al
        out dx, al
        inc dx
        xor bx, bx
.dac:   mov al, bl                  ; red = (i & 7) * 9
        and al, 7
        mov ah, 9
        mul ah
        out dx, al
        mov al, bl                  ; green = ((i >> 3) & 7) * 9
        shr al, 3
        and al, 7
        mov ah, 9
        mul ah
        out dx, al
        mov al, bl                  ; blue = (i >> 6) * 21
        shr al, 6
        mov ah, 21
        mul ah
        out dx, al
        inc bx
        cmp bx, 256
        jb .dac
        mov ax, 0xA000
        mov es, ax
        xor di, di
        xor bp, bp                  ; y
.row:   xor si, si                  ; x
.col:   mov al, 255
        test si, si
        jz .put
        cmp si, 319
        je .put
        test bp, bp
        jz .put
        cmp bp, 199
        je .put
        mov ax, si
        mov cl, 20
        div cl
        mov bl, al                  ; x / 20
        mov ax, bp
        mov cl, 25
        div cl
        shl al, 4                   ; (y / 25) * 16
        add al, bl
.put:   stosb
        inc si
        cmp si, 320
        jb .col
        inc bp
        cmp bp, 200
        jb .row
        jmp report

mode13: db 0x63
        db 0x03, 0x01, 0x0F, 0x00, 0x0E
        db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F
        db 0x41, 0x00, 0x0F, 0x00, 0x00
boot_end
