package dev.berth.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * docker top: as dockerd does it, the host's {@code ps} with the caller's options, keeping the
 * rows whose PID is one of the container's processes (those of its cgroup).
 *
 * @param titles the header of ps's output, split on blanks
 * @param processes one row per process, as many columns as titles (the last keeps its blanks)
 */
public record Top(List<String> titles, List<List<String>> processes) {

    static Top of(Engine engine, String ref, List<String> psArgs) throws EngineException {
        Set<Long> pids = Set.copyOf(engine.processes(ref));
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
        String out;
        int status;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            status = p.waitFor();
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot run ps: " + e.getMessage() + "; install procps", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.SystemFailure("interrupted while ps ran", e);
        }
        if (status != 0) {
            throw new EngineException.SystemFailure("ps " + String.join(" ", psArgs) + " failed: " + out.strip(), null);
        }
        String[] lines = out.split("\n");
        List<String> titles = Arrays.asList(lines[0].trim().split("\\s+"));
        int pidCol = titles.indexOf("PID");
        if (pidCol < 0) {
            throw new EngineException.SystemFailure("couldn't find PID field in ps output: give ps options that show it", null);
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", titles.size());
            if (f.length <= pidCol) {
                continue;
            }
            try {
                if (pids.contains(Long.parseLong(f[pidCol]))) {
                    rows.add(Arrays.asList(f));
                }
            } catch (NumberFormatException e) {
                // not a process row
            }
        }
        return new Top(List.copyOf(titles), List.copyOf(rows));
    }
}
