package dev.berth.runtime.oci;

import static dev.berth.runtime.oci.OciValidator.quote;

import java.util.List;

/**
 * The checks of a process on its own, shared by config.json's {@code process} and the
 * process.json of {@code exec}: what can be judged without knowing the container's namespaces.
 */
final class ProcessChecks {
    private final OciValidator v;
    private final OciParser p;

    ProcessChecks(OciValidator validator) {
        this.v = validator;
        this.p = validator.p;
    }

    /** @param at the prefix of the member paths: "process." in config.json, "" in process.json */
    void process(OciProcess proc, String at) throws OciSpecException {
        if (proc.args().isEmpty()) {
            throw p.error(at + "args", "is empty (name the program to run)");
        }
        v.noNul(proc.args(), at + "args");
        if (proc.cwd().isEmpty()) {
            throw p.error(at + "cwd", "is missing (use an absolute path such as \"/\")");
        }
        v.absolute(proc.cwd(), at + "cwd");
        v.nul(proc.cwd(), at + "cwd");
        for (int i = 0; i < proc.env().size(); i++) {
            String e = proc.env().get(i);
            if (e.indexOf('=') <= 0) {
                throw p.error(at + "env[" + i + "]", quote(e) + " is not of the form NAME=value");
            }
        }
        v.noNul(proc.env(), at + "env");
        OciProcess.Capabilities c = proc.capabilities();
        if (c != null) {
            capabilities(c.bounding(), at + "capabilities.bounding");
            capabilities(c.effective(), at + "capabilities.effective");
            capabilities(c.inheritable(), at + "capabilities.inheritable");
            capabilities(c.permitted(), at + "capabilities.permitted");
            capabilities(c.ambient(), at + "capabilities.ambient");
        }
        rlimits(proc.rlimits(), at + "rlimits");
        OciProcess.IoPriority io = proc.ioPriority();
        if (io != null) {
            if (OciNames.ioprioClass(io.ioClass()) < 0) {
                throw p.error(at + "ioPriority.class", quote(io.ioClass())
                    + " is not an I/O priority class (use " + String.join(", ", OciNames.IOPRIO_CLASSES) + ")");
            }
            if (io.priority() < 0 || io.priority() > 7) {
                throw p.error(at + "ioPriority.priority", io.priority() + " is out of range (use 0 to 7)");
            }
        }
        if (proc.scheduler() != null) {
            scheduler(proc.scheduler(), at + "scheduler.");
        }
        OciProcess.CpuAffinity a = proc.execCPUAffinity();
        if (a != null) {
            cpuList(a.initial(), at + "execCPUAffinity.initial");
            cpuList(a.finalCpus(), at + "execCPUAffinity.final");
        }
    }

    private void capabilities(List<String> names, String at) throws OciSpecException {
        for (int i = 0; i < names.size(); i++) {
            if (OciNames.capability(names.get(i)) < 0) {
                throw p.error(at + "[" + i + "]", quote(names.get(i))
                    + " is not a capability (berth-runtime features lists the ones it knows)");
            }
        }
    }

    private void rlimits(List<OciProcess.Rlimit> rlimits, String at) throws OciSpecException {
        for (int i = 0; i < rlimits.size(); i++) {
            OciProcess.Rlimit r = rlimits.get(i);
            String here = at + "[" + i + "]";
            if (r.resource() < 0) {
                throw p.error(here + ".type", quote(r.type()) + " is not a resource limit (use "
                    + String.join(", ", OciNames.RLIMITS) + ")");
            }
            for (int j = 0; j < i; j++) {
                if (rlimits.get(j).type().equals(r.type())) {
                    throw p.error(here + ".type", quote(r.type()) + " is given twice");
                }
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw p.error(here + ".soft", Long.toUnsignedString(r.soft()) + " is above the hard limit "
                    + Long.toUnsignedString(r.hard()));
            }
        }
    }

    private void scheduler(OciProcess.Scheduler s, String at) throws OciSpecException {
        int policy = OciNames.schedPolicy(s.policy());
        if (policy < 0) {
            throw p.error(at + "policy", quote(s.policy()) + " is not a scheduling policy (use "
                + String.join(", ", OciNames.SCHED_POLICIES) + ")");
        }
        if (s.nice() < -20 || s.nice() > 19) {
            throw p.error(at + "nice", s.nice() + " is out of range (use -20 to 19)");
        }
        if (s.priority() != 0 && !s.policy().equals("SCHED_FIFO") && !s.policy().equals("SCHED_RR")) {
            throw p.error(at + "priority", "is only for SCHED_FIFO and SCHED_RR");
        }
        if (!s.policy().equals("SCHED_DEADLINE")) {
            String set = s.runtime() != 0 ? "runtime"
                : s.deadline() != 0 ? "deadline"
                : s.period() != 0 ? "period" : null;
            if (set != null) {
                throw p.error(at + set, "is only for SCHED_DEADLINE");
            }
        }
        for (int i = 0; i < s.flags().size(); i++) {
            if (OciNames.schedFlag(s.flags().get(i)) == 0) {
                throw p.error(at + "flags[" + i + "]", quote(s.flags().get(i))
                    + " is not a scheduler flag (use " + String.join(", ", OciNames.SCHED_FLAGS) + ")");
            }
        }
    }

    /** "0-3,7": numbers and ranges, commas between, spaces around allowed; "" means unset. */
    private void cpuList(String list, String at) throws OciSpecException {
        if (list.isBlank()) {
            return;
        }
        for (String item : list.split(",", -1)) {
            String t = item.strip();
            int dash = t.indexOf('-');
            String lo = dash < 0 ? t : t.substring(0, dash).strip();
            String hi = dash < 0 ? t : t.substring(dash + 1).strip();
            if (!isNumber(lo) || !isNumber(hi) || lo.length() > 9 || hi.length() > 9
                || Integer.parseInt(lo) > Integer.parseInt(hi)) {
                throw p.error(at, quote(list) + " is not a CPU list such as \"0-3,7\"");
            }
        }
    }

    private static boolean isNumber(String s) {
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
}
