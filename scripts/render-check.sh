#!/usr/bin/env bash
# Renders an exported SVG chart and HTML page in headless Chromium and
# checks that each screenshot is far from blank. Installs Debian's chromium
# when it is missing. Needs the debug binary (`cargo test` builds it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "render-check: installing chromium (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Wherever cargo puts its builds: CARGO_TARGET_DIR (relative to here, as
# cargo reads it) or ./target.
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
bin="$target/debug/asynclab"
[ -x "$bin" ] || cargo build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'open channels\nrun\nexport run.svg\nexport run.html\n' |
  (cd "$work" && NO_COLOR=1 "$bin" --lessons "$OLDPWD/lessons" >/dev/null)

shot() { # shot <url> <png>
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --window-size=1000,600 --screenshot="$2" "$1" \
    >/dev/null 2>&1
}

printf '<html><body></body></html>' > "$work/blank.html"
shot "file://$work/blank.html" "$work/blank.png"
blank=$(stat -c %s "$work/blank.png")
status=0
for page in run.svg run.html; do
  shot "file://$work/$page" "$work/$page.png"
  size=$(stat -c %s "$work/$page.png")
  # A blank page compresses to almost nothing; a chart does not.
  if [ "$size" -gt $((blank * 3)) ] && [ "$size" -gt 8000 ]; then
    echo "render-check: $page renders ($size bytes of PNG, blank page $blank)"
  else
    echo "render-check: $page looks blank ($size bytes of PNG, blank page $blank)" >&2
    status=1
  fi
done
exit $status
