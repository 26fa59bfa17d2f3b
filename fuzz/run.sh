#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another,
# and says which ones found a crash (exit 1 if any did).
# Usage: fuzz/run.sh [SECONDS] [extra cargo-fuzz flags, e.g. --features strict]
# Needs cargo-fuzz (cargo install cargo-fuzz); works on the stable toolchain
# through RUSTC_BOOTSTRAP=1. A crash's input is saved under
# fuzz/artifacts/TARGET/; each target's output goes to fuzz/logs/TARGET.log.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
mkdir -p logs
cargo fuzz build "$@" >logs/build.log 2>&1 || { tail -30 logs/build.log; exit 2; }
failed=()
for t in $(cargo fuzz list); do
    mkdir -p "corpus/$t"
    cargo fuzz run "$@" "$t" -- -max_total_time="$seconds" -print_final_stats=1 \
        >"logs/$t.log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    if [ "$rc" -eq 0 ]; then
        echo "$t: ok, ${runs:-?} executions in ${seconds}s"
    else
        echo "$t: CRASHED (exit $rc), see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        failed+=("$t")
    fi
done
[ "${#failed[@]}" -eq 0 ] || { echo "crashed: ${failed[*]}"; exit 1; }
