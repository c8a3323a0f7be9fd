package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UartTest {
    private static final int COM1 = 0x3F8;
    private TestContext ctx;
    private Uart16550 uart;
    private final List<Boolean> irq = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        ctx.serial[0].addListener(out::write);
        uart = new Uart16550(ctx, 0, irq::add);
    }

    private boolean irqHigh() {
        return !irq.isEmpty() && irq.get(irq.size() - 1);
    }

    @Test
    void transmitsToTheHubAndReportsThrEmpty() {
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            assertEquals(0x60, uart.ioRead(COM1 + 5, 1) & 0x60);
            uart.ioWrite(COM1, 1, b);
        }
        assertEquals("hi\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void divisorLatchAndScratch() {
        uart.ioWrite(COM1 + 3, 1, 0x80);
        uart.ioWrite(COM1, 1, 0x01);
        uart.ioWrite(COM1 + 1, 1, 0x00);
        uart.ioWrite(COM1 + 3, 1, 0x03);
        assertEquals(115200, uart.baudRate());
        assertEquals(0x03, uart.ioRead(COM1 + 3, 1));
        uart.ioWrite(COM1 + 7, 1, 0xA5);
        assertEquals(0xA5, uart.ioRead(COM1 + 7, 1));
        assertEquals("", out.toString(StandardCharsets.US_ASCII), "DLAB writes do not transmit");
    }

    @Test
    void hostInputRaisesReceiveInterruptThroughOut2() {
        uart.ioWrite(COM1 + 1, 1, 0x01);   // RX data interrupt
        ctx.serial[0].sendInput(new byte[] {'x'});
        assertEquals(0x01, uart.ioRead(COM1 + 5, 1) & 0x01);
        assertEquals(false, irqHigh(), "OUT2 clear: the PC's IRQ gate is closed");
        uart.ioWrite(COM1 + 4, 1, 0x0B);   // DTR, RTS, OUT2
        assertEquals(true, irqHigh());
        assertEquals(0x04, uart.ioRead(COM1 + 2, 1) & 0x0F);
        assertEquals('x', uart.ioRead(COM1, 1));
        assertEquals(false, irqHigh());
        assertEquals(0x01, uart.ioRead(COM1 + 2, 1) & 0x0F);
    }

    @Test
    void longHostInputIsNotLostBeyondTheFifo() {
        uart.ioWrite(COM1 + 2, 1, 0xC7);   // FIFO on, trigger 14
        byte[] text = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
        ctx.serial[0].sendInput(text);
        StringBuilder got = new StringBuilder();
        while ((uart.ioRead(COM1 + 5, 1) & 1) != 0) {
            got.append((char) uart.ioRead(COM1, 1));
        }
        assertEquals(new String(text, StandardCharsets.US_ASCII), got.toString());
        assertEquals(0xC0, uart.ioRead(COM1 + 2, 1) & 0xC0, "FIFO enabled bits in IIR");
    }

    @Test
    void thrEmptyInterruptClearedByIirRead() {
        uart.ioWrite(COM1 + 4, 1, 0x08);
        uart.ioWrite(COM1 + 1, 1, 0x02);
        assertEquals(true, irqHigh());
        assertEquals(0x02, uart.ioRead(COM1 + 2, 1) & 0x0F);
        assertEquals(false, irqHigh());
        uart.ioWrite(COM1, 1, 'a');
        assertEquals(true, irqHigh(), "the byte left: THR empty again");
    }

    @Test
    void loopbackWrapsDataAndModemLines() {
        uart.ioWrite(COM1 + 4, 1, 0x10 | 0x01);   // loop, DTR
        uart.ioWrite(COM1, 1, 0x55);
        assertEquals("", out.toString(StandardCharsets.US_ASCII));
        assertEquals(0x55, uart.ioRead(COM1, 1));
        assertEquals(0x20, uart.ioRead(COM1 + 6, 1) & 0xF0, "DSR follows DTR");
        uart.ioWrite(COM1 + 4, 1, 0x10 | 0x02 | 0x08);
        int msr = uart.ioRead(COM1 + 6, 1);
        assertEquals(0x90, msr & 0xF0, "CTS follows RTS, DCD follows OUT2");
        assertEquals(0x0B, msr & 0x0F, "delta CTS, delta DSR and delta DCD");
    }

    @Test
    void overrunInLoopbackWithoutFifo() {
        uart.ioWrite(COM1 + 4, 1, 0x10);
        uart.ioWrite(COM1, 1, 1);
        uart.ioWrite(COM1, 1, 2);
        assertEquals(0x02, uart.ioRead(COM1 + 5, 1) & 0x02);
        assertEquals(0x00, uart.ioRead(COM1 + 5, 1) & 0x02, "LSR read clears errors");
    }

    @Test
    void stateRoundTrip() throws Exception {
        uart.ioWrite(COM1 + 2, 1, 0x01);
        uart.ioWrite(COM1 + 1, 1, 0x05);
        uart.ioWrite(COM1 + 3, 1, 0x1B);
        ctx.serial[0].sendInput("abcdefghijklmnopqrstu".getBytes(StandardCharsets.US_ASCII));
        byte[] saved = StateRoundTrip.save(uart);
        TestContext other = new TestContext();
        Uart16550 copy = new Uart16550(other, 0, l -> { });
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        while ((uart.ioRead(COM1 + 5, 1) & 1) != 0) {
            a.append((char) uart.ioRead(COM1, 1));
        }
        while ((copy.ioRead(COM1 + 5, 1) & 1) != 0) {
            b.append((char) copy.ioRead(COM1, 1));
        }
        assertEquals(a.toString(), b.toString());
        assertEquals(21, b.length());
    }
}
