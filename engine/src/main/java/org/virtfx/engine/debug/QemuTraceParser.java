package org.virtfx.engine.debug;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads register dumps in QEMU's {@code -d cpu} format one record at a time (logs of a boot are gigabytes, so
 * nothing is held in memory). A record starts at the line holding EAX= or RAX=; lines QEMU interleaves (Trace,
 * Servicing hardware INT, check_exception ...) are skipped.
 */
public final class QemuTraceParser implements Iterator<CpuTraceRecord> {
    private static final Pattern REG = Pattern.compile("\\b([A-Z][A-Z0-9]{1,3})\\s?=\\s?([0-9a-fA-F]+)\\b");
    private static final Pattern SEG = Pattern.compile("^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]{8,16}) ([0-9a-f]{8}) ([0-9a-f]{8})");

    private final BufferedReader in;
    private long lineNo;
    private String pending;
    private long ordinal;
    private CpuTraceRecord next;

    public QemuTraceParser(BufferedReader in) {
        this.in = in;
    }

    private String readLine() throws IOException {
        if (pending != null) {
            String l = pending;
            pending = null;
            return l;
        }
        String l = in.readLine();
        if (l != null) {
            lineNo++;
        }
        return l;
    }

    private static boolean startsRecord(String l) {
        return l.startsWith("EAX=") || l.startsWith("RAX=");
    }

    private CpuTraceRecord parse() throws IOException {
        String l;
        do {
            l = readLine();
            if (l == null) {
                return null;
            }
        } while (!startsRecord(l));
        long first = lineNo;
        Map<String, Long> regs = new LinkedHashMap<>();
        while (true) {
            Matcher seg = SEG.matcher(l);
            if (seg.find()) {
                regs.put(seg.group(1), Long.parseUnsignedLong(seg.group(2), 16));
                regs.put(seg.group(1) + ".base", Long.parseUnsignedLong(seg.group(3), 16));
                regs.put(seg.group(1) + ".limit", Long.parseUnsignedLong(seg.group(4), 16));
                regs.put(seg.group(1) + ".flags", Long.parseUnsignedLong(seg.group(5), 16));
            } else if (!l.startsWith("GDT=") && !l.startsWith("IDT=") && !l.startsWith("CCS=")) {
                Matcher m = REG.matcher(l);
                while (m.find()) {
                    regs.put(m.group(1), Long.parseUnsignedLong(m.group(2), 16));
                }
            }
            l = readLine();
            if (l == null) {
                break;
            }
            if (startsRecord(l) || l.startsWith("Trace ") || l.startsWith("Servicing") || l.startsWith("check_exception")) {
                pending = l;
                break;
            }
        }
        return new CpuTraceRecord(ordinal++, first, regs);
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = parse();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return next != null;
    }

    @Override
    public CpuTraceRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        CpuTraceRecord r = next;
        next = null;
        return r;
    }
}
