package dev.berth.cli;

import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.DockerConfig;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryException;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth login [-u USER] [-p PASS | --password-stdin] [SERVER]}: checks the credentials
 * against the registry, then saves them in docker's config.json; {@code berth logout [SERVER]}
 * removes them. SERVER defaults to Docker Hub.
 */
final class LoginCommand {
    static final Flags LOGIN = new Flags("berth login [OPTIONS] [SERVER]")
        .value("u", "username", "USER", "Username")
        .value("p", "password", "PASS", "Password")
        .bool(null, "password-stdin", "Take the password from stdin")
        .value(null, "insecure-registry", "HOST[:PORT]", "Allow plain http to this registry (also $BERTH_INSECURE_REGISTRIES)");
    static final Flags LOGOUT = new Flags("berth logout [SERVER]");

    private LoginCommand() {}

    static int login(String[] args) throws ParseException, IOException {
        CommandLine cl = LOGIN.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.size() > 1) {
            return ExitCodes.usage("\"berth login\" takes at most 1 argument: the registry, e.g. localhost:5000");
        }
        String registry = DockerConfig.registryOf(a.isEmpty() ? "docker.io" : a.get(0));
        DockerConfig config = DockerConfig.fromEnv();
        String user = cl.getOptionValue("username");
        String password = cl.getOptionValue("password");
        if (password != null && cl.hasOption("password-stdin")) {
            return ExitCodes.usage("--password and --password-stdin are mutually exclusive");
        }
        if (cl.hasOption("password-stdin")) {
            if (user == null) {
                return ExitCodes.usage("must provide --username with --password-stdin");
            }
            password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            while (password.endsWith("\n") || password.endsWith("\r")) {
                password = password.substring(0, password.length() - 1);
            }
        } else if (password != null) {
            System.err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        try {
            Credentials creds;
            if (user == null && password == null && config.get(registry) != null) {
                System.out.println("Authenticating with existing credentials...");
                creds = config.get(registry);
            } else {
                Console console = System.console();
                boolean tty = Terminal.isTerminal();
                if (user == null) {
                    if (!tty) {
                        return ExitCodes.usage("cannot perform an interactive login from a non TTY device; use -u USER"
                            + " and --password-stdin");
                    }
                    user = console.readLine("Username: ");
                }
                if (password == null) {
                    if (!tty) {
                        return ExitCodes.usage("cannot perform an interactive login from a non TTY device; use"
                            + " --password-stdin");
                    }
                    char[] p = console.readPassword("Password: ");
                    password = p == null ? "" : new String(p);
                }
                if (user == null || user.isBlank()) {
                    return ExitCodes.usage("the username is empty; give one with -u USER");
                }
                if (password.isEmpty()) {
                    return ExitCodes.usage("the password is empty; give one with --password-stdin");
                }
                creds = new Credentials(user.strip(), password);
            }
            try (RegistryClient c = new RegistryClient(registry, PullCommand.registries(cl), creds)) {
                c.login(); // closed: a live HTTP client holds the JVM's halt 300 ms
            }
            config.save(registry, creds);
            System.err.println("WARNING! Your password will be stored unencrypted in " + config.file() + ".");
            System.out.println("Login Succeeded");
            return 0;
        } catch (RegistryException e) {
            System.err.println("berth: login failed: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
    }

    static int logout(String[] args) throws ParseException, IOException {
        CommandLine cl = LOGOUT.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.size() > 1) {
            return ExitCodes.usage("\"berth logout\" takes at most 1 argument: the registry, e.g. localhost:5000");
        }
        String registry = DockerConfig.registryOf(a.isEmpty() ? "docker.io" : a.get(0));
        if (DockerConfig.fromEnv().remove(registry)) {
            System.out.println("Removing login credentials for " + DockerConfig.key(registry));
        } else {
            System.out.println("Not logged in to " + DockerConfig.key(registry));
        }
        return 0;
    }
}
