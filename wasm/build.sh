#!/bin/sh
# Builds the wasm kernels from wasm/src/*.c with clang + lld (Debian: apt-get install clang lld).
#
#   wasm/build.sh           rebuild the four binaries below (+ kernels.wasm.sha256)
#   wasm/build.sh --check   rebuild into temp files and fail unless they are byte-identical
#                           to the committed binaries
#
# kernels.wasm     single-thread: own, growable memory (exported)
# kernels-mt.wasm  the same code for the parallel backend: imported shared memory, atomics,
#                  an exported __stack_pointer so each helper thread gets its own stack
# kernels-relaxed.wasm, kernels-mt-relaxed.wasm
#                  the same two with relaxed SIMD (-mrelaxed-simd -DLW_RELAXED: fused
#                  multiply-add in sums and polynomials), loaded where the engine validates
#                  relaxed SIMD (Node >= 22, Deno, Chromium). Clang 14 emits relaxed SIMD's
#                  pre-standard opcodes, so these need clang 16 (Debian: clang-16 lld-16).
#
# The build is deterministic (no timestamps, no paths; names and producers sections
# stripped), so the same clang/lld reproduces the committed bytes exactly. The compiler that
# built the committed binaries is recorded in wasm/kernels.wasm.sha256.
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang}
CLANG_RELAXED=${CLANG_RELAXED:-clang-16}

# -msimd128: 128-bit SIMD; -mbulk-memory: memory.fill/copy instead of libc calls;
# -mnontrapping-fptoint: saturating float→int; no libc, no entry point; exports: the kernels
# (export_name attributes), __heap_base (start of the arena the host manages) and memory.
COMMON="--target=wasm32 -msimd128 -mbulk-memory -mnontrapping-fptoint -mmutable-globals
  -O3 -fno-builtin -nostdlib -std=c11 -Wall -Wextra -Werror
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--initial-memory=1048576
  -Wl,--max-memory=4294967296 -Wl,--strip-all"

# build CLANG EXTRA_FLAGS OUT OUT_MT
build() {
  # shellcheck disable=SC2086
  "$1" $COMMON $2 -o "$3" "$here"/src/*.c
  # shellcheck disable=SC2086
  "$1" $COMMON $2 -matomics -Wl,--import-memory -Wl,--shared-memory -Wl,--export=__stack_pointer \
    -o "$4" "$here"/src/*.c
}

build_all() {
  build "$CLANG" "" "$1/kernels.wasm" "$1/kernels-mt.wasm"
  build "$CLANG_RELAXED" "-mrelaxed-simd -DLW_RELAXED" "$1/kernels-relaxed.wasm" "$1/kernels-mt-relaxed.wasm"
}

FILES="kernels.wasm kernels-mt.wasm kernels-relaxed.wasm kernels-mt-relaxed.wasm"

version() {
  "$1" --version | head -n 1
}

if [ "${1:-}" = "--check" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/lw-wasm.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  build_all "$dir"
  status=0
  for f in $FILES; do
    cc=$CLANG; case $f in *relaxed*) cc=$CLANG_RELAXED ;; esac
    if cmp -s "$dir/$f" "$here/$f"; then
      echo "wasm/$f: reproducible ($(sha256sum "$dir/$f" | cut -d' ' -f1), $(version "$cc"))"
    else
      echo "wasm/$f differs from a rebuild of wasm/src with $(version "$cc")" >&2
      echo "  committed: $(sha256sum "$here/$f" 2>/dev/null | cut -d' ' -f1)" >&2
      echo "  rebuilt:   $(sha256sum "$dir/$f" | cut -d' ' -f1)" >&2
      status=1
    fi
  done
  [ $status -eq 0 ] || { echo "  recorded:" >&2; cat "$here/kernels.wasm.sha256" >&2; }
  exit $status
else
  build_all "$here"
  for f in $FILES; do chmod 644 "$here/$f"; done
  {
    for f in $FILES; do
      printf '%s  %s\n' "$(sha256sum "$here/$f" | cut -d' ' -f1)" "$f"
    done
    echo "# built with $(version "$CLANG") (relaxed: $(version "$CLANG_RELAXED"))"
  } > "$here/kernels.wasm.sha256"
  for f in $FILES; do echo "built wasm/$f ($(wc -c < "$here/$f") bytes)"; done
fi
