#!/usr/bin/env bash
# launch.sh - the launch overhead of a multirun: a 20-job sweep of a task that does nothing
# (bench/launch_noop.c), per job, with the basic and the local launcher, against real Hydra's basic
# launcher on the same machine in the same run (bench/launch_noop.py; when the oracle is there).
#
#   bench/launch.sh [BUILD_DIR] [JOBS]      # defaults: build, 20
#
# Per-job overhead = (time of the N-job sweep - time of a 1-job sweep) / (N - 1), so the program's
# start-up is not counted; each figure is the best of 3 runs. The goal is under 10 ms a job.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
jobs=${2:-20}
[ "${build:0:1}" = / ] || build="$here/../$build"
noop="$build/bench/bench_launch_noop"
[ -x "$noop" ] || { echo "launch.sh: $noop not built (cmake --build $build --target bench_launch_noop)" >&2; exit 1; }
hydra=${HYDRA_ORACLE:-/work/oracle/hydra}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# best_of CMD...: the best wall time of 3 runs of CMD (in a fresh sweep dir each time), in seconds
best_of() {
    local best="" t0 t1 d i
    for i in 1 2 3; do
        rm -rf "$work/sw"
        t0=$(now)
        "$@" hydra.sweep.dir="$work/sw" >/dev/null 2>&1 || { echo "launch.sh: failed: $*" >&2; exit 1; }
        t1=$(now)
        d=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", b-a}')
        if [ -z "$best" ] || awk -v d="$d" -v b="$best" 'BEGIN{exit !(d<b)}'; then best=$d; fi
    done
    echo "$best"
}
per_job() { awk -v n="$1" -v one="$2" -v j="$jobs" 'BEGIN{printf "%.2f", (n-one)/(j-1)*1000}'; }

report() { # report NAME CMD...
    local name=$1; shift
    local one n
    one=$(best_of "$@" -m 'i=range(1)')
    n=$(best_of "$@" -m "i=range($jobs)")
    printf "%-34s %8.1f ms for %2d jobs %8.1f ms for 1   %7s ms/job\n" "$name" \
        "$(awk -v x="$n" 'BEGIN{print x*1000}')" "$jobs" "$(awk -v x="$one" 'BEGIN{print x*1000}')" \
        "$(per_job "$n" "$one")"
}

echo "launch overhead: $jobs-job multirun of a no-op task ($(nproc) CPUs, $(uname -m))"
report "cydra basic launcher" "$noop"
report "cydra local launcher (n_jobs=-1)" "$noop" hydra/launcher=local
report "cydra local launcher (n_jobs=1)" "$noop" hydra/launcher=local hydra.launcher.n_jobs=1
if command -v eatmydata >/dev/null 2>&1; then
    report "cydra basic, fsync disabled" eatmydata "$noop"
fi
if [ -d "$hydra/hydra/grammar/gen" ]; then
    cp "$here/launch_noop.py" "$work/launch_noop.py"
    (cd "$work" && report "hydra 1.3.2 basic launcher" env PYTHONPATH="$hydra" "$py" launch_noop.py)
else
    echo "hydra: no oracle at $hydra (set HYDRA_ORACLE)"
fi
