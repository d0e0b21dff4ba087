#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan+UBSan) and runs each for a bounded time over its
# corpus. Usage: tools/run-fuzzers.sh [seconds-per-target]
# Exit status is non-zero when a fuzzer finds a crash; the crashing input is kept in build/fuzz/crashes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-30}
dir=$here/build/fuzz

if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz: clang++ not found, libFuzzer targets skipped (their corpora still run as unit tests)"
    exit 0
fi
cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DLEAKDESK_BUILD_FUZZ=ON >/dev/null
# Lines "name=corpus-dir", written at configure time by tests/CMakeLists.txt.
targets=$(sed -n 's/^\([A-Za-z0-9_]*\)=.*/\1_fuzzer/p' "$dir/fuzz-targets.txt")
if [ -z "$targets" ]; then
    echo "fuzz: no fuzz targets defined"
    exit 0
fi
# shellcheck disable=SC2086
cmake --build "$dir" -j "${LEAKDESK_JOBS:-$(nproc)}" --target $targets
mkdir -p "$dir/crashes"
status=0
for t in $targets; do
    name=${t%_fuzzer}
    corpus_src=$(sed -n "s/^$name=//p" "$dir/fuzz-targets.txt")
    work=$dir/corpus/$name
    mkdir -p "$work"
    [ -n "$corpus_src" ] && cp -n "$corpus_src"/* "$work"/ 2>/dev/null || true
    bin=$(find "$dir" -type f -name "$t" -perm -u+x | head -n 1)
    echo "== $t for ${seconds}s (corpus: ${corpus_src:-none})"
    if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/crashes/$name-" \
        -print_final_stats=1 "$work" 2>"$dir/$name.log"; then
        echo "fuzz: $t found a problem; see $dir/$name.log and $dir/crashes/"
        tail -n 30 "$dir/$name.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$dir/$name.log" | sed "s/^/   /"
    fi
done
exit $status
