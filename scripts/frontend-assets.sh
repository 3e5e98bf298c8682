#!/usr/bin/env bash
# Browser packages (frontend/package-lock.json) installed with `npm ci`, then the files the clinic serves copied into
# the capture app's static folder (git-ignored): MediaPipe's tasks-vision bundle and WASM files. Nothing is loaded
# from a CDN. axe-core stays in frontend/node_modules: only the accessibility tests inject it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js with npm (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
lock=frontend/package-lock.json
stamp=frontend/node_modules/.installed
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
  npm ci --prefix frontend --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
src=frontend/node_modules/@mediapipe/tasks-vision
dest=src/facetwitch/clinic/capture/static/capture/vendor/tasks-vision
mkdir -p "$dest/wasm"
cp "$src/vision_bundle.mjs" "$src/package.json" "$dest/"
cp "$src"/wasm/vision_wasm_internal.{js,wasm} "$dest/wasm/"
cp "$src"/wasm/vision_wasm_nosimd_internal.{js,wasm} "$dest/wasm/"
echo "Browser assets ready in $dest"
