import dev.berth.image.ImageLoader;
import dev.berth.image.ImageStore;
import java.nio.file.Path;

/**
 * Loads an OCI layout into the image store of a berth state root (until {@code berth load}
 * exists on this branch): {@code java --class-path 'cli/target/berth/lib/*'
 * bench/src/LoadLayout.java STATE_DIR LAYOUT REPOSITORY}.
 */
public final class LoadLayout {
    private LoadLayout() {}

    public static void main(String[] args) throws Exception {
        for (ImageLoader.Loaded l : new ImageLoader(ImageStore.open(Path.of(args[0]))).loadLayout(Path.of(args[1]), args[2])) {
            System.out.println("loaded " + l.tags());
        }
    }
}
