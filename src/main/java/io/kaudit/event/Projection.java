package io.kaudit.event;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which parts of an event to decode: a trie of object keys. A node marked {@code whole} keeps its
 * subtree entire; keys absent from the trie are skipped by the parser without building anything.
 * The trie applies through arrays unchanged (a key below an array node names a key of its
 * elements), which is how Falco's list fields walk {@code spec.containers[*].image}.
 */
public final class Projection {
    /** Keep everything. */
    public static final Projection ALL = new Projection(true);

    private boolean whole;
    private final Map<String, Projection> children = new HashMap<>();
    /** The children as UTF-8 key bytes, for matching keys in place without making Strings. */
    private volatile Index index;

    /** Children by key length, then by their first eight bytes as one long (few keys share a length). */
    private record Index(int[][] byLength, byte[][] keys, long[] heads, String[] names, Projection[] nodes) {
    }

    public Projection() {
        this(false);
    }

    private Projection(boolean whole) {
        this.whole = whole;
    }

    public boolean whole() {
        return whole;
    }

    /** The node for {@code key}, {@link #ALL} under a whole node, or null to skip that key. */
    public Projection child(String key) {
        return whole ? ALL : children.get(key);
    }

    /** Keeps the subtree at {@code path} (an empty path keeps everything). */
    public Projection add(List<String> path) {
        index = null;
        if (whole) {
            return this;
        }
        if (path.isEmpty()) {
            whole = true;
            children.clear();
            return this;
        }
        String head = path.get(0);
        List<String> rest = path.subList(1, path.size());
        children.computeIfAbsent(head, k -> new Projection()).add(rest);
        // A numeric segment may index an array; since the trie applies to array elements
        // unchanged, also keep the path without it (a superset is always safe).
        if (isIndex(head)) {
            add(rest);
        }
        return this;
    }

    /**
     * The position of the child whose key equals the bytes {@code [from, to)}, or -1. Keys with
     * escapes never match here: callers decode those and use {@link #child(String)}.
     */
    public int find(byte[] b, int from, int to) {
        Index ix = index;
        if (ix == null) {
            ix = buildIndex();
        }
        int len = to - from;
        if (len >= ix.byLength.length) {
            return -1;
        }
        int[] sameLength = ix.byLength[len];
        if (sameLength.length == 0) {
            return -1;
        }
        long head = Bytes.head(b, from, len);
        for (int i : sameLength) {
            if (ix.heads[i] == head && (len <= 8 || Arrays.equals(ix.keys[i], 8, len, b, from + 8, to))) {
                return i;
            }
        }
        return -1;
    }

    public Projection childAt(int i) {
        return index.nodes[i];
    }

    /** The key String itself, shared by every event (no allocation per key). */
    public String keyAt(int i) {
        return index.names[i];
    }

    private synchronized Index buildIndex() {
        if (index == null) {
            int n = children.size();
            byte[][] keys = new byte[n][];
            String[] names = new String[n];
            Projection[] nodes = new Projection[n];
            int i = 0;
            for (Map.Entry<String, Projection> e : children.entrySet()) {
                keys[i] = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                names[i] = e.getKey().intern();   // the same instance as a literal naming the key
                nodes[i] = e.getValue();
                i++;
            }
            int longest = 0;
            for (byte[] k : keys) {
                longest = Math.max(longest, k.length);
            }
            int[][] byLength = new int[longest + 1][];
            for (int len = 0; len <= longest; len++) {
                int count = 0;
                for (byte[] k : keys) {
                    count += k.length == len ? 1 : 0;
                }
                byLength[len] = new int[count];
                count = 0;
                for (int k = 0; k < n; k++) {
                    if (keys[k].length == len) {
                        byLength[len][count++] = k;
                    }
                }
            }
            long[] heads = new long[n];
            for (int k = 0; k < n; k++) {
                heads[k] = Bytes.head(keys[k], 0, keys[k].length);
            }
            index = new Index(byLength, keys, heads, names, nodes);
        }
        return index;
    }

    /**
     * Makes {@code key} lead to {@code target} as it is, sharing it (and allowing cycles, for
     * envelopes that nest). Call only while building.
     */
    public Projection link(String key, Projection target) {
        if (!whole) {
            children.put(key, target);
            index = null;
        }
        return this;
    }

    /** Adds everything {@code other} keeps. */
    public Projection merge(Projection other) {
        index = null;
        if (other.whole) {
            whole = true;
            children.clear();
        } else if (!whole) {
            other.children.forEach((k, v) -> children.computeIfAbsent(k, x -> new Projection()).merge(v));
        }
        return this;
    }

    private static boolean isIndex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return whole ? "*" : children.toString();
    }
}
