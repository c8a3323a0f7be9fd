package org.virtfx.engine.machine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the guest's output on one of the extra serial ports goes: COM2..COM4 appended to a host log file. COM1 is not
 * listed here: it is the console that `virtfx run` and the VM window's Serial tab attach themselves.
 *
 * @param port    2, 3 or 4 (COM2 at 0x2F8, COM3 at 0x3E8, COM4 at 0x2E8)
 * @param logFile the file the guest's bytes are appended to (created when missing)
 */
public record SerialOutput(int port, Path logFile) {
    public SerialOutput {
        if (port < 2 || port > 4) {
            throw new IllegalArgumentException("serial output port must be COM2, COM3 or COM4 (2-4), got " + port);
        }
        Objects.requireNonNull(logFile, "logFile");
    }
}
