package io.kaudit.engine;

import io.kaudit.rule.Rule;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the first alert of a {@link Rule#oncePerRequest()} rule for each request (auditID) and drops
 * the same rule's later alerts for that request: an exec logged at ResponseStarted and again at
 * ResponseComplete alerts once, whichever stages the audit policy kept. Alerts of other rules, and
 * alerts without an auditID, always pass. Memory is bounded: the requests remembered are the most
 * recent {@code capacity} (least recently seen forgotten first). Thread-safe; call it where alerts
 * leave in input order, so the earliest stage is the one kept.
 */
public final class OncePerRequest {
    /** Requests remembered per run: far more than the exec sessions open at once on a busy cluster. */
    public static final int DEFAULT_CAPACITY = 65_536;

    private final Set<String> rules = new HashSet<>();
    private final Map<String, Boolean> seen;

    public OncePerRequest(Collection<Rule> active, int capacity) {
        for (Rule r : active) {
            if (r.oncePerRequest()) {
                rules.add(r.name());
            }
        }
        int cap = Math.max(1, capacity);
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > cap;
            }
        };
    }

    /** True if {@code a} should go out; false if its rule already alerted on this request. */
    public boolean admit(Alert a) {
        if (rules.isEmpty() || a.auditId() == null || a.auditId().isEmpty() || !rules.contains(a.rule())) {
            return true;
        }
        String key = a.rule() + '\n' + a.auditId();
        synchronized (seen) {
            return seen.put(key, Boolean.TRUE) == null;
        }
    }

    /** How many requests are remembered (at most the capacity). */
    public int size() {
        synchronized (seen) {
            return seen.size();
        }
    }
}
