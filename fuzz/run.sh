#!/usr/bin/env bash
# fuzz/run.sh BUILD SECS - runs every fuzzer built in BUILD/fuzz (fuzz_<name>) for SECS seconds
# on a copy of its committed seed corpus (fuzz/corpus/<name>/; the copy keeps the corpus in the
# tree unchanged). Fails on the first finding: a crash, a sanitizer report, a leak, a timeout or
# an out-of-memory; the reproducer is left in BUILD/fuzz/findings/.
#
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCYDRA_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_all
#   fuzz/run.sh build-fuzz 60
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
bins=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$bins" ]; then
    echo "$0: no fuzzers in $build/fuzz (build the fuzz_all target first)" >&2
    exit 1
fi

findings="$build/fuzz/findings"
mkdir -p "$findings"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1"

status=0
for bin in $bins; do
    name=$(basename "$bin")
    name=${name#fuzz_}
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    if [ -d "$here/corpus/$name" ]; then
        cp -r "$here/corpus/$name/." "$work/"
    fi
    echo "== fuzz_$name: ${secs}s on $(find "$work" -type f | wc -l) seeds"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$findings/${name}-" "$work" \
        >"$findings/$name.log" 2>&1; then
        echo "fuzz_$name: FINDING (log $findings/$name.log, reproducer $findings/${name}-*)"
        tail -n 40 "$findings/$name.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$findings/$name.log" || true
        echo "fuzz_$name: no finding"
    fi
    rm -rf "$work"
    trap - EXIT
done
exit $status
