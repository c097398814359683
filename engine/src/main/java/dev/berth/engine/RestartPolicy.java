package dev.berth.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * docker's restart policy ({@code --restart}, {@code HostConfig.RestartPolicy}): {@code no},
 * {@code on-failure[:N]} (a nonzero exit, at most N times when N is given), {@code always},
 * {@code unless-stopped}. A stop or kill through berth or docker suppresses it until the next
 * start; see {@link Restarts} for who restarts and when.
 */
public record RestartPolicy(String name, int maximumRetryCount) {
    public static final RestartPolicy NO = new RestartPolicy("no", 0);

    /** {@code no}, {@code on-failure}, {@code on-failure:3}, {@code always}, {@code unless-stopped}. */
    public static RestartPolicy parse(String spec) throws EngineException {
        if (spec == null || spec.isEmpty() || spec.equals("no")) {
            return NO;
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        int max = 0;
        if (colon >= 0) {
            try {
                max = Integer.parseInt(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new EngineException.InvalidArgument("invalid restart policy \"" + spec
                    + "\": the maximum retry count must be a whole number, as in on-failure:3");
            }
        }
        return of(name, max);
    }

    /** The API's form: a name (empty is {@code no}) and MaximumRetryCount. */
    public static RestartPolicy of(String name, int max) throws EngineException {
        if (name == null || name.isEmpty() || name.equals("no")) {
            if (max != 0) {
                throw new EngineException.InvalidArgument("invalid restart policy: maximum retry count can only be"
                    + " used with 'on-failure'");
            }
            return NO;
        }
        switch (name) {
            case "always", "unless-stopped":
                if (max != 0) {
                    throw new EngineException.InvalidArgument("invalid restart policy: maximum retry count can only"
                        + " be used with 'on-failure'");
                }
                return new RestartPolicy(name, 0);
            case "on-failure":
                if (max < 0) {
                    throw new EngineException.InvalidArgument("invalid restart policy: maximum retry count cannot be"
                        + " negative");
                }
                return new RestartPolicy(name, max);
            default:
                throw new EngineException.InvalidArgument("invalid restart policy \"" + name
                    + "\": use no, on-failure[:N], always or unless-stopped");
        }
    }

    /** From a state's {@code HostConfig}; {@link #NO} when it has none. */
    static RestartPolicy of(Map<String, Object> state) {
        Map<String, Object> host = dev.berth.runtime.json.Json.map(state, "HostConfig");
        return fromJson(host == null ? null : dev.berth.runtime.json.Json.map(host, "RestartPolicy"));
    }

    /** From {@link #toJson}'s shape; {@link #NO} for null. */
    static RestartPolicy fromJson(Map<String, Object> p) {
        if (p == null) {
            return NO;
        }
        try {
            return of(p.get("Name") instanceof String s ? s : "", (int) Inspect.num(p.get("MaximumRetryCount")));
        } catch (EngineException e) {
            return NO; // a hand-edited state: no restarts rather than a guess
        }
    }

    public boolean isNo() {
        return name.equals("no");
    }

    /** docker's inspect shape: {@code {"Name": "on-failure", "MaximumRetryCount": 2}}. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", name);
        m.put("MaximumRetryCount", maximumRetryCount);
        return m;
    }

    /**
     * docker's rule (its restart manager): always; unless-stopped unless stopped by hand;
     * on-failure after a nonzero exit while fewer than the maximum restarts were made.
     */
    boolean shouldRestart(int exitCode, boolean manuallyStopped, int restartCount) {
        if (manuallyStopped) {
            return false;
        }
        return switch (name) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> exitCode != 0 && (maximumRetryCount == 0 || restartCount < maximumRetryCount);
            default -> false;
        };
    }

    /**
     * At a daemon's start, docker forgets who stopped what by hand except for unless-stopped:
     * always comes back, and on-failure after a nonzero exit (a stop's SIGTERM is one).
     */
    boolean restartsAtBoot(int exitCode, boolean manuallyStopped, int restartCount) {
        return switch (name) {
            case "always" -> true;
            case "unless-stopped" -> !manuallyStopped;
            case "on-failure" -> shouldRestart(exitCode, false, restartCount);
            default -> false;
        };
    }

    @Override
    public String toString() {
        return name.equals("on-failure") && maximumRetryCount > 0 ? name + ":" + maximumRetryCount : name;
    }
}
