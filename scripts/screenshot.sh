#!/usr/bin/env bash
# Regenerates docs/report-seed.png, the README's picture of `report`: the
# seed scenario's section of the HTML page, as headless Chromium renders
# it (`apt-get install -y chromium` first). Run from anywhere; it builds
# the binary and writes only target/screenshot/ and the PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet
out=target/screenshot
mkdir -p "$out"
target/debug/sanctions-trigger report scenarios/istanbul-2025-06-02.toml \
    --title "Istanbul talks, 2025-06-02" --out "$out/seed.html"
# The whole page of the one scenario, at 70 %, to keep the file small.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --host-resolver-rules="MAP * ~NOTFOUND" --window-size=1000,2750 --force-device-scale-factor=0.7 \
    --screenshot="$PWD/$out/seed.png" \
    "file://$PWD/$out/seed.html" 2> "$out/chromium.log"
# 64 colours are plenty for text and flat fills, at a third of the bytes
# (`apt-get install -y pngquant`).
if command -v pngquant > /dev/null; then
    pngquant --force --strip 64 --output docs/report-seed.png "$out/seed.png"
else
    cp "$out/seed.png" docs/report-seed.png
fi
ls -l docs/report-seed.png
