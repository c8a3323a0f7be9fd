; Bare-metal CPU test: real -> protected mode, paging with a page fault, ring 3 through IRET,
; back to ring 0 through an interrupt gate (TSS stack switch) and a call gate.
; Loaded at 0x10000 and entered in real mode at 1000:0000. Prints over port 0x3F8, exits via port 0xF4.
%include "bare-metal.inc"
ENTER_PM32 idtr
    mov esi, msg_pm
    call print
    ; gate and TSS descriptor offsets are patched here: flat binaries cannot split label addresses
    SET_GATE gp_handler, 13
    SET_GATE pf_handler, 14
    SET_GATE int30, 0x30
    mov eax, gate_target
    mov ebx, call_gate
    call patch_gate
    mov eax, tss
    mov [tss_desc + 2], ax
    shr eax, 16
    mov [tss_desc + 4], al
    mov [tss_desc + 7], ah
    ; TSS for the ring 3 -> ring 0 stack switch
    mov dword [tss + 4], 0x9E000
    mov dword [tss + 8], 0x10
    mov ax, 0x28
    ltr ax
    ; page directory at 0x80000: identity 4 MiB via one page table at 0x81000, user accessible
    mov edi, 0x80000
    xor eax, eax
    mov ecx, 2048
    rep stosd
    mov dword [0x80000], 0x81000 | 7
    IDENTITY_PAGE_TABLE 7
    mov dword [0x81000 + 0x200 * 4], 0   ; page 0x200000 not present
    ENABLE_PAGING 0x80010000          ; PG | WP
    mov esi, msg_pg
    call print
    ; touching 0x200000 faults; the handler maps it and returns to retry
    mov dword [0x200010], 0x12345678
    cmp dword [0x200010], 0x12345678
    jne fail
    cmp dword [pf_count], 1
    jne fail
    mov esi, msg_pf
    call print
    ; to ring 3
    push dword 0x23          ; SS
    push dword 0x9D000       ; ESP
    push dword 0x202         ; EFLAGS (IF=1, IOPL 0)
    push dword 0x1B          ; CS
    push dword ring3
    iret
ring3:
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov ax, cs
    and ax, 3
    cmp ax, 3
    jne fail
    int 0x30                 ; DPL 3 interrupt gate -> ring 0 handler
    call 0x30:0              ; call gate to ring 0 (selector 0x33 in GDT slot 6)
    ; an I/O instruction at CPL 3 with IOPL 0 must fault: the #GP handler finishes the test
    mov dx, 0x3F8
    mov al, '!'
expected_out:
    out dx, al
    jmp fail

int30:
    mov eax, [esp + 4]       ; pushed CS
    and eax, 3
    cmp eax, 3
    jne fail
    mov esi, msg_int
    call print
    iret

gate_target:
    mov eax, [esp + 4]
    and eax, 3
    cmp eax, 3
    jne fail
    mov esi, msg_gate
    call print
    retf

gp_handler:
    cmp dword [esp + 4], expected_out
    jne fail
    mov eax, [esp + 8]       ; CS of the faulting code
    and eax, 3
    cmp eax, 3
    jne fail
    mov esi, msg_gp
    call print
    EXIT_WITH 0

pf_handler:
    mov eax, cr2
    cmp eax, 0x200010
    jne fail
    mov eax, [esp]           ; error code: write, supervisor, not present
    cmp eax, 2
    jne fail
    inc dword [pf_count]
    mov dword [0x81000 + 0x200 * 4], 0x300000 | 3
    invlpg [0x200010]
    add esp, 4
    iret

FAIL_ROUTINE

PATCH_GATE_ROUTINE

PRINT_ROUTINE

FLAT_GDT
    dq 0x00CFFA000000FFFF    ; 0x18 ring 3 code
    dq 0x00CFF2000000FFFF    ; 0x20 ring 3 data
tss_desc:
    dw 0x67, 0               ; 0x28 TSS, base patched below (assembled as absolute)
    db 0, 0x89, 0, 0
call_gate:                   ; 0x30 call gate, DPL 3 -> 0x08:gate_target
    dw 0, 0x08
    db 0, 0xEC
    dw 0
GDT_END
idt:
    times 13 dq 0
    dw 0, 0x08
    db 0, 0x8E
    dw 0                      ; 13 #GP
    dw 0, 0x08
    db 0, 0x8E
    dw 0                      ; 14 #PF
    times (0x30 - 15) dq 0
    dw 0, 0x08
    db 0, 0xEE
    dw 0                      ; 0x30, DPL 3
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
pf_count: dd 0
tss: times 0x68 db 0
msg_pm: db "protected mode", 10, 0
msg_pg: db "paging on", 10, 0
msg_pf: db "page fault handled", 10, 0
msg_int: db "int 30 from ring 3", 10, 0
msg_gate: db "call gate from ring 3", 10, 0
msg_gp: db "#GP on OUT at CPL 3", 10, "PASS", 10, 0
