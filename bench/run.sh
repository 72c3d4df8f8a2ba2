#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - the engine against PyTorch 1.13 in one run, same machine, same threads.
#
#   bench/run.sh build                 # a full training epoch of ours, 40 steps of torch's
#   STEPS=300 bench/run.sh build       # ours on 300 steps instead of the epoch (quicker)
#   THREADS=1 bench/run.sh build       # thread count for both (default CYDRA_NUM_THREADS or nproc)
#   TORCH_STEPS=20 bench/run.sh build
#
# Runs BUILD_DIR/bench/bench_train_step and bench/torch_mnist.py (Debian's /usr/bin/python3),
# then prints both sides, the ratios, the goals and the load average before and after.
# OPENBLAS_CORETYPE is respected when set. When it is not, OpenBLAS 0.3.21 picks kernels from
# the CPU model and falls back to SSE3 "Prescott" kernels on CPUs it does not know (this
# workplace's, ~3.5x slower than its AVX2 ones): the script then names the best kernels the CPU
# can run, SkylakeX with AVX-512 (F, BW, DQ, VL; oneDNN uses AVX-512 for torch too) or else
# Haswell with AVX2, for both sides, and says so. OPENBLAS_CORETYPE=auto keeps the detection.
# A whole run takes about a minute on a 2-core machine.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin="$build/bench/bench_train_step"
[ -x "$bin" ] || { echo "run.sh: $bin not built (cmake --build $build --target bench_train_step)" >&2; exit 1; }
threads=${THREADS:-${CYDRA_NUM_THREADS:-$(nproc)}}
data=${DATA:-$root/data/MNIST/raw}
py=${PYTHON:-/usr/bin/python3}
if [ -n "${STEPS:-}" ]; then ours_args=(--steps "$STEPS"); else ours_args=(--epoch); fi

coretype_note=""
has() { grep -m1 '^flags' /proc/cpuinfo | grep -qw "$1"; }
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    if has avx512f && has avx512bw && has avx512dq && has avx512vl; then
        export OPENBLAS_CORETYPE=SkylakeX
    elif has avx2; then
        export OPENBLAS_CORETYPE=Haswell
    fi
    [ -n "${OPENBLAS_CORETYPE:-}" ] &&
        coretype_note=" (was unset: set by run.sh; OPENBLAS_CORETYPE=auto keeps OpenBLAS's detection)"
elif [ "${OPENBLAS_CORETYPE:-}" = auto ]; then
    unset OPENBLAS_CORETYPE
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "threads: $threads    OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-<unset, OpenBLAS detects>}$coretype_note"
load_before=$(load)
echo "load average before: $load_before"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "running ours:  $bin --threads $threads ${ours_args[*]} --data $data"
"$bin" --threads "$threads" "${ours_args[@]}" --data "$data" >"$tmp/ours" 2>"$tmp/ours.err" || {
    cat "$tmp/ours.err" >&2
    exit 1
}
have_torch=1
echo "running torch: $py bench/torch_mnist.py --threads $threads --steps ${TORCH_STEPS:-40}"
if ! "$py" "$here/torch_mnist.py" --threads "$threads" --steps "${TORCH_STEPS:-40}" \
    --data "$data" >"$tmp/torch" 2>"$tmp/torch.err"; then
    echo "(torch side failed: $(tail -1 "$tmp/torch.err"))"
    have_torch=0
    : >"$tmp/torch"
fi
load_after=$(load)

get() { sed -n "s/^$2=//p" "$tmp/$1" | head -1; }
echo
echo "OpenBLAS kernels: $(get ours blas_core)   data: $(get ours data)"
echo "sgemm peak: $(get ours sgemm_peak_gflops) GFLOP/s on $threads threads" \
    "($(get ours sgemm_per_core_gflops)/thread single-threaded sgemms side by side;" \
    "OpenBLAS threaded 1536^3: $(get ours sgemm_openblas_threaded_gflops))"
echo
awk -v have_torch="$have_torch" \
    -v o_step="$(get ours step_ms)" -v t_step="$(get torch step_ms)" \
    -v o_min="$(get ours step_min_ms)" -v t_min="$(get torch step_min_ms)" \
    -v o_cpu="$(get ours step_cpu_ms)" -v t_cpu="$(get torch step_cpu_ms)" \
    -v o_gf="$(get ours step_gflops)" -v t_gf="$(get torch step_gflops)" \
    -v o_ep="$(get ours epoch_s_est)" -v t_ep="$(get torch epoch_s_est)" \
    -v o_f="$(get ours forward1000_s)" -v t_f="$(get torch forward1000_s)" \
    -v o_t="$(get ours test_pass_s)" -v t_t="$(get torch test_pass_s)" \
    -v o_rss="$(get ours peak_rss_mb)" -v t_rss="$(get torch peak_rss_mb)" \
    -v o_acc="$(get ours test_accuracy)" -v t_acc="$(get torch test_accuracy)" \
    -v o_n="$(get ours train_steps)" -v t_n="$(get torch train_steps)" \
    -v peak="$(get ours sgemm_peak_gflops)" '
function r(a, b) { return (have_torch && b + 0 > 0 && a + 0 > 0) ? sprintf("%.2fx", a / b) : "-" }
function v(x) { return x == "" ? "-" : x }
BEGIN {
    printf "%-34s %12s %12s %10s\n", "", "ours", "torch 1.13", "ratio"
    printf "%-34s %12s %12s %10s\n", "training step, batch 64 (ms)", o_step, v(t_step), r(t_step, o_step)
    printf "%-34s %12s %12s %10s\n", "fastest step (ms)", o_min, v(t_min), r(t_min, o_min)
    printf "%-34s %12s %12s %10s\n", "CPU time per step, all threads (ms)", o_cpu, v(t_cpu), r(t_cpu, o_cpu)
    printf "%-34s %12.0f %12s %10s\n", "training throughput (images/s)", 64000 / o_step,
        (t_step > 0 ? sprintf("%.0f", 64000 / t_step) : "-"), r(t_step, o_step)
    printf "%-34s %12s %12s %10s\n", "nominal GFLOP/s (4.58 GFLOP/step)", o_gf, v(t_gf), r(o_gf, t_gf)
    printf "%-34s %12s %12s\n", "steps timed", o_n, v(t_n)
    printf "%-34s %12s %12s %10s\n", "epoch, 938 steps (s)", o_ep, v(t_ep), r(t_ep, o_ep)
    printf "%-34s %12s %12s %10s\n", "forward of 1000 test images (s)", o_f, v(t_f), r(t_f, o_f)
    printf "%-34s %12s %12s %10s\n", "test pass, 10000 images (s)", o_t, v(t_t), r(t_t, o_t)
    printf "%-34s %12s %12s %10s\n", "peak RSS (MB)", o_rss, v(t_rss), r(t_rss, o_rss)
    printf "%-34s %12s %12s\n", "test accuracy after the run", o_acc, v(t_acc)
    frac = o_gf / peak
    print ""
    printf "goal: >= 3x torch training throughput   %s (%s)\n", (have_torch ? (t_step / o_step >= 3 ? "met" : "MISSED") : "n/a"), r(t_step, o_step)
    printf "goal: >= 70%% of sgemm peak over epoch   %s (%.0f%% of %s GFLOP/s)\n", (frac >= 0.7 ? "met" : "MISSED"), 100 * frac, peak
    printf "goal: test pass < 2.5 s                 %s (%s s)\n", (o_t < 2.5 ? "met" : "MISSED"), o_t
    printf "goal: peak RSS < 150 MB                 %s (%s MB)\n", (o_rss < 150 ? "met" : "MISSED"), o_rss
}'
echo
echo "load average after: $load_after (before: $load_before)"
