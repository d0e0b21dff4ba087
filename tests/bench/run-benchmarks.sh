#!/usr/bin/env bash
# Runs every benchmark executable (bench_*) built under BUILD_DIR/tests/bench and prints their
# JSON output, one object per line, each wrapped with the benchmark's name.
# usage: tests/bench/run-benchmarks.sh [BUILD_DIR]   (default: build/release)
# Build in Release for meaningful figures. No figure is compared against a threshold here.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:-$here/build/release}
bench_root="$build_dir/tests/bench"
if [ ! -d "$bench_root" ]; then
    echo "run-benchmarks.sh: $bench_root does not exist; build first (tools/dev.sh bench)" >&2
    exit 2
fi

status=0
found=0
while IFS= read -r exe; do
    found=1
    name=$(basename "$exe")
    echo "== $name" >&2
    if output=$("$exe"); then
        printf '{"benchmark": "%s", "result": %s}\n' "$name" "${output:-null}"
    else
        echo "run-benchmarks.sh: $name failed" >&2
        status=1
    fi
done < <(find "$bench_root" -type f -name 'bench_*' -perm -u+x | sort)

[ "$found" = 1 ] || echo "run-benchmarks.sh: no bench_* executables under $bench_root" >&2
exit $status
