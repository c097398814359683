package dev.berth.cli.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Expected outputs and messages were checked against Go's text/template (with docker's
 * extra functions) wherever berth follows Go; the tests that pin a deliberate difference
 * say so.
 */
class GoTemplateTest {

    // ---- helpers ----

    /** A map keeping insertion order, so tests can show that output sorts keys anyway. */
    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<Object> list(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    private static String run(String template, Object data) {
        return GoTemplate.parse(template).execute(data);
    }

    private static String parseError(String template) {
        return assertThrows(TemplateException.class, () -> GoTemplate.parse(template)).getMessage();
    }

    private static String execError(String template, Object data) {
        GoTemplate t = GoTemplate.parse(template);
        return assertThrows(TemplateException.class, () -> t.execute(data)).getMessage();
    }

    /** A cut-down docker inspect document. */
    private static Map<String, Object> container() {
        return map(
                "Id", "4f66ad9a0b2e",
                "Name", "/web",
                "State", map("Status", "running", "Running", true, "Pid", 4242, "ExitCode", 0),
                "Config", map(
                        "Image", "nginx:1.27",
                        "Env", list("PATH=/usr/bin", "TERM=xterm"),
                        "Labels", map("z.last", "1", "a.first", "2"),
                        "Cmd", null),
                "NetworkSettings", map("Ports", map(
                        "80/tcp", list(map("HostIp", "0.0.0.0", "HostPort", "8080")),
                        "443/tcp", null)),
                "Mounts", list(),
                "SizeRw", 1.5e6);
    }

    // ---- printing values ----

    @Test
    void plainTextPassesThrough() {
        assertEquals("no actions here }} {", run("no actions here }} {", container()));
    }

    @Test
    void fieldChains() {
        assertEquals("/web 4242 running true", run("{{.Name}} {{.State.Pid}} {{.State.Status}} {{.State.Running}}",
                container()));
    }

    @Test
    void listsAndMapsPrintLikeGo() {
        assertEquals("[PATH=/usr/bin TERM=xterm]", run("{{.Config.Env}}", container()));
        assertEquals("map[a.first:2 z.last:1]", run("{{.Config.Labels}}", container()));
        assertEquals("[1 a <nil> true map[a:[] b:map[]]]",
                run("{{.}}", list(1, "a", null, true, map("b", map(), "a", list()))));
    }

    @Test
    void numbersPrintWithoutTrailingZero() {
        Map<String, Object> d = map("i", 7, "l", 12345678901L, "whole", 3.0, "frac", 0.25,
                "million", 1e6, "tiny", 1e-7, "neg", -2.5);
        assertEquals("7 12345678901 3 0.25 1000000 1e-07 -2.5",
                run("{{.i}} {{.l}} {{.whole}} {{.frac}} {{.million}} {{.tiny}} {{.neg}}", d));
    }

    @Test
    void missingKeysPrintNoValueAndAreNotErrors() {
        assertEquals("<no value>|<no value>|<no value>",
                run("{{.Nope}}|{{.Nope.Deeper}}|{{.State.Nope}}", container()));
    }

    @Test
    void explicitNullPrintsNoValueButCannotBeDereferenced() {
        // Go unwraps a nil interface to "no value" when printing it.
        assertEquals("<no value>", run("{{.Config.Cmd}}", container()));
        assertEquals("template: :1:9: executing \"\" at <.Config.Cmd.X>: nil pointer evaluating interface {}.X",
                execError("{{.Config.Cmd.X}}", container()));
    }

    @Test
    void nullDataPrintsNoValue() {
        assertEquals("<no value> <no value>", run("{{.}} {{.Name}}", null));
    }

    @Test
    void fieldOnNonMapIsAnError() {
        // Go would say "in type interface {}"; naming the JSON type is more useful.
        assertEquals("template: :1:7: executing \"\" at <.Name.Foo>: can't evaluate field Foo in type string",
                execError("{{.Name.Foo}}", container()));
        assertEquals("template: :1:16: executing \"\" at <.Mounts.X>: can't evaluate field X in type []interface {}",
                execError("x {{ len .Mounts.X }}", container()));
    }

    @Test
    void fieldGivenArgumentsIsAnError() {
        assertEquals("template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments",
                execError("{{.Name 1}}", container()));
    }

    // ---- layout ----

    @Test
    void trimMarkersEatSurroundingWhitespace() {
        assertEquals("a1b", run("a  \n {{- 1 -}} \n\t b", null));
        // "{{-3}}" is the number -3, not a trim marker.
        assertEquals("a -3 b", run("a {{-3}} b", null));
        assertEquals("PATH=/usr/bin\nTERM=xterm\n", run("{{range .Config.Env -}}\n  {{.}}\n{{end}}", container()));
    }

    @Test
    void commentsProduceNothing() {
        assertEquals("ab", run("a{{/* a comment\n over lines */}}b", null));
        assertEquals("ab", run("a {{- /* trimmed */ -}} b", null));
        assertEquals("template: :1: comment ends before closing delimiter", parseError("{{/* c */ }}"));
        assertEquals("template: :1: unclosed comment", parseError("{{/* c"));
    }

    // ---- functions ----

    @Test
    void jsonIsCompactSortedAndHasNoNewline() {
        assertEquals("{\"Cmd\":null,\"Env\":[\"PATH=/usr/bin\",\"TERM=xterm\"],\"Image\":\"nginx:1.27\","
                + "\"Labels\":{\"a.first\":\"2\",\"z.last\":\"1\"}}", run("{{json .Config}}", container()));
        assertEquals("null null 1500000 \"/web\"", run("{{json .Nope}} {{json nil}} {{json .SizeRw}} {{json .Name}}",
                container()));
    }

    @Test
    void jsonEscapesPerRfc8259WithoutHtmlEscaping() {
        Map<String, Object> d = map("s", "<a&b> \"q\" \\ \n\t\u0001\u2028 é");
        assertEquals("\"<a&b> \\\"q\\\" \\\\ \\n\\t\\u0001\\u2028 é\"", run("{{json .s}}", d));
        assertEquals("[0.1,1e-7,1e+21,-3]", run("{{json .}}", list(0.1, 1e-7, 1e21, -3L)));
    }

    @Test
    void stringFunctions() {
        assertEquals("NGINX:1.27 web Hello World_x Foo-Bar",
                run("{{upper .Config.Image}} {{lower \"WEB\"}} {{title \"hello world_x\"}} {{title \"foo-bar\"}}",
                        container()));
        assertEquals("[a b  c] 4 a+b", run("{{split \"a,b,,c\" \",\"}} {{len (split \"a,b,,c\" \",\")}} "
                + "{{join (split \"a b\" \" \") \"+\"}}", null));
        assertEquals("PATH=/usr/bin,TERM=xterm", run("{{join .Config.Env \",\"}}", container()));
        assertEquals("4f66 4f66ad9a0b2e", run("{{truncate .Id 4}} {{truncate .Id 40}}", container()));
    }

    @Test
    void indexMapsListsAndNestedKeys() {
        assertEquals("TERM=xterm 2 <no value> 8080",
                run("{{index .Config.Env 1}} {{index .Config.Labels \"a.first\"}} {{index .Config.Labels \"zz\"}} "
                        + "{{index .NetworkSettings.Ports \"80/tcp\" 0 \"HostPort\"}}", container()));
        assertEquals("template: :1:2: executing \"\" at <index .Config.Env 5>: error calling index: index out of range: 5",
                execError("{{index .Config.Env 5}}", container()));
        assertEquals("template: :1:2: executing \"\" at <index .Config.Labels 1>: error calling index: "
                + "value has type int; should be string", execError("{{index .Config.Labels 1}}", container()));
    }

    @Test
    void lenCountsLikeGo() {
        assertEquals("2 2 4 0 2", run("{{len .Config.Env}} {{len .Config.Labels}} {{len .Name}} {{len .Mounts}} "
                + "{{len \"é\"}}", container()));
        assertEquals("template: :1:2: executing \"\" at <len .State.Pid>: error calling len: len of type int",
                execError("{{len .State.Pid}}", container()));
    }

    @Test
    void printAndPrintlnSpacing() {
        // Sprint only puts spaces between operands when neither is a string.
        assertEquals("ab1 2c<nil>", run("{{print \"a\" \"b\" 1 2 \"c\" .Nope}}", map()));
        assertEquals("a 1 true\n", run("{{println \"a\" 1 true}}", null));
    }

    @Test
    void printfVerbsAndMistakes() {
        assertEquals("/web=4242 [PATH=/usr/bin TERM=xterm] \"/web\"",
                run("{{printf \"%s=%d %v %q\" .Name .State.Pid .Config.Env .Name}}", container()));
        assertEquals("[ 42] [ab   ] [00042] [3.14] [ff] [50%]",
                run("{{printf \"[%3d] [%-5s] [%05d] [%.2f] [%x] [%d%%]\" 42 \"ab\" 42 3.14159 255 50}}", null));
        assertEquals("%!d(string=x) %!s(MISSING)", run("{{printf \"%d %s\" \"x\"}}", null));
        assertEquals("a%!(EXTRA int=1)", run("{{printf \"a\" 1}}", null));
    }

    // ---- pipelines ----

    @Test
    void pipelinesPassTheValueAsLastArgument() {
        assertEquals("/WEB", run("{{.Name | upper}}", container()));
        assertEquals("y-x", run("{{\"x\" | printf \"%s-%s\" \"y\"}}", null));
        assertEquals("2", run("{{.Config.Env | len}}", container()));
        assertEquals("template: :1: non executable command in pipeline stage 2", parseError("{{1 | 2}}"));
    }

    @Test
    void parenthesizedSubExpressions() {
        assertEquals("8080 0.0.0.0",
                run("{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}} "
                        + "{{with index .NetworkSettings.Ports \"80/tcp\"}}{{(index . 0).HostIp}}{{end}}", container()));
        assertEquals("NGINX", run("{{upper (index (split .Config.Image \":\") 0)}}", container()));
    }

    // ---- control structures ----

    @Test
    void ifElseIfElse() {
        String t = "{{if eq .State.Status \"exited\"}}E{{else if .State.Running}}R{{else}}?{{end}}";
        assertEquals("R", run(t, container()));
        assertEquals("?", run(t, map("State", map("Status", "created", "Running", false))));
    }

    @Test
    void truthinessFollowsGo() {
        String t = "{{if .v}}T{{else}}F{{end}}";
        Object[] falsy = {false, 0, 0L, 0.0, "", list(), map(), null};
        for (Object v : falsy) {
            assertEquals("F", run(t, map("v", v)), "value " + v);
        }
        assertEquals("F", run(t, map()));
        Object[] truthy = {true, 1, -1L, 0.5, "0", list((Object) null), map("k", null)};
        for (Object v : truthy) {
            assertEquals("T", run(t, map("v", v)), "value " + v);
        }
    }

    @Test
    void rangeOverListsWithAndWithoutVariables() {
        assertEquals("[PATH=/usr/bin][TERM=xterm]", run("{{range .Config.Env}}[{{.}}]{{end}}", container()));
        assertEquals("0:PATH=/usr/bin 1:TERM=xterm ",
                run("{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}", container()));
        assertEquals("PATH=/usr/binTERM=xterm", run("{{range $e := .Config.Env}}{{$e}}{{end}}", container()));
    }

    @Test
    void rangeOverMapsIsSortedByKey() {
        assertEquals("a.first=2,z.last=1,", run("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", container()));
        assertEquals("21", run("{{range .Config.Labels}}{{.}}{{end}}", container()));
        assertEquals("443/tcp -> none; 80/tcp -> 8080; ",
                run("{{range $p, $c := .NetworkSettings.Ports}}{{$p}} -> "
                        + "{{if $c}}{{(index $c 0).HostPort}}{{else}}none{{end}}; {{end}}", container()));
    }

    @Test
    void rangeElseBreakAndContinue() {
        assertEquals("no mounts", run("{{range .Mounts}}m{{else}}no mounts{{end}}", container()));
        assertEquals("nothing", run("{{range .Nope}}x{{else}}nothing{{end}}", container()));
        assertEquals("13", run("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}",
                list(1, 2, 3, 4, 5)));
        assertEquals("template: :1:8: executing \"\" at <.Name>: range can't iterate over /web",
                execError("{{range .Name}}{{end}}", container()));
        assertEquals("template: :1: {{break}} outside {{range}}", parseError("{{if 1}}{{break}}{{end}}"));
    }

    @Test
    void withSetsDotAndHasElse() {
        assertEquals("nginx:1.27", run("{{with .Config}}{{.Image}}{{end}}", container()));
        assertEquals("none", run("{{with .Mounts}}some{{else}}none{{end}}", container()));
        assertEquals("4242", run("{{with $s := .State}}{{$s.Pid}}{{end}}", container()));
    }

    @Test
    void variablesScopeAndRoot() {
        assertEquals("/web/web", run("{{$n := .Name}}{{range .Config.Env}}{{$n}}{{end}}", container()));
        assertEquals("/web|/web|", run("{{range .Config.Env}}{{$.Name}}|{{end}}", container()));
        // Assignment changes the outer variable; := inside a block shadows it until {{end}}.
        assertEquals("2", run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", null));
        assertEquals("1", run("{{$x := 1}}{{if true}}{{$x := 2}}{{end}}{{$x}}", null));
        assertEquals("TERM=xterm", run("{{$last := \"\"}}{{range .Config.Env}}{{$last = .}}{{end}}{{$last}}",
                container()));
        assertEquals("template: :1: undefined variable \"$x\"", parseError("{{if true}}{{$x := 2}}{{end}}{{$x}}"));
    }

    // ---- literals ----

    @Test
    void stringAndCharacterLiterals() {
        assertEquals("tab\there é A😀|raw\\n`|97", run("{{\"tab\\there \\u00e9 \\x41\\U0001F600\"}}|{{`raw\\n`}}`|{{'a'}}", null));
        assertEquals("é", run("{{\"\\xc3\\xa9\"}}", null)); // \x escapes are bytes, as in Go
        assertEquals("template: :1: invalid syntax", parseError("{{\"\\q\"}}"));
        assertEquals("template: :1: unterminated quoted string", parseError("{{\"abc}}"));
    }

    @Test
    void numberLiterals() {
        assertEquals("31 1000 15 5 -3 1.5 1000 2", run("{{0x1F}} {{1_000}} {{017}} {{0b101}} {{-3}} {{1.5}} {{1e3}} {{+2}}",
                null));
        assertEquals("template: :1: bad number syntax: \"12a\"", parseError("{{12abc}}"));
    }

    // ---- comparisons and logic ----

    @Test
    void comparisons() {
        assertEquals("true false true true true true false",
                run("{{eq .State.Pid 4242}} {{ne .Name \"/web\"}} {{eq .State.Status \"x\" \"running\"}} "
                        + "{{lt 1 2}} {{le \"a\" \"a\"}} {{gt 2.5 2}} {{ge 1 2}}", container()));
        // JSON does not tell 3 from 3.0, so numbers compare by value (Go would refuse).
        assertEquals("true", run("{{eq .v 3}}", map("v", 3.0)));
        assertEquals("true false", run("{{eq .Nope nil}} {{eq .Name nil}}", container()));
        assertEquals("template: :1:2: executing \"\" at <eq .Name 1>: error calling eq: incompatible types for comparison",
                execError("{{eq .Name 1}}", container()));
        assertEquals("template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison",
                execError("{{lt true false}}", null));
    }

    @Test
    void andOrReturnOperandsAndShortCircuit() {
        assertEquals("0|z|/web|true|false", run("{{and 1 0 2}}|{{or 0 \"\" \"z\"}}|{{and .State.Running .Name}}|"
                + "{{not .Mounts}}|{{not .Name}}", container()));
        // The out-of-range index is never evaluated.
        assertEquals("false default", run("{{and false (index .Mounts 99)}} {{or .Nope \"default\"}}", container()));
    }

    // ---- parse errors ----

    @Test
    void unclosedAction() {
        assertEquals("template: :1: unclosed action", parseError("{{.Name"));
        assertEquals("template: :3: unclosed action started at :2", parseError("x\n{{.Name\n"));
    }

    @Test
    void unexpectedTokens() {
        assertEquals("template: :1: unexpected \"}\" in operand", parseError("{{json .Name }"));
        assertEquals("template: :1: bad character U+007D '}'", parseError("{{.Name}"));
        assertEquals("template: :1: unexpected \"!\" in command", parseError("{{ ! }}"));
        assertEquals("template: :1: unexpected {{end}}", parseError("{{end}}"));
        assertEquals("template: :1: unexpected {{else}}", parseError("{{else}}"));
        assertEquals("template: :2: unexpected EOF", parseError("{{if .x}}\nyes"));
        assertEquals("template: :1: missing value for if", parseError("{{if}}x{{end}}"));
        assertEquals("template: :1: unclosed left paren", parseError("{{(len .x}}"));
    }

    @Test
    void unknownFunctionAndUnsupportedActions() {
        assertEquals("template: :1: function \"nope\" not defined", parseError("{{nope .Name}}"));
        assertEquals("template: :2: function \"pad\" not defined", parseError("ok\n{{pad .Name 1 1}}"));
        assertEquals("template: :1: {{define}} is not supported", parseError("{{define \"x\"}}{{end}}"));
    }

    // ---- execution errors ----

    @Test
    void argumentErrors() {
        assertEquals("template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 2",
                execError("{{upper \"a\" \"b\"}}", null));
        assertEquals("template: :1:2: executing \"\" at <index>: wrong number of args for index: want at least 1 got 0",
                execError("{{index}}", null));
        assertEquals("template: :1:14: executing \"\" at <.State.Pid>: wrong type for value; expected string; got int",
                execError("{{upper .State.Pid}}", container()));
        assertEquals("template: :1:8: executing \"\" at <.Nope>: invalid value; expected string",
                execError("{{upper .Nope}}", container()));
    }

    @Test
    void nonFunctionsCannotTakeArguments() {
        assertEquals("template: :1:2: executing \"\" at <\"x\">: can't give argument to non-function \"x\"",
                execError("{{\"x\" 1}}", null));
        assertEquals("template: :1:2: executing \"\" at <nil>: nil is not a command", execError("{{nil}}", null));
    }

    @Test
    void executionErrorNamesLineAndColumn() {
        // As in Go, the column is 0-based and a chain is placed at its second field.
        assertEquals("template: :3:9: executing \"\" at <.Name.X>: can't evaluate field X in type string",
                execError("a\nb\nc {{.Name.X}}", container()));
        // Messages stay on one line even when the data has newlines.
        assertEquals("template: :1:8: executing \"\" at <.s>: range can't iterate over a\\nb",
                execError("{{range .s}}{{end}}", map("s", "a\nb")));
    }

    @Test
    void templateCanBeReused() {
        GoTemplate t = GoTemplate.parse("{{.Name}}:{{.State.Pid}}");
        assertEquals("/web:4242", t.execute(container()));
        assertEquals("/db:7", t.execute(map("Name", "/db", "State", map("Pid", 7L))));
    }

    @Test
    void dockerPsStyleTable() {
        List<Object> rows = list(container(), map("Id", "0123456789abcdef", "Name", "/db",
                "Config", map("Image", "postgres"), "State", map("Status", "exited")));
        GoTemplate t = GoTemplate.parse("{{truncate .Id 12}}\t{{.Config.Image}}\t{{.State.Status}}\t{{.Name}}");
        StringBuilder sb = new StringBuilder();
        for (Object row : rows) {
            sb.append(t.execute(row)).append('\n');
        }
        assertEquals("4f66ad9a0b2e\tnginx:1.27\trunning\t/web\n0123456789ab\tpostgres\texited\t/db\n", sb.toString());
    }
}
