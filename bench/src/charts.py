"""SVG charts for bench/run.sh, standard library only, hand-written SVG.

    python3 bench/src/charts.py OUT

Writes, from what OUT holds: start.svg (hyperfine.json + warm.json: a horizontal bar per row,
its median printed on it, berth's bars orange), exec.svg (exec.json, the same kind of chart) and
scaling.svg (scaling.json: time per operation vs N, and Pss per container vs N, side by side).
"""
import json
import os
import sys
from xml.sax.saxutils import escape

OUT = sys.argv[1]
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'
BERTH, PEER, FLOOR = "#e8710a", "#4a6fa5", "#9aa5b1"
LINE_COLOURS = ["#e8710a", "#4a6fa5", "#2a9d8f", "#9aa5b1", "#8e44ad"]


def load(name):
    path = os.path.join(OUT, name)
    return json.load(open(path)) if os.path.exists(path) else None


def machine_line():
    info = {}
    path = os.path.join(OUT, "machine.txt")
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.partition(": ")
            info[k] = v.strip()
    return f"{info.get('cpu', '?')}, {info.get('nproc', '?')} CPUs, {info.get('kernel', '?')} — {info.get('date', '?')}"


def text(x, y, s, size=13, anchor="start", weight="normal", fill="#222", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" text-anchor="{anchor}"'
            f' font-weight="{weight}" fill="{fill}" {extra}>{escape(s)}</text>')


def nice_max(v):
    for m in (1, 2, 2.5, 5, 10):
        step = m * 10 ** (len(str(int(v))) - 1) if v >= 1 else m / 10
        if step * 5 >= v:
            return step * 5, step
    return v, v / 5


def bar_chart(path, title, rows, unit="ms"):
    """rows: (label, value, kind) with kind berth|peer|floor."""
    label_w, bar_w, row_h, top = 330, 520, 28, 78
    width, height = label_w + bar_w + 90, top + row_h * len(rows) + 60
    vmax, step = nice_max(max(v for _, v, _ in rows))
    sx = bar_w / vmax
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           text(width / 2, 26, title, 17, "middle", "bold"),
           text(width / 2, 48, machine_line(), 12, "middle", fill="#555")]
    x0 = label_w
    tick = 0.0
    while tick <= vmax + 1e-9:
        x = x0 + tick * sx
        svg.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row_h * len(rows)}" stroke="#e3e3e3"/>')
        svg.append(text(x, top + row_h * len(rows) + 18, f"{tick:g}", 12, "middle", fill="#555"))
        tick += step
    svg.append(text(x0 + bar_w / 2, height - 12, f"median, {unit} (lower is better)", 13, "middle"))
    for i, (label, value, kind) in enumerate(rows):
        y = top + i * row_h
        colour = {"berth": BERTH, "peer": PEER, "floor": FLOOR}[kind]
        svg.append(text(x0 - 8, y + row_h / 2 + 4, label, 13, "end", "bold" if kind == "berth" else "normal"))
        w = max(value * sx, 1)
        svg.append(f'<rect x="{x0}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
        svg.append(text(x0 + w + 5, y + row_h / 2 + 4, f"{value:.1f} {unit}" if value >= 1 else f"{value:.2f} {unit}", 12))
    lx = x0
    for name, colour in (("berth", BERTH), ("peer", PEER), ("floor / reference", FLOOR)):
        svg.append(f'<rect x="{lx}" y="{top - 22}" width="12" height="12" fill="{colour}"/>')
        svg.append(text(lx + 16, top - 12, name, 12))
        lx += 40 + 8 * len(name)
    svg.append("</svg>")
    open(path, "w").write("\n".join(svg) + "\n")


def kind(name):
    if name.startswith("berth version") or "floor" in name or "alone" in name:
        return "floor"
    return "berth" if name.startswith("berth") or name.startswith("warm library") else "peer"


def line_panel(svg, x, y, w, h, title, xs, series, ylabel, xlabel):
    """series: (name, [value or None per x]); x positions evenly spaced (N spans decades)."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not values:
        return
    vmax, step = nice_max(max(values))
    svg.append(text(x + w / 2, y - 12, title, 14, "middle", "bold"))
    svg.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#bbb"/>')
    tick = 0.0
    while tick <= vmax + 1e-9:
        ty = y + h - tick / vmax * h
        svg.append(f'<line x1="{x}" y1="{ty:.1f}" x2="{x + w}" y2="{ty:.1f}" stroke="#eee"/>')
        svg.append(text(x - 6, ty + 4, f"{tick:g}", 12, "end", fill="#555"))
        tick += step
    px = [x + w * (i + 0.5) / len(xs) for i in range(len(xs))]
    for i, n in enumerate(xs):
        svg.append(text(px[i], y + h + 18, str(n), 12, "middle", fill="#555"))
    svg.append(text(x + w / 2, y + h + 40, xlabel, 13, "middle"))
    svg.append(text(x - 48, y + h / 2, ylabel, 13, "middle", extra=f'transform="rotate(-90 {x - 48} {y + h / 2})"'))
    for k, (name, vs) in enumerate(series):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        pts = [(px[i], y + h - v / vmax * h) for i, v in enumerate(vs) if v is not None]
        if len(pts) > 1:
            svg.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                       + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
        for a, b in pts:
            svg.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{colour}"/>')
        ly = y + 16 + 18 * k
        svg.append(f'<rect x="{x + 10}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>')
        svg.append(text(x + 28, ly, name, 12))


def scaling_chart(path, scaling):
    pts = scaling["points"]
    xs = [p["n"] for p in pts]
    ops = [o for o in ("berth ps -a", "berth inspect NAME", "berth run --rm", "lsns (reference)", "berth ns ls")
           if any(o in p["ms"] for p in pts)]
    time_series = [(o, [p["ms"][o]["median"] if o in p["ms"] else None for p in pts]) for o in ops]
    mem_series = [
        ("monitor + container process", [p["memory"]["per_container_pss_kb"] for p in pts]),
        ("monitor (berth-stage)", [p["memory"]["monitors"]["pss_kb_avg"] for p in pts]),
        ("container process (/bin/sleep)", [p["memory"]["containers"]["pss_kb_avg"] for p in pts]),
        ("private only (monitor + container)", [p["memory"].get("per_container_private_kb") for p in pts]),
    ]
    width, height = 1100, 470
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           text(width / 2, 26, "berth as running containers grow", 17, "middle", "bold"),
           text(width / 2, 48, machine_line(), 12, "middle", fill="#555")]
    line_panel(svg, 90, 100, 430, 290, "time per operation (median)", xs, time_series, "ms",
               "running containers N (evenly spaced)")
    line_panel(svg, 630, 100, 430, 290, "Pss per container (and private memory)", xs, mem_series, "kB",
               "running containers N (evenly spaced)")
    svg.append("</svg>")
    open(path, "w").write("\n".join(svg) + "\n")


def main():
    start = load("hyperfine.json")
    if start:
        rows = [(r["command"], r["median"] * 1000, kind(r["command"])) for r in start["results"]]
        warm = load("warm.json")
        if warm:
            rows.append(("warm library path (WarmStart)", warm["median_ms"], "berth"))
        bar_chart(os.path.join(OUT, "start.svg"), "Start to exit of /bin/true (hyperfine medians)", rows)
    execs = load("exec.json")
    if execs:
        rows = [(r["command"], r["median"] * 1000, kind(r["command"])) for r in execs["results"]]
        bar_chart(os.path.join(OUT, "exec.svg"), "exec of true into a running container (hyperfine medians)", rows)
    scaling = load("scaling.json")
    if scaling and scaling["points"]:
        scaling_chart(os.path.join(OUT, "scaling.svg"), scaling)


if __name__ == "__main__":
    main()
