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
    static final Flags FLAGS = new Flags("berth inspect [-f TEMPLATE] CONTAINER...")
        .value("f", "format", "TEMPLATE", "Format the output with a Go template");

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
        GoTemplate template = null;
        if (cl.hasOption("format")) {
            try {
                template = GoTemplate.parse(cl.getOptionValue("format"));
            } catch (TemplateException e) {
                return ExitCodes.usage(e.getMessage());
            }
        }
        Engine engine = Engines.open(root);
        List<Map<String, Object>> found = new ArrayList<>();
        int code = 0;
        for (String ref : cl.getArgList()) {
            try {
                Map<String, Object> s = engine.inspect(ref);
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
