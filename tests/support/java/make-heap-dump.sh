#!/usr/bin/env bash
# Compiles LeakyService.java, runs it, waits until its heap is built and quiescent, then takes a
# class histogram (jcmd GC.class_histogram, the ground truth) and a heap dump (jcmd GC.heap_dump)
# of the same live heap. Dumps are generated into a build directory, never committed.
#
# usage: make-heap-dump.sh OUT_DIR NAME [--gz] [--jvm-option OPT]... [-- LeakyService options]
#   writes OUT_DIR/NAME.hprof (OUT_DIR/NAME.hprof.gz with --gz) and OUT_DIR/NAME.histo.txt
# LeakyService options: --cache-mb N --listeners N --connections N --threads N --thread-local-chunks N
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:?usage: make-heap-dump.sh OUT_DIR NAME [--gz] [--jvm-option OPT]... [-- options]}
name=${2:?usage: make-heap-dump.sh OUT_DIR NAME [--gz] [--jvm-option OPT]... [-- options]}
shift 2
gz=0
jvm_options=()
while [ $# -gt 0 ]; do
    case "$1" in
    --gz) gz=1; shift ;;
    --jvm-option) jvm_options+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "make-heap-dump.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

for tool in javac java jcmd; do
    command -v "$tool" >/dev/null || { echo "make-heap-dump.sh: $tool not found (install a JDK 11+)" >&2; exit 3; }
done

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
# Classes of its own per dump name: tests running in parallel (ctest -j) share OUT_DIR, and one
# javac rewriting a class file while another test's JVM loads it fails that JVM.
classes="$out_dir/$name.classes"
if [ ! -f "$classes/LeakyService.class" ] || [ "$here/LeakyService.java" -nt "$classes/LeakyService.class" ]; then
    rm -rf "$classes"
    mkdir -p "$classes"
    javac -d "$classes" "$here/LeakyService.java"
fi

log="$out_dir/$name.log"
dump="$out_dir/$name.hprof"
[ "$gz" = 1 ] && dump="$dump.gz"
histo="$out_dir/$name.histo.txt"
rm -f "$dump" "$histo"
# Emptied here, before the JVM starts: the background job opens the log only when it gets to run,
# and until then a log left by an earlier run (with its READY) would be read as this JVM's.
: >"$log"

# stdin stays open (the program exits when it closes) until we kill the JVM below.
java "${jvm_options[@]}" -cp "$classes" LeakyService "$@" >"$log" 2>&1 < <(sleep 3600) &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# Up to 120 s by the clock; a failure says how long it waited and what the JVM wrote.
started=$SECONDS
until grep -q '^READY' "$log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "make-heap-dump.sh: the JVM exited early:" >&2; cat "$log" >&2; exit 4; }
    if (( SECONDS - started > 120 )); then
        echo "make-heap-dump.sh: the JVM never reported READY within $((SECONDS - started)) s; its output:" >&2
        cat "$log" >&2
        exit 4
    fi
    sleep 0.1
done

histogram() { jcmd "$pid" GC.class_histogram | tail -n +2; }
# The first attach starts the JVM's attach listener (a Java thread, so it allocates); cleaners and
# reference processing may still run after the first full GC. Wait for two identical histograms.
jcmd "$pid" VM.version >/dev/null
previous=$(histogram)
for _ in $(seq 1 10); do
    current=$(histogram)
    [ "$current" = "$previous" ] && break
    previous=$current
done

dump_args=()
[ "$gz" = 1 ] && dump_args+=(-gz=1)
for attempt in 1 2 3; do
    rm -f "$dump"
    jcmd "$pid" GC.heap_dump "${dump_args[@]}" "$dump" >/dev/null
    after=$(histogram)
    if [ "$after" = "$current" ]; then
        printf '%s\n' "$after" >"$histo"
        echo "$dump"
        exit 0
    fi
    current=$after
done
echo "make-heap-dump.sh: the heap kept changing between histogram and dump" >&2
exit 5
