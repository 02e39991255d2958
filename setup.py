"""Build script: the Cython extension modules of cyresample.

Everything but ``ext_modules`` lives in ``pyproject.toml``. The kernels are
compiled with OpenMP when the compiler supports it; without it (or with
``CYRESAMPLE_NO_OPENMP=1``) they build single-threaded and the build says so.
``CYRESAMPLE_DEBUG_CYTHON=1`` re-enables Cython's bounds and wraparound checks.
Floating-point contraction is disabled (``-ffp-contract=off``) because results
must follow PyTorch's DEFAULT-build evaluation order bit for bit
(docs/semantics.md, "Evaluation order").
"""
import os
import platform
import sys
import sysconfig
import tempfile
import textwrap

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("CYRESAMPLE_DEBUG_CYTHON", "0") == "1"
NO_OPENMP = os.environ.get("CYRESAMPLE_NO_OPENMP", "0") == "1"


def _compiler_accepts(compiler, flags, link_flags=(), source=None):
    """Compile and link a tiny program with ``flags``; True when it works."""
    source = source or "int main(void) { return 0; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        try:
            objs = compiler.compile([src], output_dir=tmp, extra_postargs=list(flags))
            compiler.link_executable(objs, os.path.join(tmp, "probe"), extra_postargs=list(link_flags))
        except Exception:  # noqa: BLE001 - any failure means "not supported"
            return False
    return True


def _libomp_prefix():
    """macOS: the libomp install prefix (CYRESAMPLE_LIBOMP_PREFIX, else Homebrew's), or None."""
    prefix = os.environ.get("CYRESAMPLE_LIBOMP_PREFIX", "").strip()
    if prefix:
        return prefix
    import shutil
    import subprocess
    if shutil.which("brew") is None:
        return None
    try:
        out = subprocess.run(["brew", "--prefix", "libomp"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    prefix = out.stdout.strip()
    return prefix if out.returncode == 0 and os.path.isdir(os.path.join(prefix, "include")) else None


OPENMP_PROBE = textwrap.dedent("""
    #include <omp.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        return n > 0 ? 0 : 1;
    }
""")


class BuildExt(build_ext):
    """Adds OpenMP and optimisation flags that fit the compiler in use."""

    def build_extensions(self):
        ctype = self.compiler.compiler_type
        if ctype == "msvc":
            base = ["/O2", "/fp:precise"]
            omp_c, omp_l = ["/openmp"], []
        else:
            base = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-Wno-unreachable-code",
                    "-Wno-unused-function"]
            omp_c, omp_l = ["-fopenmp"], ["-fopenmp"]
            if sys.platform == "darwin":
                # Apple clang has no OpenMP runtime: LLVM's libomp (brew install libomp;
                # CYRESAMPLE_LIBOMP_PREFIX overrides where it is). Without it the probe
                # fails and the build goes on single-threaded, as with CYRESAMPLE_NO_OPENMP=1.
                prefix = _libomp_prefix()
                inc = ["-I" + os.path.join(prefix, "include")] if prefix else []
                lib = ["-L" + os.path.join(prefix, "lib"), "-Wl,-rpath," + os.path.join(prefix, "lib")] \
                    if prefix else []
                omp_c, omp_l = ["-Xpreprocessor", "-fopenmp"] + inc, lib + ["-lomp"]
        use_omp = not NO_OPENMP and _compiler_accepts(self.compiler, omp_c, omp_l, OPENMP_PROBE)
        if use_omp:
            print("cyresample: building with OpenMP (%s)" % " ".join(omp_c))
        else:
            why = "CYRESAMPLE_NO_OPENMP=1" if NO_OPENMP else "the compiler has no OpenMP support"
            print("cyresample: WARNING building WITHOUT OpenMP (%s): kernels run single-threaded" % why)
            omp_c, omp_l = [], []
        for ext in self.extensions:
            isa = ext.name.rsplit("_", 1)[-1] if ext.name.startswith("cyresample._kernels_") else "baseline"
            gcc_isa, msvc_isa = ISA_FLAGS.get(isa, ([], []))
            isa_flags = msvc_isa if ctype == "msvc" else gcc_isa
            ext.extra_compile_args = base + omp_c + isa_flags + ext.extra_compile_args
            ext.extra_link_args = omp_l + ext.extra_link_args
        self.parallel = self.parallel or os.cpu_count() or 1
        super().build_extensions()


DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "nonecheck": False,
    "embedsignature": True,
}

MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

def render_templates():
    """Render every ``cyresample/*.tp`` file next to itself (Tempita, shipped with Cython)."""
    from Cython import Tempita
    pkg = os.path.join(HERE, "cyresample")
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".tp"):
            src = os.path.join(pkg, name)
            dst = src[:-3]
            with open(src) as f:
                text = Tempita.sub(f.read())
            text = "# Generated from %s by setup.py; do not edit.\n" % name + text
            if not os.path.exists(dst) or open(dst).read() != text:
                with open(dst, "w") as f:
                    f.write(text)


render_templates()

def _isa_variants():
    """(name, gcc/clang flags, msvc flags) of the kernel modules to build on this platform."""
    machine = platform.machine().lower()
    variants = [("baseline", [], [])]
    if machine in ("x86_64", "amd64", "i686", "x86") and os.environ.get("CYRESAMPLE_BASELINE_ONLY") != "1":
        variants.append(("avx2", ["-mavx2", "-mfma", "-mf16c"], ["/arch:AVX2"]))
        variants.append(("avx512", ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2",
                                    "-mfma", "-mf16c"], ["/arch:AVX512"]))
    return variants


def kernel_sources():
    """Write ``_kernels_<isa>.pyx`` (one include line each): Cython needs one source per module."""
    names = []
    for name, _, _ in _isa_variants():
        path = os.path.join(HERE, "cyresample", "_kernels_%s.pyx" % name)
        text = ("# cython: language_level=3\n# Generated by setup.py: the %s build of the kernels.\n"
                "ISA = %r\ninclude \"_kernels_impl.pxi\"\n" % (name, name))
        if not os.path.exists(path) or open(path).read() != text:
            with open(path, "w") as f:
                f.write(text)
        names.append(name)
    return names


ISA_FLAGS = {name: (gcc, msvc) for name, gcc, msvc in _isa_variants()}

extensions = [
    Extension(
        "cyresample._kernels_%s" % name,
        ["cyresample/_kernels_%s.pyx" % name],
        include_dirs=[np.get_include(), os.path.join("cyresample", "src")],
        define_macros=MACROS,
        depends=["cyresample/_kernels_impl.pxi", "cyresample/_separable.pxi", "cyresample/_pointwise.pxi",
                 "cyresample/src/cyr_dtypes.h", "cyresample/src/cyr_u8simd.h",
                 "cyresample/src/cyr_clsimd.h", "cyresample/src/cyr_stream.h"],
    )
    for name in kernel_sources()
] + [
    Extension("cyresample._cpuinfo", ["cyresample/_cpuinfo.pyx"], define_macros=MACROS),
    Extension("cyresample._lastcall", ["cyresample/_lastcall.pyx"], include_dirs=[np.get_include()],
              define_macros=MACROS),
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, quiet=True),
    cmdclass={"build_ext": BuildExt},
)
