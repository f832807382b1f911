package io.kaudit.event;

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
     * Makes {@code key} lead to {@code target} as it is, sharing it (and allowing cycles, for
     * envelopes that nest). Call only while building.
     */
    public Projection link(String key, Projection target) {
        if (!whole) {
            children.put(key, target);
        }
        return this;
    }

    /** Adds everything {@code other} keeps. */
    public Projection merge(Projection other) {
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
