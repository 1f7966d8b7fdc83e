#!/usr/bin/env bash
# tools/kesim.sh — runs the kesim CLI, installing dependencies and building on first use.
#   tools/kesim.sh run scenarios/seeds/foreign_release.yaml
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
"$root/tools/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKESIM_TESTS=OFF -DKESIM_BENCH=OFF >&2
fi
cmake --build "$build" --target kesim >&2
exec "$build/tools/kesim/kesim" "$@"
