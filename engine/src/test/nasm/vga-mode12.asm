; Mode 12h (640x480, 16 colours, planar): 16 bars drawn with write mode 2, a white diagonal with set/reset and the
; bit mask (latches loaded by a read first), a yellow frame top/bottom with write mode 3.
; Same picture as GuestDrawings.mode12 / src/test/resources/vga/mode12.png.
%include "vga-common.inc"
boot_start
main:
        mov si, mode12
        call set_mode
        mov si, ega_dac             ; DAC entries the attribute palette points at
        xor bx, bx
.dac:   mov dx, 0x3C8
        mov al, [mode12 + 40 + bx]  ; attribute palette register bx
        out dx, al
        inc dx
        mov cx, 3
.rgb:   lodsb
        out dx, al
        loop .rgb
        inc bx
        cmp bx, 16
        jb .dac
        mov ax, 0xA000
        mov es, ax
        mov dx, 0x3CE
        mov ax, 0x0205              ; write mode 2
        out dx, ax
        xor di, di
        xor bp, bp
.bars:  xor bx, bx
.bar:   mov ax, bx
        mov cl, 5
        div cl                      ; colour = byte column / 5
        stosb
        inc bx
        cmp bx, 80
        jb .bar
        inc bp
        cmp bp, 480
        jb .bars
        mov ax, 0x0005              ; write mode 0
        out dx, ax
        mov ax, 0x0F00              ; set/reset = 15
        out dx, ax
        mov ax, 0x0F01              ; enable set/reset on all planes
        out dx, ax
        xor bp, bp                  ; i: pixel (i, i)
.diag:  imul di, bp, 80              ; row start (DX keeps the port: no MUL)
        mov ax, bp
        shr ax, 3
        add di, ax
        mov cx, bp
        and cl, 7
        mov ah, 0x80
        shr ah, cl
        mov al, 8                   ; bit mask register
        out dx, ax
        mov al, [es:di]             ; load latches
        mov [es:di], al
        inc bp
        cmp bp, 480
        jb .diag
        mov ax, 0x0001              ; set/reset enable off
        out dx, ax
        mov ax, 0x0305              ; write mode 3
        out dx, ax
        mov ax, 0x0E00              ; set/reset = 14 (yellow)
        out dx, ax
        mov ax, 0xFF08              ; bit mask all
        out dx, ax
        mov di, 100 * 80 + 13
        call .hline
        mov di, 379 * 80 + 13
        call .hline
        mov ax, 0x0005
        out dx, ax
        mov ax, 0x0000
        out dx, ax
        jmp report
.hline: mov cx, 66 - 13 + 1
.h:     mov al, [es:di]
        mov byte [es:di], 0xFF
        inc di
        loop .h
        ret

mode12: db 0xE3
        db 0x03, 0x01, 0x0F, 0x00, 0x06
        db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db 0xEA, 0x0C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
        db 0x01, 0x00, 0x0F, 0x00, 0x00
ega_dac:
        db 0,0,0, 0,0,42, 0,42,0, 0,42,42, 42,0,0, 42,0,42, 42,21,0, 42,42,42
        db 21,21,21, 21,21,63, 21,63,21, 21,63,63, 63,21,21, 63,21,63, 63,63,21, 63,63,63
boot_end
