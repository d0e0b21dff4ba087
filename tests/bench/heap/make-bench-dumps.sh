#!/usr/bin/env bash
# Produces realistic heap dumps for bench_heap from a real JVM running LeakyService (a leaking
# cache, listeners, thread-locals and open connections), dumped with jcmd GC.heap_dump.
# usage: tests/bench/heap/make-bench-dumps.sh BUILD_DIR [100m] [1g]   (default: 100m)
# Writes BUILD_DIR/heap-bench/bench-100m.hprof (~100 MB) and bench-1g.hprof (~1 GB, ~15 M objects).
# The dumps are never committed; bench_heap looks for them in BUILD_DIR/heap-bench/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${1:?usage: make-bench-dumps.sh BUILD_DIR [100m] [1g]}
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100m)
out="$build_dir/heap-bench"
mkdir -p "$out"

for size in "${sizes[@]}"; do
    case "$size" in
    # Sized like the reference dumps: about 70 bytes of dump per object (1 GB ~ 15 M objects).
    100m) heap=-Xmx1g cache=70 payload=160 listeners=100000 threads=8 chunks=2000 ;;
    1g) heap=-Xmx4g cache=700 payload=160 listeners=1000000 threads=32 chunks=8000 ;;
    *) echo "make-bench-dumps.sh: unknown size $size (100m or 1g)" >&2; exit 2 ;;
    esac
    "$here/../../support/java/make-heap-dump.sh" "$out" "bench-$size" --jvm-option "$heap" \
        -- --cache-mb "$cache" --payload-bytes "$payload" --listeners "$listeners" --connections 64 --threads "$threads" \
        --thread-local-chunks "$chunks"
    ls -l "$out/bench-$size.hprof"
done
