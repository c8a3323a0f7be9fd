; Multiboot v1 ELF32 test kernel (loaded by program headers): stores a marker and halts.
bits 32
section .text
global start
    align 4
    dd 0x1BADB002
    dd 0x00000003
    dd -(0x1BADB002 + 0x00000003)
start:
    mov dword [marker], 0xC0FFEE
.halt:
    hlt
    jmp .halt
section .data
marker: dd 0x12345678
