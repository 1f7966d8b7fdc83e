#!/usr/bin/env bash
# tools/setup.sh — installs everything kesim needs on Debian 12 (compiler, CMake, Ninja and the
# libraries), as root or through sudo. Does nothing when all of it is already installed.
#   tools/setup.sh --fuzz      also clang (libFuzzer), for tools/fuzz.sh only
#   tools/setup.sh --browser   also Debian chromium, for the headless-browser test of the HTML
#                              report (tests/html); flags may be combined
set -euo pipefail
packages=(g++ cmake ninja-build libboost-context-dev libyaml-cpp-dev libfmt-dev libcli11-dev
          nlohmann-json3-dev libgtest-dev libbenchmark-dev
          tmux)  # tmux: the test of `kesim play`'s terminal UI (tests/play; skipped without it)
for flag in "$@"; do
  case "$flag" in
    --fuzz) packages+=(clang) ;;
    --browser) packages+=(chromium) ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "kesim setup: ${missing[*]} missing; install as root" >&2; exit 1; }
  as_root=(sudo)
fi
echo "kesim setup: installing ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
