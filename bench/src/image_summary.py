#!/usr/bin/env python3
"""bench/image.sh's tables: image-{unpack,pull,run}.json (hyperfine) -> Markdown on stdout.

Each table: median, min, max (seconds or ms), the throughput over the image's gzip and tar bytes
(unpack and pull), the ratio to berth's row, and for every peer row whether berth is as fast
(issue 8's target: "not slower than the peers on any row"). Rows marked as references (the floor,
berth's own variants) are shown but not judged.
"""
import json
import os
import sys

# section -> {peer row: the berth row doing the same work}; every other row is a reference
SECTIONS = {
    "unpack": {"umoci unpack": "berth create (unpacks 4 layers)",
               "skopeo copy oci: dir: (no unpack)": "berth load (blobs into the store, no unpack)"},
    "pull": {"skopeo copy docker: oci: (no unpack)": "berth pull",
             "podman pull (overlay, unpacks)": "berth pull"},
    "run": {"podman run --rm busybox true (overlay)": "berth run --rm busybox true"},
}
# the row the ratio column divides by
FIRST = {"unpack": "berth create (unpacks 4 layers)", "pull": "berth pull", "run": "berth run --rm busybox true"}


def sizes(out):
    s = {}
    with open(os.path.join(out, "image-size.tsv")) as f:
        for line in f:
            k, v = line.split("\t")
            s[k] = int(v)
    return s


def table(section, data, size):
    peers = SECTIONS[section]
    rows = data["results"]
    by_name = {r["command"]: r for r in rows}
    berth = by_name.get(FIRST[section])
    berth_rows = set(peers.values())
    seconds = section != "run"
    unit = "s" if seconds else "ms"
    scale = 1 if seconds else 1000
    head = f"| row | median {unit} | min {unit} | max {unit} |"
    rule = "|:---|---:|---:|---:|"
    if seconds:
        head += " MB/s (gzip) | MB/s (tar) |"
        rule += "---:|---:|"
    head += f" vs `{FIRST[section]}` | target met |"
    rule += "---:|:---|"
    lines = [head, rule]
    for r in rows:
        med = r["median"]
        line = f"| `{r['command']}` | {med * scale:.{2 if seconds else 1}f} | {r['min'] * scale:.{2 if seconds else 1}f}" \
               f" | {r['max'] * scale:.{2 if seconds else 1}f} |"
        if seconds:
            line += f" {size['packed_bytes'] / 1e6 / med:.0f} | {size['unpacked_bytes'] / 1e6 / med:.0f} |"
        ratio = f"{med / berth['median']:.2f}" if berth else "n/a"
        mine = by_name.get(peers.get(r["command"], ""))
        if r["command"] in berth_rows:
            verdict = "(berth)"
        elif r["command"] not in peers:
            verdict = "(reference)"
        elif mine is None:
            verdict = "no berth row"
        else:
            verdict = f"yes, against `{mine['command']}`" if mine["median"] <= med \
                else f"**no**: `{mine['command']}` is {mine['median'] / med:.2f}x"
        lines.append(line + f" {ratio} | {verdict} |")
    return "\n".join(lines)


def main():
    out = sys.argv[1]
    size = sizes(out)
    print(f"Image: {size['layers']} gzip layers, {size['packed_bytes'] / 1e6:.1f} MB compressed,"
          f" {size['unpacked_bytes'] / 1e6:.1f} MB of tar.\n")
    for section in ("unpack", "pull", "run"):
        path = os.path.join(out, f"image-{section}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            data = json.load(f)
        print(f"### {section}\n")
        print(table(section, data, size))
        print()
    machine = os.path.join(out, "image-machine.txt")
    if os.path.exists(machine):
        print("```")
        with open(machine) as f:
            print(f.read().rstrip())
        print("```")


if __name__ == "__main__":
    main()
