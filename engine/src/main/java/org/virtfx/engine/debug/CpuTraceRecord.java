package org.virtfx.engine.debug;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The register state before one instruction, as QEMU's {@code -d cpu} prints it (and as VirtFX's own trace writer
 * prints it, in the same format, so both sides parse alike). Values are keyed by QEMU's names: EAX..EDI / RAX..R15,
 * EIP/RIP, EFL, the segment selectors ("CS") with their bases ("CS.base"), CR0, CR2, CR3, CR4, EFER.
 *
 * @param ordinal position in its trace (0 = first instruction)
 * @param line    line number of the record's first line in the log, for messages
 */
public record CpuTraceRecord(long ordinal, long line, Map<String, Long> registers) {
    public CpuTraceRecord {
        registers = new LinkedHashMap<>(registers);
    }

    /** The linear address of the instruction: CS base + EIP/RIP. */
    public long linearPc() {
        long ip = registers.getOrDefault("RIP", registers.getOrDefault("EIP", 0L));
        return registers.getOrDefault("CS.base", 0L) + ip;
    }
}
