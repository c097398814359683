package dev.berth.cli.it;

/**
 * Every OciRuntimeTest case again, with each call going through the warm runtime server
 * ({@code berth-stage --client}): the calls the server takes must behave exactly as with a JVM
 * each, and they never start one (the test gives the client a JVM that does not exist).
 */
class OciRuntimeServerTest extends OciRuntimeTest {
    @Override
    boolean viaServer() {
        return true;
    }
}
