#!/usr/bin/env bash
# Makes assets/fonts/DroidSansFallback-GB2312.ttf, the bundled CJK font: the
# glyphs of Debian's DroidSansFallbackFull.ttf (fonts-droid-fallback,
# Apache-2.0) for printable ASCII (the space included: without it every
# space renders as a missing glyph), every character of GB 2312 (the 6763
# hanzi and its symbols) and every non-ASCII character of the translations
# and of the region names in ui/. The full font (4 MB, ~23k glyphs) costs the terminal
# about 45 MB of heap once fyne's text shaper has parsed it; the subset
# (1 MB) about a quarter of that. The subset is then converted to CFF
# outlines (OpenType .otf, fontforge): go-text keeps CFF charstrings as they
# are, where it expands every TrueType glyph into point structs, so each
# text style fyne parses the font for holds 1.2 MB of it instead of 3.5 MB
# (the file grows from 1.0 to 1.8 MB: hanzi built from TrueType components
# are outlined whole). A site that must show rare characters sets [ui] font
# to the full font's path instead.
# Needs: fonts-droid-fallback, fonttools (pyftsubset), fontforge, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
full=/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
chars=$(mktemp)
ttf=$(mktemp --suffix=.ttf)
trap 'rm -f "$chars" "$ttf"' EXIT
/usr/bin/python3 - assets/translations/*.json ui/*.go >"$chars" <<'PY'
import sys
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
for path in sys.argv[1:]:
    chars.update(open(path, encoding='utf-8').read())
sys.stdout.write(''.join(sorted(c for c in chars if ord(c) > 0x7f)))
PY
pyftsubset "$full" --text-file="$chars" --unicodes=U+0020-007E --layout-features='*' \
  --output-file="$ttf"
fontforge -quiet -lang=ff -c 'Open($1); Generate($2)' "$ttf" assets/fonts/DroidSansFallback-GB2312.otf
