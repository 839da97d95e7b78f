#!/usr/bin/python3
"""Reads every image under the given directories (name.png/.jpg/.webp
beside name.txt, the expected text) with zxing-cpp (Debian's
python3-zxing-cpp) and with this project's decoder (`hctool decode`
output, read from the file given by --ours), and prints both decoders'
rates per group (the sweep's module size, or the photo set) and the
images only one of them reads. Used by scripts/compare-zxing.sh."""
import argparse
import collections
import json
import os
import sys

try:
    import zxingcpp
    from PIL import Image
except ImportError as e:
    sys.exit(f"compare-zxing: {e}; install python3-zxing-cpp python3-pil")

ap = argparse.ArgumentParser()
ap.add_argument("--ours", required=True, help="hctool decode output for the same files")
ap.add_argument("dirs", nargs="+")
args = ap.parse_args()

ours = {}
with open(args.ours, encoding="utf-8") as f:
    for line in f:
        parts = line.rstrip("\n").split("\t")
        ours[parts[0]] = None if len(parts) < 2 or parts[1] == "-" else json.loads(parts[1])


def group(path, root):
    rel = os.path.relpath(path, root)
    name = os.path.basename(path)
    if name.startswith("m") and "-r" in name:  # a sweep take: its module size
        return name.split("-")[0][1:] + " px/module"
    return os.path.dirname(rel) or "."


tot, zx, us = collections.Counter(), collections.Counter(), collections.Counter()
only_zx, only_us = [], []
for root in args.dirs:
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            stem, ext = os.path.splitext(name)
            if ext.lower() not in (".png", ".jpg", ".jpeg", ".webp"):
                continue
            path = os.path.join(dirpath, name)
            txt = os.path.join(dirpath, stem + ".txt")
            if not os.path.exists(txt):
                continue
            with open(txt, encoding="utf-8", errors="replace", newline="") as f:
                want = f.read().rstrip()
            g = group(path, root)
            tot[g] += 1
            img = Image.open(path).convert("L")
            rs = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
            z = any(r.text.rstrip() == want for r in rs)
            o = (ours.get(path) or "").rstrip() == want
            zx[g] += z
            us[g] += o
            if z and not o:
                only_zx.append(path)
            if o and not z:
                only_us.append(path)

print(f"{'set':<32} {'images':>7} {'zxing-cpp':>10} {'checkpoint':>11}")
for g in sorted(tot):
    print(f"{g:<32} {tot[g]:>7} {zx[g]:>10} {us[g]:>11}")
print(f"{'all':<32} {sum(tot.values()):>7} {sum(zx.values()):>10} {sum(us.values()):>11}")
print(f"zxing-cpp version: {getattr(zxingcpp, '__version__', 'Debian python3-zxing-cpp')}")
print(f"read by zxing-cpp only ({len(only_zx)}): {' '.join(only_zx)}")
print(f"read by checkpoint only ({len(only_us)}): {' '.join(only_us)}")
