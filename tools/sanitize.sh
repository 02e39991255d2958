#!/usr/bin/env bash
# Build cyresample's extension with sanitizers in a throwaway copy of the repository and run
# the test suite against that build.  Never touches the in-place build of the checkout it is
# run from.
#
#   tools/sanitize.sh asan    AddressSanitizer + UndefinedBehaviorSanitizer build
#                             (-fsanitize=address,undefined, Cython bounds checks on), the
#                             suite run with the ASan runtime LD_PRELOADed
#   tools/sanitize.sh debug   CYRESAMPLE_DEBUG_CYTHON=1 build (Cython boundscheck /
#                             wraparound / initializedcheck on), the suite run normally
#   tools/sanitize.sh all     both, one after the other (default)
#
# Extra arguments after the mode go to pytest (default: -q -p no:cacheprovider).
# Environment:
#   SANITIZE_DIR   where the copies go (default $TMPDIR/cyr-sanitize); <dir>/<mode> is wiped
#   SANITIZE_TORCH 1 (default) lets the suite import torch if installed; 0 hides it
#                  (sys.modules['torch'] = None), so the golden-vector path is exercised
#   CC             compiler (default gcc; the ASan runtime is located with $CC -print-file-name)
#   PYTHON         interpreter (default python)
#
# Sanitizer reports are written to <dir>/<mode>/reports/{asan,ubsan}.<pid> (also from
# subprocesses the tests start).  The script exits non-zero when pytest fails or when any
# report file exists, and prints the reports.
set -euo pipefail

MODE="${1:-all}"
[ $# -gt 0 ] && shift
PYTEST_ARGS=("$@")
[ ${#PYTEST_ARGS[@]} -eq 0 ] && PYTEST_ARGS=(-q -p no:cacheprovider)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${SANITIZE_DIR:-${TMPDIR:-/tmp}/cyr-sanitize}"
PY="${PYTHON:-python}"
CC_BASE="${CC:-gcc}"
SAN="-fsanitize=address,undefined"

copy_tree() {  # copy tracked + untracked-but-not-ignored files (no build outputs) to $1
    local dst="$1"
    rm -rf "$dst"
    mkdir -p "$dst"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
        | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
        | tar --null -T - -cf -) | tar -xf - -C "$dst"
}

run_suite() {  # $1 = work dir; runs pytest on the copy's tests with the copy's build first on sys.path
    local work="$1"
    cd "$work"
    local hide=""
    if [ "${SANITIZE_TORCH:-1}" = "0" ]; then hide="sys.modules['torch'] = None; "; fi
    PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "
import sys; ${hide}
import cyresample, os
assert os.path.dirname(cyresample.__file__) == os.path.join('$work', 'cyresample'), cyresample.__file__
print('cyresample from', cyresample.__file__, flush=True)
import pytest
sys.exit(pytest.main(sys.argv[1:]))
" "${PYTEST_ARGS[@]}"
}

report() {  # $1 = reports dir; prints reports, returns 1 if any
    # "failed to allocate 0x... bytes" warnings are the tests' deliberate terabyte requests
    # (allocator_may_return_null=1 turns them into MemoryError); they are not reports
    local dir="$1" n=0 f
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        if grep -v "WARNING: AddressSanitizer failed to allocate 0x" "$f" | grep -q .; then
            n=$((n + 1))
            echo "--- $f"
            grep -v "WARNING: AddressSanitizer failed to allocate 0x" "$f"
        fi
    done
    if [ "$n" -gt 0 ]; then
        echo "=== $n sanitizer report file(s) in $dir ==="
        return 1
    fi
    echo "=== no sanitizer reports (allocation-failure warnings of deliberate huge requests:" \
         "$(cat "$dir"/* 2>/dev/null | grep -c "failed to allocate 0x")) ==="
    return 0
}

do_asan() {
    local work="$BASE/asan" rc=0
    echo "### asan+ubsan: copying $ROOT to $work"
    copy_tree "$work"
    mkdir -p "$work/reports"
    local libasan
    libasan="$($CC_BASE -print-file-name=libasan.so)"
    [ -e "$libasan" ] || { echo "libasan.so not found ($libasan)"; return 2; }
    libasan="$(readlink -f "$libasan")"
    # libstdc++ preloaded too: C++ exceptions thrown by other extensions (torch) go through
    # ASan's __cxa_throw interceptor, which needs the real symbol at start-up
    local libstdcxx
    libstdcxx="$(readlink -f "$($CC_BASE -print-file-name=libstdc++.so)")"
    echo "### building with -fsanitize=address,undefined (runtime $libasan)"
    # The sanitizer flags ride on CC itself so that setup.py's OpenMP probe (which links a
    # test executable without LDFLAGS) links too; otherwise the build silently drops OpenMP.
    (cd "$work" && \
        CC="$CC_BASE $SAN" \
        CFLAGS="$SAN -fno-omit-frame-pointer -g" \
        LDFLAGS="$SAN" \
        CYRESAMPLE_DEBUG_CYTHON=1 \
        "$PY" setup.py -q build_ext --inplace > "$work/build.log" 2>&1) \
        || { tail -50 "$work/build.log"; return 2; }
    if grep -q "WITHOUT OpenMP" "$work/build.log"; then
        echo "the sanitizer build has no OpenMP (see $work/build.log)"; return 2
    fi
    [ "$(nm -D "$work"/cyresample/_kernels*.so | grep -c __asan_)" -gt 0 ] || { echo "build is not instrumented"; return 2; }
    echo "### running the suite under ASan/UBSan"
    # detect_leaks=0: CPython itself "leaks" at exit. allocator_may_return_null=1: huge
    # requests (the tests ask for terabytes on purpose) must fail like malloc does, with
    # NumPy's MemoryError, instead of aborting.
    ( export LD_PRELOAD="$libasan $libstdcxx"
      export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:abort_on_error=0:log_path=$work/reports/asan:strict_string_checks=0:detect_odr_violation=0"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$work/reports/ubsan"
      export CYRESAMPLE_SANITIZER=asan
      # tests that run non-Python tools (nvcc) would run them with libasan preloaded, which
      # crashes them: leave those out
      local extra=()
      if [ -f "$work/tests/test_cuda.py" ] && grep -q "def test_nvcc_compiles_every_kernel" "$work/tests/test_cuda.py"; then
          extra=(--deselect tests/test_cuda.py::test_nvcc_compiles_every_kernel)
      fi
      PYTEST_ARGS=("${PYTEST_ARGS[@]}" "${extra[@]}")
      run_suite "$work" ) || rc=$?
    report "$work/reports" || rc=1
    echo "### asan+ubsan: exit status $rc"
    return $rc
}

do_debug() {
    local work="$BASE/debug" rc=0
    echo "### debug (Cython checks): copying $ROOT to $work"
    copy_tree "$work"
    echo "### building with CYRESAMPLE_DEBUG_CYTHON=1"
    (cd "$work" && CC="$CC_BASE" CYRESAMPLE_DEBUG_CYTHON=1 "$PY" setup.py -q build_ext --inplace \
        > "$work/build.log" 2>&1) || { tail -50 "$work/build.log"; return 2; }
    if grep -q "WITHOUT OpenMP" "$work/build.log"; then
        echo "the debug build has no OpenMP (see $work/build.log)"; return 2
    fi
    echo "### running the suite on the debug build"
    ( run_suite "$work" ) || rc=$?
    echo "### debug: exit status $rc"
    return $rc
}

case "$MODE" in
    asan) do_asan ;;
    debug) do_debug ;;
    all) rc=0; do_asan || rc=$?; do_debug || rc=$?; exit $rc ;;
    *) echo "usage: $0 [asan|debug|all] [pytest args...]"; exit 2 ;;
esac
