package org.virtfx.engine.vnc;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Finds a vertical scroll between the picture a VNC client has and the current one, so that the session can send it
 * as one CopyRect instead of re-encoding the whole screen (a scrolling text console or fbcon changes every row, but
 * almost all of them only moved).
 *
 * <p>Rows are compared by hash first: every changed row whose hash occurs exactly once in the old picture votes for
 * the shift that would bring it there; the most voted shift is then checked row by row, pixel-exact, and the longest
 * run of matching rows is the band to copy.
 */
final class ScrollDetector {
    /** A band of {@code height} full-width rows at {@code y} that the client can copy from row {@code y + dy}. */
    record Scroll(int y, int height, int dy) {
    }

    private ScrollDetector() {
    }

    /**
     * The best scroll from {@code old} to {@code cur} (both {@code w x h}, row stride {@code w}), or null when no band
     * of at least {@code minRows} moved rows exists.
     */
    static Scroll find(int[] old, int[] cur, int w, int h, int minRows) {
        long[] oldHash = rowHashes(old, w, h);
        long[] curHash = rowHashes(cur, w, h);
        Map<Long, Integer> oldRow = new HashMap<>();
        Set<Long> repeated = new HashSet<>();
        for (int y = 0; y < h; y++) {
            if (oldRow.putIfAbsent(oldHash[y], y) != null) {
                repeated.add(oldHash[y]);
            }
        }
        Map<Integer, Integer> votes = new HashMap<>();
        for (int y = 0; y < h; y++) {
            long hash = curHash[y];
            if (hash == oldHash[y] || repeated.contains(hash)) {
                continue; // unchanged rows and blank/repeated rows say nothing about the shift
            }
            Integer from = oldRow.get(hash);
            if (from != null) {
                votes.merge(from - y, 1, Integer::sum);
            }
        }
        int dy = 0;
        int best = 0;
        for (Map.Entry<Integer, Integer> e : votes.entrySet()) {
            if (e.getValue() > best) {
                best = e.getValue();
                dy = e.getKey();
            }
        }
        if (dy == 0) {
            return null;
        }
        int bestStart = -1;
        int bestLength = 0;
        int runStart = -1;
        int first = Math.max(0, -dy);
        int end = Math.min(h, h - dy);
        for (int y = first; y <= end; y++) {
            boolean match = y < end && curHash[y] == oldHash[y + dy]
                    && Arrays.equals(cur, y * w, (y + 1) * w, old, (y + dy) * w, (y + dy + 1) * w);
            if (match && runStart < 0) {
                runStart = y;
            } else if (!match && runStart >= 0) {
                if (y - runStart > bestLength) {
                    bestLength = y - runStart;
                    bestStart = runStart;
                }
                runStart = -1;
            }
        }
        return bestLength >= minRows ? new Scroll(bestStart, bestLength, dy) : null;
    }

    private static long[] rowHashes(int[] px, int w, int h) {
        long[] out = new long[h];
        for (int y = 0; y < h; y++) {
            long hash = 1125899906842597L;
            for (int i = y * w, e = i + w; i < e; i++) {
                hash = 31 * hash + px[i];
            }
            out[y] = hash;
        }
        return out;
    }
}
