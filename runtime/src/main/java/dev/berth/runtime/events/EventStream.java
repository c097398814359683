package dev.berth.runtime.events;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.util.Map;

/**
 * docker's events stream over the log: with {@code since}, the kept events from then on, then
 * live ones; with {@code until}, nothing later, and the stream ends once that time has passed
 * (at once for a time in the past); with neither, live events only, until the sink refuses.
 */
public final class EventStream {
    /** How often the log is looked at for new lines while following. */
    static final long POLL_MILLIS = 50;

    /** Where events go: the line as logged (no newline) and its parsed form; false ends the stream. */
    @FunctionalInterface
    public interface Sink {
        boolean accept(String line, Map<String, Object> event) throws IOException;
    }

    private EventStream() {}

    /**
     * Copies matching events to {@code sink} until {@code untilNanos} (0: no end) or until the
     * sink returns false or the thread is interrupted.
     */
    public static void copy(EventLog log, long sinceNanos, long untilNanos, EventFilter filter, Sink sink)
        throws IOException {
        try (EventReader reader = log.reader(sinceNanos > 0 || untilNanos > 0)) {
            for (;;) {
                // looked at before the poll, so that what was logged up to until is read once more
                boolean last = untilNanos > 0 && Timestamps.nowNanos() > untilNanos;
                for (String line : reader.poll()) {
                    Map<String, Object> e;
                    try {
                        e = Json.parseObject(line);
                    } catch (JsonException ex) {
                        continue; // a line torn by a crash or a full disk
                    }
                    long t = e.get("timeNano") instanceof Number n ? n.longValue() : 0;
                    if (sinceNanos > 0 && t < sinceNanos || untilNanos > 0 && t > untilNanos || !filter.matches(e)) {
                        continue;
                    }
                    if (!sink.accept(line, e)) {
                        return;
                    }
                }
                if (last) {
                    return;
                }
                long wait = POLL_MILLIS;
                if (untilNanos > 0) {
                    wait = Math.max(1, Math.min(wait, (untilNanos - Timestamps.nowNanos()) / 1_000_000 + 1));
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
