package org.virtfx.engine.cpu;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host CPU's own SSE unit as a test oracle: a small C program with an assembly stub that loads XMM0-7, MM0-1,
 * MXCSR, EFLAGS and five general registers from a record (XMM8-15 and the 64-bit registers too), points RBX (and RDI if asked) at a 64-byte memory operand,
 * calls the given
 * instruction bytes (followed by RET) in an executable page, and writes everything back. SIGFPE (an unmasked SIMD
 * exception), SIGILL and SIGSEGV are caught: the record then carries the signal and the MXCSR at the fault.
 * Instructions without REX behave the same in 64-bit mode as in the emulated 32-bit mode (32-bit register results
 * are compared in their low 32 bits).
 */
final class HostSseOracle implements AutoCloseable {
    /** Record layout shared with the C struct: see {@link #C_SOURCE}. */
    static final int STATE = 512, XMM = 0, MXCSR = 128, GPR = 132, EFLAGS = 156, MM = 160, FAULT = 176, MEM = 192;
    /** XMM8-15, and the upper halves of RAX, RCX, RDX, RBX, RSI, RDI (64-bit mode). */
    static final int XMM_HIGH = 256, GPR_HIGH = 384;
    /** Nonzero: RDI/EDI points at the memory operand too (MASKMOVDQU/MASKMOVQ); EDI is then not compared. */
    static final int RDI_IS_MEM = 180;
    static final int CODE = 16;

    private static final String C_SOURCE = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stdint.h>
            #include <string.h>
            #include <signal.h>
            #include <setjmp.h>
            #include <sys/mman.h>
            #include <ucontext.h>
            struct state {
                uint8_t xmm[128]; uint32_t mxcsr; uint32_t gpr[6]; uint32_t eflags; uint64_t mm[2];
                uint32_t fault; uint32_t pad[3]; uint8_t mem[64]; uint8_t xmm_high[128]; uint32_t gpr_high[6];
                uint32_t pad2[26];
            } __attribute__((aligned(16)));
            extern void run_case(struct state *s, void *code);
            static sigjmp_buf env;
            static volatile int sig;
            static volatile uint32_t fault_mxcsr;
            static void handler(int s, siginfo_t *si, void *ctx) {
                ucontext_t *uc = ctx;
                sig = s;
                fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
                siglongjmp(env, 1);
            }
            int main(void) {
                unsigned char *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                struct sigaction sa;
                memset(&sa, 0, sizeof sa);
                sa.sa_sigaction = handler;
                sa.sa_flags = SA_SIGINFO | SA_NODEFER;
                sigaction(SIGFPE, &sa, 0);
                sigaction(SIGILL, &sa, 0);
                sigaction(SIGSEGV, &sa, 0);
                sigaction(SIGBUS, &sa, 0);
                static unsigned char in[16];
                static struct state st;
                setvbuf(stdout, 0, _IOFBF, 1 << 16);
                while (fread(in, 1, 16, stdin) == 16 && fread(&st, 1, sizeof st, stdin) == sizeof st) {
                    memcpy(code, in + 1, in[0]);
                    code[in[0]] = 0xC3;
                    sig = 0;
                    if (sigsetjmp(env, 1) == 0) {
                        run_case(&st, code);
                        st.fault = 0;
                    } else {
                        st.fault = sig;
                        st.mxcsr = fault_mxcsr;
                    }
                    fwrite(&st, 1, sizeof st, stdout);
                    fflush(stdout);
                }
                return 0;
            }
            """;

    /** The general registers of the record, in its order; EBX's slot is not loaded (RBX points at the memory operand). */
    private static final String[] GPR_NAMES = {"ax", "cx", "dx", null, "si", "di"};

    /**
     * The assembly stub {@code run_case(state, code)}: loads the record into the registers, calls the code, stores
     * the registers back. Generated so that every register is loaded and stored by the same lines.
     */
    private static final String STUB = stub();

    private static String stub() {
        StringBuilder s = new StringBuilder("""
                    .text
                    .globl run_case
                run_case:
                    push %rbx
                    push %rbp
                    push %r12
                    push %r13
                    push %r14
                    push %r15
                    mov %rdi, %r12
                    mov %rsi, %r13
                """);
        for (int i = 0; i < 16; i++) {
            s.append("    movdqu ").append(xmmOffset(i)).append("(%r12), %xmm").append(i).append('\n');
        }
        s.append("""
                    movq 160(%r12), %mm0
                    movq 168(%r12), %mm1
                    ldmxcsr 128(%r12)
                    lea 192(%r12), %rbx
                """);
        for (int i = 0; i < GPR_NAMES.length; i++) {
            if (GPR_NAMES[i] != null) {
                // the low half zero-extends, the high half is or-ed in through R15
                s.append("    mov ").append(GPR + 4 * i).append("(%r12), %e").append(GPR_NAMES[i]).append('\n')
                        .append("    movl ").append(GPR_HIGH + 4 * i).append("(%r12), %r15d\n")
                        .append("    shl $32, %r15\n")
                        .append("    or %r15, %r").append(GPR_NAMES[i]).append('\n');
            }
        }
        s.append("""
                    cmpl $0, 180(%r12)
                    je 1f
                    mov %rbx, %rdi
                1:
                    movl 156(%r12), %r14d
                    push %r14
                    popfq
                    call *%r13
                    pushfq
                    pop %r14
                    movl %r14d, 156(%r12)
                """);
        for (int i = 0; i < GPR_NAMES.length; i++) {
            if (GPR_NAMES[i] != null) {
                s.append("    mov %e").append(GPR_NAMES[i]).append(", ").append(GPR + 4 * i).append("(%r12)\n")
                        .append("    mov %r").append(GPR_NAMES[i]).append(", %r15\n")
                        .append("    shr $32, %r15\n")
                        .append("    movl %r15d, ").append(GPR_HIGH + 4 * i).append("(%r12)\n");
            }
        }
        s.append("    stmxcsr 128(%r12)\n");
        for (int i = 0; i < 16; i++) {
            s.append("    movdqu %xmm").append(i).append(", ").append(xmmOffset(i)).append("(%r12)\n");
        }
        s.append("""
                    movq %mm0, 160(%r12)
                    movq %mm1, 168(%r12)
                    emms
                    pop %r15
                    pop %r14
                    pop %r13
                    pop %r12
                    pop %rbp
                    pop %rbx
                    ret
                    .section .note.GNU-stack,"",@progbits
                """);
        return s.toString();
    }

    /** Where XMM{@code i} is in the record. */
    private static int xmmOffset(int i) {
        return i < 8 ? XMM + 16 * i : XMM_HIGH + 16 * (i - 8);
    }

    private final Process process;
    private final OutputStream toHost;
    private final DataInputStream fromHost;

    /** Whether the host can serve: x86-64 Linux with gcc and SSE4.2. */
    static boolean available() {
        return HostGcc.cpuinfoContains(" sse4_2") && HostGcc.onX86Linux();
    }

    HostSseOracle(Path dir) throws IOException, InterruptedException {
        Path c = dir.resolve("sse-oracle.c");
        Path s = dir.resolve("sse-stub.S");
        Path exe = dir.resolve("sse-oracle");
        Files.writeString(c, C_SOURCE);
        Files.writeString(s, STUB);
        HostGcc.compile(exe, List.of(), c, s);
        process = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        toHost = process.getOutputStream();
        fromHost = new DataInputStream(process.getInputStream());
    }

    /** Runs one instruction: {@code code} (up to 15 bytes) on the state; returns the state afterwards. */
    byte[] run(byte[] code, byte[] state) throws IOException {
        byte[] rec = new byte[CODE + STATE];
        rec[0] = (byte) code.length;
        System.arraycopy(code, 0, rec, 1, code.length);
        System.arraycopy(state, 0, rec, CODE, STATE);
        toHost.write(rec);
        toHost.flush();
        byte[] out = new byte[STATE];
        fromHost.readFully(out);
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        toHost.close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
