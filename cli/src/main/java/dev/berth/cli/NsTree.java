package dev.berth.cli;

import dev.berth.engine.NamespaceView;
import dev.berth.engine.NamespaceView.Namespace;
import dev.berth.linux.NsKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The user namespace hierarchy (NS_GET_PARENT), with every other namespace hung under the user
 * namespace that owns it (NS_GET_USERNS); a PID namespace under its parent PID namespace when
 * they have the same owner, else naming its parent. As text, JSON or a Graphviz digraph.
 */
final class NsTree {
    private final NamespaceView view;
    private final Map<Long, List<Namespace>> children = new LinkedHashMap<>();
    private final List<Namespace> roots = new ArrayList<>();

    NsTree(NamespaceView view) {
        this.view = view;
        List<Namespace> all = view.all();
        all.sort((a, b) -> a.kind() != b.kind() ? a.kind().compareTo(b.kind()) : Long.compare(a.inode(), b.inode()));
        for (Namespace n : all) {
            long up = n.kind() == NsKind.USER ? n.parent() : underParent(n) ? n.parent() : n.owner();
            if (up != 0 && view.get(up) != null) {
                children.computeIfAbsent(up, k -> new ArrayList<>()).add(n);
            } else {
                roots.add(n);
            }
        }
    }

    /**
     * A PID namespace hangs under its parent PID namespace when both have the same owner, so
     * that the PID hierarchy shows as one; else under its owner, naming its parent.
     */
    private boolean underParent(Namespace n) {
        Namespace p = n.kind() == NsKind.PID && n.parent() != 0 ? view.get(n.parent()) : null;
        return p != null && p.owner() == n.owner();
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        for (Namespace r : roots) {
            sb.append(label(r)).append('\n');
            children(sb, r, "");
        }
        return sb.toString();
    }

    private void children(StringBuilder sb, Namespace n, String indent) {
        List<Namespace> kids = children.getOrDefault(n.inode(), List.of());
        for (int i = 0; i < kids.size(); i++) {
            boolean last = i == kids.size() - 1;
            sb.append(indent).append(last ? "└─ " : "├─ ").append(label(kids.get(i))).append('\n');
            children(sb, kids.get(i), indent + (last ? "   " : "│  "));
        }
    }

    private String label(Namespace n) {
        StringBuilder sb = new StringBuilder();
        sb.append(n.kind().procName()).append(' ').append(n.inode());
        if (n.kind() == NsKind.USER && n.ownerUid() >= 0) {
            sb.append(" [uid ").append(n.ownerUid()).append(']');
        }
        if (n.kind() == NsKind.PID && n.parent() != 0 && !underParent(n)) {
            sb.append(" (parent pid ").append(n.parent()).append(')');
        }
        sb.append(": ");
        if (n.nprocs() > 0) {
            sb.append(n.nprocs()).append(n.nprocs() == 1 ? " process, " : " processes, ").append(n.command());
        } else if (!n.holders().isEmpty()) {
            sb.append("no process, held by ").append(String.join(", ", n.holders()));
        } else {
            sb.append("no process");
        }
        if (!n.container().isEmpty()) {
            sb.append("  <").append(n.container()).append('>');
        }
        return sb.toString();
    }

    List<Object> json() {
        List<Object> out = new ArrayList<>();
        for (Namespace r : roots) {
            out.add(node(r));
        }
        return out;
    }

    private Map<String, Object> node(Namespace n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ns", n.inode());
        m.put("type", n.kind().procName());
        m.put("nprocs", n.nprocs());
        m.put("command", n.command().isEmpty() ? null : n.command());
        if (n.kind() == NsKind.USER) {
            m.put("ownerUid", n.ownerUid() >= 0 ? n.ownerUid() : null);
        }
        if (n.kind() == NsKind.PID || n.kind() == NsKind.USER) {
            m.put("parent", n.parent() > 0 ? n.parent() : null);
        }
        m.put("container", n.container().isEmpty() ? null : n.container());
        List<Object> kids = new ArrayList<>();
        for (Namespace k : children.getOrDefault(n.inode(), List.of())) {
            kids.add(node(k));
        }
        m.put("children", kids);
        return m;
    }

    String dot() {
        StringBuilder sb = new StringBuilder("digraph namespaces {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for (Namespace n : view.all()) {
            String shape = n.kind() == NsKind.USER ? ", style=filled, fillcolor=\"#dde8f8\"" : "";
            List<String> lines = new ArrayList<>();
            lines.add(escape(n.kind().procName() + " " + n.inode()));
            if (n.nprocs() > 0) {
                lines.add(escape(n.nprocs() + " proc: " + shorten(n.command())));
            }
            if (!n.container().isEmpty()) {
                lines.add(escape("<" + n.container() + ">"));
            }
            sb.append("  n").append(n.inode()).append(" [label=\"").append(String.join("\\n", lines)).append('"')
                .append(shape).append("];\n");
        }
        for (Map.Entry<Long, List<Namespace>> e : children.entrySet()) {
            for (Namespace k : e.getValue()) {
                sb.append("  n").append(e.getKey()).append(" -> n").append(k.inode())
                    .append(k.kind() == NsKind.USER || underParent(k) ? " [label=\"parent\"]" : " [label=\"owns\"]")
                    .append(";\n");
            }
        }
        for (Namespace n : view.all()) {
            if (n.kind() == NsKind.PID && n.parent() != 0 && view.get(n.parent()) != null && !underParent(n)) {
                sb.append("  n").append(n.parent()).append(" -> n").append(n.inode())
                    .append(" [style=dashed, label=\"parent pid\"];\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
