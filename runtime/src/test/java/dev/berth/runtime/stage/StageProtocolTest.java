package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Drives the real C stage through its wire format: handshake, bad input, reported failures. */
class StageProtocolTest {
    private static Process spawn() throws IOException {
        return new ProcessBuilder(Stage.locate().toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Frame errorFrameFor(Frame first) throws Exception {
        Process p = spawn();
        first.write(p.getOutputStream());
        Frame reply = Frame.read(p.getInputStream());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "the stage must exit after a protocol error");
        assertEquals(1, p.exitValue());
        return reply;
    }

    @Test
    void refusesAWrongMagicOrVersion() throws Exception {
        Frame reply = errorFrameFor(new Frame(Protocol.F_HELLO,
            Frame.le(8).putInt(0xdeadbeef).putInt(Protocol.VERSION).array()));
        assertNotNull(reply);
        assertEquals(Protocol.F_ERROR, reply.type());
        reply = errorFrameFor(new Frame(Protocol.F_HELLO,
            Frame.le(8).putInt(Protocol.MAGIC).putInt(Protocol.VERSION + 1).array()));
        assertEquals(Protocol.F_ERROR, reply.type());
    }

    @Test
    void refusesAnythingButHelloFirst() throws Exception {
        assertEquals(Protocol.F_ERROR, errorFrameFor(Frame.of(Protocol.F_GO)).type());
    }

    @Test
    void reportsTheFailingRecordWithItsErrno() throws Exception {
        // a join of a namespace file that does not exist fails before anything is created
        Program program = new Program()
            .add(Protocol.OP_JOIN_NS, "join the net namespace /nonexistent", "net", "/nonexistent")
            .add(Protocol.OP_EXEC, "exec true", "/bin/true");
        StageException e = assertThrows(StageException.class, () -> {
            try (StageSession s = StageSession.start(program, null)) {
                s.awaitCreated();
            }
        });
        assertEquals(0, e.step());
        assertEquals(2, e.errno());
        assertEquals("join the net namespace /nonexistent: no such file or directory (step 0, ENOENT)", e.getMessage());
    }

    @Test
    void truncatedProgramIsAProtocolError() throws Exception {
        Process p = spawn();
        new Frame(Protocol.F_HELLO, Frame.le(8).putInt(Protocol.MAGIC).putInt(Protocol.VERSION).array())
            .write(p.getOutputStream());
        assertEquals(Protocol.F_HELLO, Frame.read(p.getInputStream()).type());
        // a record header that claims more bytes than the frame holds
        new Frame(Protocol.F_PROGRAM, Frame.le(8).putShort((short) 20).putShort((short) 0).putInt(100).array())
            .write(p.getOutputStream());
        Frame reply = Frame.read(p.getInputStream());
        assertEquals(Protocol.F_ERROR, reply.type());
        assertEquals(Protocol.STEP_PROTOCOL, reply.intValue());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }
}
