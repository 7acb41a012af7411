#!/usr/bin/env bash
# Copy the front-end libraries from their npm packages into static/vendor (served by us, no CDN).
# Run by `make assets` after changing assets/package.json; the results are committed so that
# `make run` needs no Node.js.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../static/vendor
rm -rf "$out" && mkdir -p "$out/tabler" "$out/tabler-icons/fonts" "$out/htmx" "$out/echarts"
cp node_modules/@tabler/core/dist/css/tabler.min.css{,.map} "$out/tabler/"
cp node_modules/@tabler/core/dist/js/tabler.min.js{,.map} "$out/tabler/"
cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css "$out/tabler-icons/"
cp node_modules/@tabler/icons-webfont/dist/fonts/tabler-icons.{woff2,woff,ttf} "$out/tabler-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
for pkg in @tabler/core @tabler/icons-webfont htmx.org echarts; do
  printf '%s %s\n' "$pkg" "$(node -p "require('./node_modules/$pkg/package.json').version")"
done > "$out/VERSIONS"
