#!/usr/bin/env bash
# tests/fuzz/run.sh — runs each libFuzzer target for a while (default 60 s) from its seed corpus
# and prints executions and findings. Crashes are saved in BUILD_DIR/fuzz-findings/TARGET/; copy
# each into tests/fuzz/regressions/TARGET/ once fixed, so the fuzz-replay-TARGET test keeps it.
#   tests/fuzz/run.sh [BUILD_DIR] [SECONDS] [TARGET…]
set -uo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD/tests/fuzz
BUILD_DIR=$(realpath "${1:-build-fuzz}")
SECS=${2:-60}
shift 2 2>/dev/null || shift $#
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(token manifest certificate checklist)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export G_SLICE=always-malloc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"   # the targets' temporary folders go too, even after a crash

# A real package for the manifest target, made by this build's proofctl (1.2 s, practice TSA),
# so the recording and every digest in it are real; its manifest joins the seed corpus.
export PROOFDESK_DATA_DIR="$work/data"
pkg=$("$BUILD_DIR/src/cli/proofctl" capture --source test --duration 1.2 --checkpoint-interval 0.5 \
  --tsa local --out "$work/ev" --catalog "$work/catalog.db" --case fuzz --scenario fuzz -q 2>/dev/null | tail -n 1)
if [ -f "$pkg/manifest.json" ]; then
  mkdir -p "$work/fuzzdata"
  cp -r "$pkg"/. "$work/fuzzdata/"
  cp "$PROOFDESK_DATA_DIR/local-tsa/practice-ca.pem" "$work/fuzzdata/"
  export PD_FUZZ_PACKAGE="$work/fuzzdata" PD_FUZZ_DATA_DIR="$work/fuzzdata"
fi

status=0; n_ok=0; n_fail=0
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"; findings="$BUILD_DIR/fuzz-findings/$t"
  mkdir -p "$corpus" "$findings"
  cp "$SRC/corpus/$t"/* "$corpus/"
  [ "$t" = manifest ] && [ -n "${PD_FUZZ_PACKAGE:-}" ] && cp "$PD_FUZZ_PACKAGE/manifest.json" "$corpus/real.json"
  [ "$t" = token ] && [ -n "${PD_FUZZ_PACKAGE:-}" ] && cp "$PD_FUZZ_PACKAGE/recording.mp4.tsr" "$corpus/real.tsr"
  dict=()
  [ "$t" = manifest ] || [ "$t" = checklist ] && dict=(-dict="$SRC/json.dict")
  "$BUILD_DIR/tests/fuzz/fuzz-$t" "$corpus" "${dict[@]}" -max_total_time="$SECS" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 \
    >"$work/$t.log" 2>&1
  rc=$?
  execs=$(grep -m1 "stat::number_of_executed_units" "$work/$t.log" | awk '{print $2}')
  # A target that ran nothing (failed to start, empty corpus dir) did not test anything.
  [ $rc -eq 0 ] && [ "${execs:-0}" -eq 0 ] && rc=1
  speed=$(grep -m1 "stat::average_exec_per_sec" "$work/$t.log" | awk '{print $2}')
  cov=$(grep -E "^#[0-9]+" "$work/$t.log" | tail -n 1 | grep -oE "cov: [0-9]+" )
  crashes=$(find "$findings" -type f | wc -l)
  echo "fuzz-$t: ${execs:-0} executions in ${SECS} s (${speed:-0}/s), ${cov:-cov: ?}, exit $rc, ${crashes} saved findings"
  if [ $rc -ne 0 ]; then
    status=1; n_fail=$((n_fail+1))
    grep -E "^(==[0-9]+==ERROR|SUMMARY|    #[0-9] )|runtime error|CRITICAL|fuzz-[a-z]+: " "$work/$t.log" | head -n 20 | sed 's/^/  /'
  fi
  [ $rc -eq 0 ] && n_ok=$((n_ok+1))
done
# One line for .ci/run: each target counts as one test.
echo "fuzz: ${n_ok} passed, ${n_fail} failed, 0 skipped"
exit $status
