package dev.berth.engine;

import java.io.IOException;
import java.util.Map;

/**
 * docker rename: the new name is claimed as run claims one (a symlink, stale ones reclaimed),
 * written to the state under the container's lock, and only then the old name is released, so
 * that at no moment the container has no name and no two containers have one. The peers on its
 * user networks learn the new name (and forget the old one) as docker's embedded DNS does; the
 * container's own /etc/hosts keeps the old name, as docker leaves it.
 */
final class Rename {
    private Rename() {}

    static void rename(Engine engine, String ref, String newName) throws EngineException {
        String name = newName.startsWith("/") ? newName.substring(1) : newName;
        if (name.isEmpty()) {
            throw new EngineException.InvalidArgument("the new name is empty: give the container's new name");
        }
        Names.validate(name);
        String id = engine.resolve(ref);
        Store store = engine.store();
        try (var lock = store.lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null) {
                throw new EngineException.NotFound("no such container: " + ref);
            }
            String old = Inspect.name(s);
            if (old.equals(name)) {
                throw new EngineException.InvalidArgument("renaming a container with the same name as its current"
                    + " name: give another name");
            }
            engine.claimName(name, id);
            try {
                s.put("Name", "/" + name);
                store.write(id, s, !Inspect.autoRemove(s));
                RequestFile.rename(store.dir(id), name);
            } catch (IOException | RuntimeException e) {
                store.releaseName(name, id);
                throw e;
            }
            store.releaseName(old, id);
            Networking.renamed(engine.root(), id, name);
            Events.container(engine, s, "rename", Map.of("oldName", old)); // dockerd's: name is the new one
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot rename container " + ref + ": " + e.getMessage(), e);
        }
    }
}
