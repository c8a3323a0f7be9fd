; 1024x768x32 through the Bochs VBE DISPI ports and the 64 KiB bank window at 0xA0000: a red/green gradient
; (blue 0x80) with a white 200x100 box at (412, 334). Same picture as GuestDrawings.vbe1024 /
; src/test/resources/vga/vbe1024x768.png.
%include "vga-common.inc"
boot_start
main:
        mov si, dispi
.reg:   lodsw                       ; index
        cmp ax, 0xFFFF
        je .draw
        mov dx, 0x1CE
        out dx, ax
        lodsw                       ; value
        inc dx
        out dx, ax
        jmp .reg
.draw:  mov ax, 0xA000
        mov es, ax
        xor ebp, ebp                ; y
        mov word [bank], 0xFFFF
.row:   xor esi, esi                ; x
.col:   mov eax, ebp                ; offset = (y * 1024 + x) * 4
        shl eax, 10
        add eax, esi
        shl eax, 2
        mov edi, eax
        shr eax, 16
        cmp ax, [bank]
        je .same
        mov [bank], ax
        mov bx, ax
        mov dx, 0x1CE
        mov ax, 5                   ; BANK
        out dx, ax
        inc dx
        mov ax, bx
        out dx, ax
.same:  and edi, 0xFFFF
        mov ecx, 0xFFFFFF
        cmp esi, 412
        jb .grad
        cmp esi, 612
        jae .grad
        cmp ebp, 334
        jb .grad
        cmp ebp, 434
        jb .put
.grad:  mov eax, esi                ; red = x * 255 / 1023
        imul eax, eax, 255
        xor edx, edx
        mov ebx, 1023
        div ebx
        mov ecx, eax
        shl ecx, 16
        mov eax, ebp                ; green = y * 255 / 767
        imul eax, eax, 255
        xor edx, edx
        mov ebx, 767
        div ebx
        shl eax, 8
        or ecx, eax
        or ecx, 0x80
.put:   mov [es:di], ecx
        inc esi
        cmp esi, 1024
        jb .col
        inc ebp
        cmp ebp, 768
        jb .row
        jmp report

bank:   dw 0
dispi:  dw 0, 0xB0C5                ; ID
        dw 4, 0                     ; ENABLE off while setting the mode
        dw 1, 1024                  ; XRES
        dw 2, 768                   ; YRES
        dw 3, 32                    ; BPP
        dw 4, 0x41                  ; ENABLED | LFB
        dw 0xFFFF
boot_end
