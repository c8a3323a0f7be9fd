package org.virtfx.engine.boot;

import java.io.IOException;

/** A file given as a kernel, initrd, firmware or disk image is not what it should be; the message names it. */
public class BadImageException extends IOException {
    public BadImageException(String message) {
        super(message);
    }

    public BadImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
