#!/usr/bin/env bash
# tests/fuzz/build.sh — configures and builds a clang + ASan/UBSan build with the libFuzzer
# targets: libproofdesk instrumented for coverage (-fsanitize=fuzzer-no-link), the targets
# linked with -fsanitize=fuzzer. Needs clang and libclang-rt-14-dev.
#   tests/fuzz/build.sh [BUILD_DIR]        (default: build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build-fuzz}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # The GTK app is not needed; b_lundef=false because sanitizer runtimes live in executables.
  CC=clang meson setup "$BUILD_DIR" -Dfuzzing=true -Dapp=false -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args="-fsanitize=fuzzer-no-link -fno-omit-frame-pointer -gline-tables-only" \
    -Dc_link_args="-fsanitize=fuzzer-no-link"
fi
meson compile -C "$BUILD_DIR" \
  tests/fuzz/fuzz-token tests/fuzz/fuzz-manifest tests/fuzz/fuzz-certificate \
  tests/fuzz/fuzz-checklist src/cli/proofctl
echo "fuzz targets in $BUILD_DIR/tests/fuzz/"
