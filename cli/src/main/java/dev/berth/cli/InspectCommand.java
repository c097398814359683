package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth inspect [-f TEMPLATE] CONTAINER...} */
final class InspectCommand {
    static final Flags FLAGS = new Flags("berth inspect [-f TEMPLATE] [--type container|image|network] NAME|ID...")
        .value("f", "format", "TEMPLATE", "Format the output with a Go template")
        .value(null, "type", "TYPE", "Only look for this kind of object: container, image or network");

    private final Path root;

    InspectCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth inspect\" requires at least 1 argument: a container");
        }
        String type = cl.getOptionValue("type");
        if (type != null && !type.equals("container") && !type.equals("image") && !type.equals("network")) {
            System.err.println("berth: \"" + type + "\" is not a valid value for --type: use container, image or network");
            return ExitCodes.FAILURE;
        }
        Engine engine = Engines.open(root);
        Lookup lookup = engine::inspect;
        if ("image".equals(type)) {
            lookup = ImageCommand.imageLookup(root);
        } else if ("network".equals(type)) {
            lookup = engine.networks()::inspect;
        } else if (type == null) {
            lookup = ref -> {
                // as docker: a container first; the image classes load only when none matches
                try {
                    return engine.inspect(ref);
                } catch (EngineException.NotFound e) {
                    try {
                        return ImageCommand.imageLookup(root).find(ref);
                    } catch (EngineException.NotFound e2) {
                        throw new EngineException.NotFound("no such object: " + ref);
                    } catch (EngineException.InvalidArgument e2) {
                        throw new EngineException.NotFound("no such object: " + ref);
                    }
                }
            };
        }
        return print(cl.getArgList(), cl.getOptionValue("format"), lookup);
    }

    /** How an object is found by name: a container, a network. */
    @FunctionalInterface
    interface Lookup {
        Map<String, Object> find(String ref) throws EngineException;
    }

    /**
     * docker's inspect output for {@code refs}: one JSON array, or each object through the Go
     * template {@code format}. Objects not found are reported and make the exit code 1.
     */
    static int print(List<String> refs, String format, Lookup lookup) {
        GoTemplate template = null;
        if (format != null) {
            try {
                template = GoTemplate.parse(format);
            } catch (TemplateException e) {
                return ExitCodes.usage(e.getMessage());
            }
        }
        List<Map<String, Object>> found = new ArrayList<>();
        int code = 0;
        for (String ref : refs) {
            try {
                Map<String, Object> s = lookup.find(ref);
                if (template == null) {
                    found.add(s);
                } else {
                    System.out.println(template.execute(s));
                }
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
            } catch (TemplateException e) {
                System.err.println("berth: " + e.getMessage());
                code = ExitCodes.FAILURE;
            }
        }
        if (template == null) {
            System.out.println(Output.prettyJson(found));
        }
        return code;
    }
}
