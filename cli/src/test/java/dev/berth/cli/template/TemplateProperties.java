package dev.berth.cli.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile {@code -f} templates (issue 10): random sequences of the template language's own
 * tokens (actions, pipelines, functions, variables, literals, extreme numbers and printf verbs)
 * over a container-like document. Parsing and executing must give text or a one-line
 * {@link TemplateException}, never another exception, and never hang.
 */
class TemplateProperties {
    private static final String[] TOKENS = {"{{", "}}", "{{-", "-}}", " ", ".", ".Name", ".State", ".State.Pid",
        ".Config.Env", ".Config.Labels", ".List", ".Nil", ".Missing.Deeper", "$", "$x", ":=", "=", "|", "(", ")",
        "range", "end", "if", "else", "with", "break", "continue", "define", "template", "block", "\"t\"", "and",
        "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "index", "len", "print", "println", "printf", "json",
        "upper", "lower", "title", "split", "join", "truncate", "\"%d\"", "\"%s %v\"", "\"%x\"", "\"%999999999d\"",
        "\"%-*d\"", "\"%!\"", "\"%\"", "\"a,b\"", "\",\"", "\"\"", "0", "1", "-1", "3", "1000000000",
        "9223372036854775807", "99999999999999999999", "1.5", "1e308", "'a'", "`raw`", "true", "false", "nil",
        "/*", "*/", "\"\\", "\\n", "\u00e9", "{{/* c */}}"};

    @Property(tries = 5000)
    void anyTemplateGivesTextOrAOneLineError(@ForAll("templates") String template) {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                GoTemplate.parse(template).execute(data());
            } catch (TemplateException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an error without a message");
                assertFalse(e.getMessage().contains("\n"), "an error of more than one line: " + e.getMessage());
            }
        }, "the template ran for over 2 s");
    }

    @net.jqwik.api.Example
    void hugeOutputIsRefusedNotRunOutOfMemory() {
        // as Go's fmt: a width over a million is no width, and the verb is lost
        assertEquals("%!(NOVERB)%!(EXTRA int=1)", GoTemplate.parse("{{printf \"%999999999d\" 1}}").execute(data()));
        assertEquals("%!(NOVERB)", GoTemplate.parse("{{printf \"%.99999999999999999999d\"}}").execute(data()));
        for (String t : List.of("{{range 2000000000}}xxxxxxxxxx{{end}}", "{{range 2000000000}}{{end}}",
            "{{range 100000}}{{range 100000}}x{{end}}{{end}}")) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                try {
                    GoTemplate.parse(t).execute(data());
                    throw new AssertionError(t + " printed it all");
                } catch (TemplateException e) {
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                }
            }, t + " ran for over 5 s");
        }
    }

    @Provide
    Arbitrary<String> templates() {
        Arbitrary<String> tokens = Arbitraries.of(TOKENS).list().ofMaxSize(30).map(l -> String.join("", l));
        Arbitrary<String> actions = Arbitraries.of(TOKENS).list().ofMaxSize(8)
            .map(l -> "{{" + String.join(" ", l) + "}}").list().ofMaxSize(4).map(l -> String.join("x", l));
        return Arbitraries.oneOf(tokens, actions, Arbitraries.strings().ofMaxLength(60));
    }

    private static Map<String, Object> data() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("Status", "running");
        state.put("Pid", 42L);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Env", new ArrayList<Object>(List.of("A=1", "B=2")));
        config.put("Labels", new LinkedHashMap<String, Object>(Map.of("a", "b")));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Name", "/web");
        d.put("State", state);
        d.put("Config", config);
        d.put("List", new ArrayList<Object>(List.of(1L, "two", 3.5)));
        d.put("Nil", null);
        return d;
    }
}
