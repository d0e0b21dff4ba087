#!/usr/bin/env bash
# Makes the heap dumps the sandbox's JVM containers hand out (`jcmd <pid> GC.heap_dump`): a real
# JVM (OpenJDK 17) runs tests/support/java/LeakyService.java and `jcmd GC.heap_dump -gz=1` dumps
# its quiescent heap, once early and once late in the leak for each leaking service, so the diff
# of the two shows the growth. The session payloads are 2 KiB of zeros: the leak is large in bytes
# while the compressed files stay small (about 1.3-2.2 MB each).
#
# usage: resources/heapdumps/make-dumps.sh [OUT_DIR]   (default: this directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:-$here}
make_dump="$here/../../tests/support/java/make-heap-dump.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name cache-MiB listeners
while read -r name cache listeners; do
    "$make_dump" "$work" "$name" --gz --jvm-option -Xmx128m --jvm-option -XX:+UseSerialGC -- \
        --cache-mb "$cache" --payload-bytes 2048 --listeners "$listeners" --connections 8 --threads 2 \
        --thread-local-chunks 100 >/dev/null
    cp "$work/$name.hprof.gz" "$out_dir/$name.hprof.gz"
    chmod 644 "$out_dir/$name.hprof.gz"
    echo "$out_dir/$name.hprof.gz"
done <<'LIST'
checkout-early 4 2000
checkout-late 16 8000
payments-early 2 1000
payments-late 5 2500
LIST
