; Bare-metal CPU test: exceptions (#DE, #UD, #BR with handlers that skip the instruction), a hardware task
; switch through a TSS descriptor (CALL) and back (IRET with NT), and virtual-8086 mode (INT to a protected-mode
; handler and IRET back, HLT raising #GP). Loaded at 0x10000, entered at 1000:0000; serial 0x3F8, exit port 0xF4.
%include "bare-metal.inc"
ENTER_PM32 idtr
    SET_GATE de_handler, 0
    SET_GATE br_handler, 5
    SET_GATE ud_handler, 6
    SET_GATE gp_handler, 13
    SET_GATE int31, 0x31
    mov byte [idt + 0x31 * 8 + 5], 0xEE   ; DPL 3: reachable by INT from v86 mode
    mov eax, tss_a
    mov ebx, tss_a_desc
    call patch_base
    mov eax, tss_b
    mov ebx, tss_b_desc
    call patch_base
    mov dword [tss_a + 4], 0x9E000
    mov dword [tss_a + 8], 0x10
    mov ax, 0x18
    ltr ax
    ; exceptions
    xor edx, edx
    xor ecx, ecx
    mov eax, 5
    div ecx                  ; #DE: handler skips the 2-byte DIV
    ud2                      ; #UD: handler skips 2 bytes
    mov eax, 7
    bound eax, [bounds]      ; #BR: 7 is outside [0, 3]; handler skips the 6-byte BOUND
    cmp dword [exceptions], 3
    jne fail
    mov esi, msg_exc
    call print
    ; task switch: task B starts at task_b with its own stack
    mov dword [tss_b + 0x20], task_b      ; EIP
    mov dword [tss_b + 0x24], 0x2         ; EFLAGS
    mov dword [tss_b + 0x38], 0x9C000     ; ESP
    mov dword [tss_b + 0x4C], 0x08        ; CS
    mov dword [tss_b + 0x50], 0x10        ; SS
    mov dword [tss_b + 0x54], 0x10        ; DS
    mov dword [tss_b + 0x48], 0x10        ; ES
    mov ebx, 0x1234
    call 0x20:0
    cmp ebx, 0x1234          ; our registers came back from TSS A
    jne fail
    cmp dword [task_b_ran], 1
    jne fail
    str ax
    cmp ax, 0x18
    jne fail
    mov esi, msg_task
    call print
    ; virtual-8086 mode: IRET with VM=1, IOPL=3
    push dword 0             ; GS
    push dword 0             ; FS
    push dword 0x1000        ; DS
    push dword 0x1000        ; ES
    push dword 0x9000        ; SS
    push dword 0xFF00        ; SP
    push dword 0x23002       ; EFLAGS: VM, IOPL 3
    push dword 0x1000        ; CS
    push dword v86code - 0x10000
    iret

task_b:
    mov dword [task_b_ran], 1
    mov ebx, 0xBBBB
    pushfd
    pop eax
    test eax, 0x4000         ; NT set by the CALL
    jz fail
    iret                     ; back to task A through the back link

de_handler:
    inc dword [exceptions]
    add dword [esp], 2
    iret
ud_handler:
    inc dword [exceptions]
    add dword [esp], 2
    iret
br_handler:
    inc dword [exceptions]
    add dword [esp], 6
    iret

int31:                       ; from v86: frame holds EIP CS EFLAGS ESP SS ES DS FS GS
    test dword [esp + 8], 0x20000
    jz fail
    cmp dword [esp + 4], 0x1000
    jne fail
    mov ax, 0x10             ; data segments are null on entry from v86 mode
    mov ds, ax
    inc dword [v86_ints]
    iret                     ; back to v86 mode (segments come from the frame)

gp_handler:                  ; the HLT in v86 mode ends here
    test dword [esp + 12], 0x20000
    jz fail
    mov ax, 0x10
    mov ds, ax
    cmp dword [v86_ints], 1
    jne fail
    mov esi, msg_v86
    call print
    EXIT_WITH 0

FAIL_ROUTINE 0x10

PATCH_GATE_ROUTINE

patch_base:                  ; EAX = base, EBX = descriptor address
    mov [ebx + 2], ax
    shr eax, 16
    mov [ebx + 4], al
    mov [ebx + 7], ah
    ret

PRINT_ROUTINE

bits 16
v86code:
    mov ax, cs
    cmp ax, 0x1000
    jne v86_fail
    int 0x31
    mov ax, ss
    cmp ax, 0x9000
    jne v86_fail
    hlt                      ; privileged at CPL 3: #GP to the protected-mode handler
v86_fail:
    int 0x32                 ; no gate: #GP too, but v86_ints stays 0 so the handler fails
bits 32

FLAT_GDT
tss_a_desc:
    dw 0x67, 0               ; 0x18 TSS A
    db 0, 0x89, 0, 0
tss_b_desc:
    dw 0x67, 0               ; 0x20 TSS B
    db 0, 0x89, 0, 0
GDT_END
idt:
    times 0x32 dq 0x00008E0000080000
idt_end:
idtr:
    dw idt_end - idt - 1
    dd idt
bounds: dd 0, 3
exceptions: dd 0
task_b_ran: dd 0
v86_ints: dd 0
tss_a: times 0x68 db 0
tss_b: times 0x68 db 0
msg_exc: db "#DE #UD #BR handled", 10, 0
msg_task: db "task switch and back", 10, 0
msg_v86: db "v86 int and #GP", 10, "PASS", 10, 0
