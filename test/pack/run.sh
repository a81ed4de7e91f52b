#!/usr/bin/env bash
# `npm run test:pack`: what a user gets from `npm install peridot-kafka`. Packs the package,
# installs the tarball into an empty project with no compiler reachable (gcc, cc, g++, make,
# python are stubs that fail; npm_config_build_from_source=false), then requires every entry
# point from CommonJS, runs the `peridot` command, and produces/fetches records with every codec
# against a broker (KAFKA_CONNECT, or one started through peridot-kafka/dev).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/peridot-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$repo"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball"

mkdir -p "$work/stubs" "$work/project"
for tool in gcc g++ cc c++ clang clang++ make gmake python python3 node-gyp; do
  printf '#!/bin/sh\necho "test:pack: %s was called: installing must not compile" >&2\nexit 1\n' "$tool" > "$work/stubs/$tool"
  chmod +x "$work/stubs/$tool"
done

cd "$work/project"
echo '{ "name": "pack-check", "version": "1.0.0", "private": true, "type": "module" }' > package.json
PATH="$work/stubs:$PATH" npm_config_build_from_source=false \
  npm install --no-audit --no-fund --loglevel=error "$work/$tarball"
cp "$repo/test/pack/roundtrip.mjs" "$repo/test/pack/require.cjs" .
PATH="$work/stubs:$PATH" node require.cjs
PATH="$work/stubs:$PATH" npx --no-install peridot --help | head -n 1
PATH="$work/stubs:$PATH" node roundtrip.mjs
