#!/usr/bin/env bash
# Runs the probe suite (CMakeLists.txt beside this) under CTest and checks what CTest reports for each
# of its tests: a binary that skipped for a missing witness AND failed must read as Failed, never as
# Skipped; one that only skipped reads as Skipped (so the check also fails if skips stopped showing).
set -uo pipefail
ctest=$1
suite=$2
tests_dir=${3:-}

out=$("$ctest" --test-dir "$suite" --no-tests=error 2>&1)
status=0
expect() { # test name, what CTest must print after the dots
    if ! grep -Eq "Test +#[0-9]+: $1 \.+ *$2" <<<"$out"; then
        echo "FAIL: CTest must report '$1' as '$2'"
        status=1
    fi
}
expect skipped_and_failing '\*\*\*Failed'
expect failing_and_skipped '\*\*\*Failed'
expect failing_only '\*\*\*Failed'
expect missing_witness_not_allowed '\*\*\*Failed'
expect skipped_only '\*\*\*Skipped'
expect passing_only 'Passed'
# Only LEAKDESK_WITNESS_MISSING marks a skip for CTest; a bare QSKIP elsewhere would exit 0 and read
# as passed.
if [ -n "$tests_dir" ]; then
    bare=$(grep -rn --include='*.cpp' --include='*.h' 'QSKIP(' "$tests_dir" | grep -v '/support/TestSupport.h:')
    if [ -n "$bare" ]; then
        echo "FAIL: QSKIP outside LEAKDESK_WITNESS_MISSING (CTest would count these tests as passed):"
        echo "$bare"
        status=1
    fi
fi
echo "$out"
exit $status
