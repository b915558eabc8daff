#!/bin/sh
# Builds the wasm kernels from wasm/src/*.c with clang + lld (Debian: apt-get install clang lld).
#
#   wasm/build.sh           rebuild wasm/kernels.wasm and wasm/kernels-mt.wasm (+ .sha256)
#   wasm/build.sh --check   rebuild into temp files and fail unless they are byte-identical
#                           to the committed binaries
#
# kernels.wasm     single-thread: own, growable memory (exported)
# kernels-mt.wasm  the same code for the parallel backend: imported shared memory, atomics,
#                  an exported __stack_pointer so each helper thread gets its own stack
#
# The build is deterministic (no timestamps, no paths; names and producers sections
# stripped), so the same clang/lld reproduces the committed bytes exactly. The compiler that
# built the committed binaries is recorded in wasm/kernels.wasm.sha256.
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang}

# -msimd128: 128-bit SIMD; -mbulk-memory: memory.fill/copy instead of libc calls;
# -mnontrapping-fptoint: saturating float→int; no libc, no entry point; exports: the kernels
# (export_name attributes), __heap_base (start of the arena the host manages) and memory.
COMMON="--target=wasm32 -msimd128 -mbulk-memory -mnontrapping-fptoint -mmutable-globals
  -O3 -fno-builtin -nostdlib -std=c11 -Wall -Wextra -Werror
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--initial-memory=1048576
  -Wl,--max-memory=4294967296 -Wl,--strip-all"

build() {
  # shellcheck disable=SC2086
  "$CLANG" $COMMON -o "$1" "$here"/src/*.c
  # shellcheck disable=SC2086
  "$CLANG" $COMMON -matomics -Wl,--import-memory -Wl,--shared-memory -Wl,--export=__stack_pointer \
    -o "$2" "$here"/src/*.c
}

version() {
  "$CLANG" --version | head -n 1
}

if [ "${1:-}" = "--check" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/lw-wasm.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  build "$dir/kernels.wasm" "$dir/kernels-mt.wasm"
  status=0
  for f in kernels.wasm kernels-mt.wasm; do
    if cmp -s "$dir/$f" "$here/$f"; then
      echo "wasm/$f: reproducible ($(sha256sum "$dir/$f" | cut -d' ' -f1), $(version))"
    else
      echo "wasm/$f differs from a rebuild of wasm/src with $(version)" >&2
      echo "  committed: $(sha256sum "$here/$f" 2>/dev/null | cut -d' ' -f1)" >&2
      echo "  rebuilt:   $(sha256sum "$dir/$f" | cut -d' ' -f1)" >&2
      status=1
    fi
  done
  [ $status -eq 0 ] || { echo "  recorded:" >&2; cat "$here/kernels.wasm.sha256" >&2; }
  exit $status
else
  build "$here/kernels.wasm" "$here/kernels-mt.wasm"
  chmod 644 "$here/kernels.wasm" "$here/kernels-mt.wasm"
  {
    for f in kernels.wasm kernels-mt.wasm; do
      printf '%s  %s\n' "$(sha256sum "$here/$f" | cut -d' ' -f1)" "$f"
    done
    echo "# built with $(version)"
  } > "$here/kernels.wasm.sha256"
  echo "built wasm/kernels.wasm ($(wc -c < "$here/kernels.wasm") bytes) and wasm/kernels-mt.wasm ($(wc -c < "$here/kernels-mt.wasm") bytes) with $(version)"
fi
