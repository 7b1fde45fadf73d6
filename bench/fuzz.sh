#!/usr/bin/env bash
# Fuzzes every decoder of untrusted input for a bounded time (FUZZ_SECONDS each,
# default 30) and reports the outcome per decoder. Not part of CI. fuzz/ has one
# cargo-fuzz target, `decoder`, which runs the decoder AIPOOL_FUZZ_DECODER names
# (tests/common/decoders.rs: each platform's from the registry, and the shared
# ones); each decoder keeps its own corpus and artifacts directory.
#
#   bench/fuzz.sh                       # every target, 30 s each
#   FUZZ_SECONDS=300 bench/fuzz.sh sugon_login quantity
#
# cargo fuzz needs a nightly toolchain (it builds with sanitizer flags); the
# script installs cargo-fuzz from crates.io when it is missing. Without nightly
# it says so and exits 2: the same decoders still run on stable as property
# tests (PROPTEST_CASES=100000 cargo test --test decoders_never_panic).
# A crash is saved by libFuzzer under fuzz/artifacts/<decoder>/; once fixed, copy
# it to fuzz/regressions/<decoder>/ so `cargo test` replays it for good.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${FUZZ_SECONDS:-30}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "bench/fuzz.sh: cargo fuzz needs a nightly toolchain (rustup toolchain install nightly)." >&2
    echo "On stable, run the same decoders as property tests instead:" >&2
    echo "  PROPTEST_CASES=100000 cargo test --release --test decoders_never_panic" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Seed each decoder's corpus with its valid sample, and list the decoders
# (fuzz/corpus/decoders.txt).
cargo test --quiet --test decoders_never_panic write_fuzz_seeds -- --ignored >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets <fuzz/corpus/decoders.txt
fi
echo "== building the fuzz target (nightly, sanitizers; the first build takes minutes)"
cargo +nightly fuzz build decoder
failed=()
for t in "${targets[@]}"; do
    log=$(mktemp)
    mkdir -p "$PWD/fuzz/corpus/$t" "$PWD/fuzz/artifacts/$t"
    if AIPOOL_FUZZ_DECODER="$t" cargo +nightly fuzz run decoder "$PWD/fuzz/corpus/$t" -- \
        -artifact_prefix="$PWD/fuzz/artifacts/$t/" -max_total_time="$secs" -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
        echo "$t: ok (${runs:-?} runs in ${secs}s)"
    else
        echo "$t: FAILED; see fuzz/artifacts/$t/ and the log below"
        tail -40 "$log"
        failed+=("$t")
    fi
    rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashing decoders: ${failed[*]}"
    exit 1
fi
echo "all ${#targets[@]} decoders ran ${secs}s each without a crash"
