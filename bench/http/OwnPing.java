import dev.berth.api.http.HttpServer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;

/** berth's own HTTP layer (JDK unix-domain channels, a virtual thread per connection) answering /_ping. */
public class OwnPing {
    public static void main(String[] args) throws Exception {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(Path.of(args[0])));
        new HttpServer(x -> x.respond(200, "text/plain; charset=utf-8", "OK".getBytes()),
            Map.of("Api-Version", "1.51", "Ostype", "linux"), (r, t) -> t.printStackTrace()).serve(ch);
    }
}
