#!/usr/bin/env bash
# cli.sh - start-up cost of the front end: median wall time of `mnist_00 --cfg job` over N runs,
# against Hydra 1.3.2 running the Python twin (tests/oracle/apps/mnist_00.py) in the same script
# when the oracle is available (HYDRA_ORACLE, default /work/oracle/hydra). The goal is under 5 ms;
# Hydra takes about 0.5 s.
#
#   bench/cli.sh [BUILD_DIR] [RUNS]      # defaults: build, 50
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
runs=${2:-50}
[ "${build:0:1}" = / ] || build="$here/../$build"
exe="$build/mnist_00"
[ -x "$exe" ] || { echo "cli.sh: $exe not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median_ms CMD...: median wall time of RUNS runs of CMD, in milliseconds
median_ms() {
    local n=$1
    shift
    for ((i = 0; i < n; i++)); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
    done | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'
}

cd "$work"
ours=$(median_ms "$runs" "$exe" --cfg job)
printf 'mnist_00 --cfg job, median of %d runs (load average %s):\n' "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  cydra      %8.2f ms\n' "$ours"
hydra=${HYDRA_ORACLE:-/work/oracle/hydra}
if [ -d "$hydra/hydra/grammar/gen" ] && /usr/bin/python3 -c 'import omegaconf, antlr4' 2>/dev/null; then
    cp "$here/../tests/oracle/apps/mnist_00.py" "$work/mnist_00"
    theirs=$(PYTHONPATH=$hydra median_ms $((runs < 10 ? runs : 10)) /usr/bin/python3 "$work/mnist_00" --cfg job)
    printf '  hydra      %8.2f ms (median of %d runs)\n' "$theirs" $((runs < 10 ? runs : 10))
    awk -v a="$theirs" -v b="$ours" 'BEGIN {printf "  ratio      %8.0fx faster\n", a / b}'
else
    echo "  hydra: oracle not available (HYDRA_ORACLE)"
fi
