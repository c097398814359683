package dev.berth.runtime.oci;

import java.util.List;

/**
 * The programs run at points of the container's life, each list in order. {@code prestart} is
 * deprecated by the runtime-spec (it runs with createRuntime) but still accepted, as runc does.
 */
public record OciHooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
    List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {

    public static final OciHooks NONE =
        new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    public OciHooks {
        prestart = List.copyOf(prestart);
        createRuntime = List.copyOf(createRuntime);
        createContainer = List.copyOf(createContainer);
        startContainer = List.copyOf(startContainer);
        poststart = List.copyOf(poststart);
        poststop = List.copyOf(poststop);
    }

    /**
     * One hook: run {@code path} with {@code args} (argv, including argv[0]) and exactly
     * {@code env}, the container's state JSON on stdin ({@link OciState#hookJson()}).
     *
     * @param timeout seconds before it is killed, or null for no limit
     */
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
        public Hook {
            args = List.copyOf(args);
            env = List.copyOf(env);
        }
    }

    /** The hooks of one kind by its config.json name, e.g. {@code "poststop"}. */
    public List<Hook> named(String name) {
        return switch (name) {
            case "prestart" -> prestart;
            case "createRuntime" -> createRuntime;
            case "createContainer" -> createContainer;
            case "startContainer" -> startContainer;
            case "poststart" -> poststart;
            case "poststop" -> poststop;
            default -> throw new IllegalArgumentException("no hook named " + name);
        };
    }

    public boolean isEmpty() {
        return prestart.isEmpty() && createRuntime.isEmpty() && createContainer.isEmpty()
            && startContainer.isEmpty() && poststart.isEmpty() && poststop.isEmpty();
    }
}
