package io.kaudit.report;

import io.kaudit.engine.Alert;
import io.kaudit.engine.EventObserver;
import io.kaudit.engine.RunStats;
import io.kaudit.event.Location;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Several sinks as one (stdout or -o, webhooks, the live UI, an alerts topic), each told everything in the same order. */
public final class Tee implements Sink {
    private final List<Sink> sinks;

    private Tee(List<Sink> sinks) {
        this.sinks = sinks;
    }

    /** {@code sinks} as one sink; the only one itself when there is one. */
    public static Sink of(List<? extends Sink> sinks) {
        return sinks.size() == 1 ? sinks.get(0) : new Tee(List.copyOf(sinks));
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        for (Sink s : sinks) {
            s.begin(rules);
        }
    }

    @Override
    public void alert(Alert alert) {
        for (Sink s : sinks) {
            s.alert(alert);
        }
    }

    @Override
    public void malformed(Location where, String reason) {
        for (Sink s : sinks) {
            s.malformed(where, reason);
        }
    }

    @Override
    public EventObserver newObserver() {
        List<EventObserver> observers = new ArrayList<>();
        for (Sink s : sinks) {
            EventObserver o = s.newObserver();
            if (o != null) {
                observers.add(o);
            }
        }
        if (observers.size() <= 1) {
            return observers.isEmpty() ? null : observers.get(0);
        }
        // an array and a plain loop: no lambda captured per event, no list iteration on the hot path
        EventObserver[] all = observers.toArray(new EventObserver[0]);
        return e -> {
            for (EventObserver o : all) {
                o.event(e);
            }
        };
    }

    @Override
    public void finish(RunStats stats) throws IOException {
        for (Sink s : sinks) {
            s.finish(stats);
        }
    }
}
