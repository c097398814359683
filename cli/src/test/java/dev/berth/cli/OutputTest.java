package dev.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.cli.template.GoTemplate;
import dev.berth.engine.Usage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docker's human sizes and tables, as its stats print them (go-units and text/tabwriter). */
class OutputTest {
    @Test
    void bytesSizeIsBinaryWithFourDigits() {
        assertEquals("0B", Output.bytesSize(0));
        assertEquals("1023B", Output.bytesSize(1023));
        assertEquals("1KiB", Output.bytesSize(1024));
        assertEquals("1.5MiB", Output.bytesSize(1536 * 1024));
        assertEquals("480KiB", Output.bytesSize(480 * 1024));
        assertEquals("7.629GiB", Output.bytesSize(8_191_999_999L));
        assertEquals("64MiB", Output.bytesSize(64L << 20));
    }

    @Test
    void humanSizeIsDecimalWithThreeDigits() {
        assertEquals("0B", Output.humanSize(0));
        assertEquals("648B", Output.humanSize(648));
        assertEquals("1.23kB", Output.humanSize(1234));
        assertEquals("12.3MB", Output.humanSize(12_345_678));
        assertEquals("1e+03kB", Output.humanSize(999_999), "Go's %.3g, rounding up to an exponent");
    }

    @Test
    void tabsPadCellsToTenOrWidestPlusThree() {
        assertEquals("A         LONGERNAME   x\nbb        c            yy\n",
            Output.tabs(List.of("A\tLONGERNAME\tx", "bb\tc\tyy")));
        assertEquals("no tabs\n", Output.tabs(List.of("no tabs")));
    }

    @Test
    void statsRowsAndTheDefaultTable() {
        Usage before = new Usage("0123456789abcdef", "web", true, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0);
        Usage now = new Usage("0123456789abcdef", "web", true, 250_000_000L, 1_000_000_000L, 2,
            1536 * 1024, 64L << 20, 1234, 648, 0, 4096, 3);
        Map<String, Object> row = StatsCommand.row(now, before, null, false);
        assertEquals("{\"BlockIO\":\"0B / 4.1kB\",\"CPUPerc\":\"50.00%\",\"Container\":\"0123456789ab\","
            + "\"ID\":\"0123456789ab\",\"MemPerc\":\"2.34%\",\"MemUsage\":\"1.5MiB / 64MiB\",\"Name\":\"web\","
            + "\"NetIO\":\"1.23kB / 648B\",\"PIDs\":\"3\"}", Output.compactJson(row));
        GoTemplate table = GoTemplate.parse("{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}"
            + "\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}");
        assertEquals("CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O         BLOCK I/O"
            + "    PIDS\n"
            + "0123456789ab   web       50.00%    1.5MiB / 64MiB      2.34%     1.23kB / 648B   0B / 4.1kB   3\n",
            StatsCommand.render(List.of(row), false, true, table));
        assertEquals("web 3\n", StatsCommand.render(List.of(row), false, false, GoTemplate.parse("{{.Name}} {{.PIDs}}")));
        assertEquals("0123456789abcdef", StatsCommand.row(now, null, "web", true).get("ID"));
        assertEquals("0.00%", StatsCommand.row(now, null, "web", true).get("CPUPerc"), "one reading: no CPU % yet");
        assertEquals("web", StatsCommand.row(now, null, "web", true).get("Container"));
    }
}
