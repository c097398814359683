package dev.berth.cli;

import dev.berth.engine.Engine;
import dev.berth.runtime.Trace;
import dev.berth.runtime.stage.SpareStage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.cli.ParseException;

/** {@code berth [--root DIR] COMMAND [OPTIONS] [ARGS]}: a daemonless, docker-like CLI. */
public final class Main {
    static final String VERSION = "0.1.0";

    private Main() {}

    public static void main(String[] args) {
        Trace.mark("main");
        int code;
        try {
            code = run(args);
        } catch (Throwable t) {
            System.err.println("berth: internal error: " + t);
            if (System.getenv("BERTH_DEBUG") != null) {
                t.printStackTrace();
            }
            code = ExitCodes.FAILURE;
        }
        Trace.mark("exit");
        Trace.dump();
        System.out.flush();
        System.err.flush();
        // berth registers no shutdown hooks: halt skips the JVM's orderly shutdown (~2 ms)
        Runtime.getRuntime().halt(code);
    }

    static int run(String[] args) {
        SpareStage.disable(); // one command, one container: the launcher's stage is enough
        Path root = null;
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) {
            String a = args[i];
            if (a.equals("--root") && i + 1 < args.length) {
                root = Path.of(args[++i]);
            } else if (a.startsWith("--root=")) {
                root = Path.of(a.substring("--root=".length()));
            } else if (a.equals("-v") || a.equals("--version")) {
                System.out.println("berth version " + VERSION);
                return 0;
            } else if (a.equals("-h") || a.equals("--help")) {
                usage(System.out);
                return 0;
            } else {
                return ExitCodes.usage("unknown flag: " + a + "\nSee 'berth --help'.");
            }
        }
        if (i == args.length) {
            usage(System.err);
            return ExitCodes.USAGE;
        }
        String command = args[i];
        String[] rest = Arrays.copyOfRange(args, i + 1, args.length);
        Path stateRoot = root != null ? root : Engine.defaultRoot();
        try {
            return switch (command) {
                case "run" -> new RunCommand(stateRoot).run(rest);
                case "create" -> new RunCommand(stateRoot).create(rest);
                case "start" -> new StartCommand(stateRoot).start(rest);
                case "attach" -> new StartCommand(stateRoot).attach(rest);
                case "restart" -> new ContainerCommand(stateRoot).restart(rest);
                case "rename" -> new ContainerCommand(stateRoot).rename(rest);
                case "top" -> new ContainerCommand(stateRoot).top(rest);
                case "container" -> new ContainerCommand(stateRoot).group(rest);
                case "exec" -> new ExecCommand(stateRoot).run(rest);
                case "ps" -> new PsCommand(stateRoot).run(rest);
                case "inspect" -> new InspectCommand(stateRoot).run(rest);
                case "logs" -> new LogsCommand(stateRoot).run(rest);
                case "ns" -> new NsCommand(stateRoot).run(rest);
                case "netns" -> new NetnsCommand().run(rest);
                case "network" -> new NetworkCommand(stateRoot).run(rest);
                case "volume" -> new VolumeCommand(stateRoot).run(rest);
                case "port" -> new PortCommand(stateRoot).run(rest);
                case "completion" -> Completion.run(rest);
                case "daemon" -> new DaemonCommand(stateRoot).run(rest);
                case "stop", "kill", "wait", "rm", "pause", "unpause" ->
                    new LifecycleCommand(stateRoot, command).run(rest);
                case "events" -> new EventsCommand(stateRoot).run(rest);
                case "container-exited" -> ExitedCommand.run(stateRoot, rest);
                case "stats" -> new StatsCommand(stateRoot).run(rest);
                case "healthcheck" -> new HealthcheckCommand(stateRoot).run(rest);
                case "update" -> new UpdateCommand(stateRoot).run(rest);
                case "images" -> new ImagesCommand(stateRoot).run(rest);
                case "image" -> new ImageCommand(stateRoot).group(rest);
                case "tag" -> new ImageCommand(stateRoot).tag(rest);
                case "rmi" -> new ImageCommand(stateRoot).rmi(rest);
                case "history" -> new HistoryCommand(stateRoot).run(rest);
                case "load" -> new ImageArchiveCommands(stateRoot).load(rest);
                case "save" -> new ImageArchiveCommands(stateRoot).save(rest);
                case "import" -> new ImageArchiveCommands(stateRoot).importRootfs(rest);
                case "export" -> new ContainerFilesCommands(stateRoot).export(rest);
                case "diff" -> new ContainerFilesCommands(stateRoot).diff(rest);
                case "commit" -> new ContainerFilesCommands(stateRoot).commit(rest);
                case "cp" -> new CpCommand(stateRoot).run(rest);
                case "system" -> new SystemCommand(stateRoot).run(rest);
                case "pull" -> new PullCommand(stateRoot).run(rest);
                case "push" -> new PushCommand(stateRoot).run(rest);
                case "login" -> LoginCommand.login(rest);
                case "logout" -> LoginCommand.logout(rest);
                case "version" -> {
                    System.out.println("berth version " + VERSION);
                    yield 0;
                }
                case "help" -> {
                    usage(System.out);
                    yield 0;
                }
                default -> ExitCodes.usage("'" + command + "' is not a berth command.\nSee 'berth --help'.");
            };
        } catch (ParseException e) {
            return ExitCodes.usage(e.getMessage() + "\nSee 'berth " + command + " --help'.");
        } catch (IOException e) {
            System.err.println("berth: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
    }

    static void usage(PrintStream out) {
        out.print("""
            Usage:  berth [--root DIR] COMMAND

            A container engine without a daemon: processes in their own Linux namespaces.

            Commands:
              run      Create and start a container from an image (the built-in "host") or --rootfs DIR
              create   Create a container without starting it (berth start starts it)
              start    Start created or stopped containers; -a attaches to the output
              restart  Stop and start containers again
              attach   Attach to a running container's output and input
              rename   Rename a container
              top      Show a container's processes (ps options allowed)
              container  The container commands under docker's names: ls, run, rm, prune, ...
              exec     Run a command in a running container
              ps       List containers
              inspect  Show low-level information on containers
              logs     Fetch the logs of a container
              stop     Stop running containers (SIGTERM, then SIGKILL)
              kill     Send a signal to running containers
              wait     Block until containers stop, then print their exit codes
              rm       Remove containers
              pause    Freeze every process of containers
              unpause  Thaw paused containers
              events   Get real time events: containers, images, networks (--since, --until, -f, --format)
              healthcheck  Run a container's healthcheck now: healthcheck run CONTAINER
              stats    Show containers' CPU, memory, network, disk and process use, live
              update   Change containers' resource limits
              port     List a container's published ports
              images   List images
              image    Manage images: ls, inspect, tag, rm, prune, history, load, save, import
              tag      Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
              rmi      Remove one or more images
              history  Show the history of an image
              load     Load images from a tar archive (docker save or OCI layout) or STDIN
              save     Save images to a tar archive (streamed to STDOUT by default)
              import   Import a root filesystem tarball as an image
              export   Export a container's filesystem as a tar archive
              diff     Inspect changes to files or directories on a container's filesystem
              commit   Create a new image from a container's changes
              cp       Copy files between a container and the host
              system   berth's disk usage: system df
              pull     Download an image from a registry
              push     Upload an image to a registry
              login    Log in to a registry (saved in docker's config.json)
              logout   Log out from a registry
              network  Manage bridge networks: create, ls, inspect, rm, prune, connect, disconnect
              volume   Manage volumes: create, ls, inspect, rm, prune
              ns       Look at and enter namespaces: ls, tree, inspect, diff, enter, unshare, limits
              netns    Named network namespaces, as ip netns keeps them
              daemon   Serve the Docker Engine API on a unix socket (docker -H unix://...)
              completion  Print a bash completion script: berth completion bash
              version  Show the berth version

            Global options:
              --root DIR   state directory (default $BERTH_ROOT or /var/lib/berth)

            Run 'berth COMMAND --help' for more information on a command.
            """);
    }
}
