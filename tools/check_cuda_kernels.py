#!/usr/bin/env python
"""Compile every instantiation of ``cyresample/cuda/kernels.cu`` without a GPU.

CuPy compiles the kernels at run time (NVRTC), so a syntax or template error would
only show on a GPU machine. This script catches them anywhere ``nvcc`` exists: it
generates a ``.cu`` that includes the kernel source and takes the address of every
name expression the backend can request (``_cuda_module.all_name_expressions()``),
which instantiates each template exactly as NVRTC's name expressions do, and
compiles it with ``nvcc -arch=sm_80 -c`` and the options CuPy ends up using: the
backend's ``OPTIONS`` followed by the ``-ftz=true`` CuPy appends. The generated PTX
is then scanned: no instruction may flush subnormals (``.ftz``) or fuse a multiply
and an add (``fma``/``mad`` on floats), which is what keeps GPU results bit-identical
to the CPU kernels.

``--nvrtc`` also compiles each module group with NVRTC itself (``libnvrtc``, found in
``$CUDA_HOME/lib64``, ``/usr/local/cuda/lib64`` or a ``nvidia-cuda-nvrtc`` wheel; or
``--nvrtc-lib PATH``) with its name expressions registered, as ``cupy.RawModule``
does, and checks that every name expression lowers and the PTX passes the same scan.
``--host`` compiles the file as plain C++ (the mode the test-suite uses to run the
kernels on the CPU).

Exit status 0 when everything compiled, or when ``nvcc`` is not installed (with a
message saying so); 1 on a compile error or a forbidden instruction.

    python tools/check_cuda_kernels.py [--arch sm_80] [--host] [--nvrtc] [--keep DIR]
"""
import argparse
import ctypes
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _cuda_module():
    """Import cyresample._cuda_module from this checkout without importing the package
    (which needs the compiled CPU kernels)."""
    import importlib.util
    path = os.path.join(ROOT, "cyresample", "_cuda_module.py")
    if not os.path.exists(path):  # run against an installed cyresample (e.g. a wheel)
        try:
            found = importlib.util.find_spec("cyresample")
        except ImportError:
            found = None
        if found is not None and found.submodule_search_locations:
            path = os.path.join(list(found.submodule_search_locations)[0], "_cuda_module.py")
    spec = importlib.util.spec_from_file_location("_cyr_cuda_module_check", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def find_nvcc():
    """Path of nvcc (PATH, $CUDA_HOME, $CUDA_PATH, /usr/local/cuda), or None."""
    found = shutil.which("nvcc")
    if found:
        return found
    for base in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if base:
            cand = os.path.join(base, "bin", "nvcc")
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                return cand
    return None


def instantiation_source(cm, kernels_path=None):
    """A translation unit that instantiates every kernel the backend may launch."""
    kernels_path = kernels_path or cm.KERNELS_PATH
    lines = ['#include "%s"' % kernels_path.replace("\\", "/"), "",
             "// one entry per (group, name expression) of _cuda_module.all_name_expressions()",
             "void* const cyr_all_kernels[] = {"]
    for group, name in cm.all_name_expressions():
        lines.append("    (void*)&%s,  // %s" % (name, group))
    lines += ["};", ""]
    return "\n".join(lines).replace("void* const cyr_all_kernels[] = {",
                                     "extern void* const cyr_all_kernels[];\n"
                                     "void* const cyr_all_kernels[] = {")


#: What CuPy adds to a RawModule's options (cupy/cuda/compiler.py): -ftz=true last of all.
CUPY_APPENDED = ("-ftz=true",)


def nvcc_command(nvcc, cm, src, obj, arch, keep_dir):
    """The nvcc command line: the backend's options plus CuPy's, for one real architecture;
    the intermediate PTX is kept in ``keep_dir`` for :func:`scan_ptx`."""
    opts = list(cm.OPTIONS) + list(CUPY_APPENDED)
    return [nvcc] + opts + ["-arch=%s" % arch, "--keep", "--keep-dir", keep_dir, "-c", src, "-o", obj]


_FORBIDDEN = re.compile(r"^\s*(?:@!?%p\d+\s+)?((?:fma|mad)\.[a-z.]*f(?:16|32|64)\b|[a-z]+\.[a-z.]*ftz[a-z0-9.]*)",
                        re.M)


def scan_ptx(ptx):
    """Forbidden float instructions in PTX text: fused multiply-adds and anything that
    flushes subnormals (``.ftz``). Returns a sorted list of distinct offenders."""
    return sorted(set(m.group(1) for m in _FORBIDDEN.finditer(ptx)))


def count_entries(ptx):
    return len(re.findall(r"^(?:\.\w+\s+)*\.entry\s", ptx, re.M))


def host_command(cxx, src, obj):
    return [cxx, "-std=c++17", "-ffp-contract=off", "-Wall", "-Wno-unused-variable", "-x", "c++",
            "-c", src, "-o", obj]


def find_nvrtc(explicit=None):
    """Path of libnvrtc, or None."""
    if explicit:
        return explicit
    cands = []
    for base in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if base:
            cands += sorted(glob.glob(os.path.join(base, "lib64", "libnvrtc.so*")))
    for entry in sys.path:
        cands += sorted(glob.glob(os.path.join(entry, "nvidia", "cuda_nvrtc", "lib", "libnvrtc.so*")))
        cands += sorted(glob.glob(os.path.join(entry, "nvidia", "cu1*", "lib", "libnvrtc.so*")))
    cands = [c for c in cands if "builtins" not in os.path.basename(c) and ".alt." not in c]
    return cands[0] if cands else None


def nvrtc_compile(lib, source, options, names):
    """Compile with NVRTC through ctypes: ``(ok, log, ptx, {name: lowered})``."""
    prog = ctypes.c_void_p()
    if lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), b"kernels.cu", 0, None, None):
        return False, "nvrtcCreateProgram failed", "", {}
    try:
        for n in names:
            if lib.nvrtcAddNameExpression(prog, n.encode()):
                return False, "nvrtcAddNameExpression(%r) failed" % n, "", {}
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        rc = lib.nvrtcCompileProgram(prog, len(options), opts)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, log)
        log = log.value.decode(errors="replace")
        if rc:
            return False, log, "", {}
        lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
        ptx = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetPTX(prog, ptx)
        lowered = {}
        for n in names:
            out = ctypes.c_char_p()
            if lib.nvrtcGetLoweredName(prog, n.encode(), ctypes.byref(out)):
                return False, log + "\nnvrtcGetLoweredName(%r) failed" % n, "", {}
            lowered[n] = out.value.decode()
        return True, log, ptx.value.decode(), lowered
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def check_nvrtc(cm, libpath, arch):
    """Compile every module group as cupy.RawModule would; True when all pass."""
    lib = ctypes.CDLL(libpath)
    cc = arch.split("_")[-1]
    # CuPy: user options, -ftz=true, then -arch and --device-as-default-execution-space
    options = list(cm.OPTIONS) + list(CUPY_APPENDED) + ["-arch=compute_%s" % cc,
                                                         "--device-as-default-execution-space"]
    ok = True
    t0 = time.time()
    total = 0
    for group in cm.GROUPS:
        names = cm.name_expressions(group)
        good, log, ptx, lowered = nvrtc_compile(lib, cm.source(), options, names)
        if not good:
            print("check_cuda_kernels: NVRTC group %r FAILED:\n%s" % (group, log))
            ok = False
            continue
        bad = scan_ptx(ptx)
        if bad:
            print("check_cuda_kernels: NVRTC group %r: forbidden instructions %s" % (group, bad))
            ok = False
        if count_entries(ptx) != len(names) or len(set(lowered.values())) != len(names):
            print("check_cuda_kernels: NVRTC group %r: %d entries for %d names"
                  % (group, count_entries(ptx), len(names)))
            ok = False
        total += len(names)
    print("check_cuda_kernels: NVRTC (%s) %d groups, %d instantiations %s (%.1f s)"
          % (os.path.basename(libpath), len(cm.GROUPS), total, "ok" if ok else "FAILED", time.time() - t0))
    return ok


def _run(cmd, what):
    t0 = time.time()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.time() - t0
    if proc.returncode != 0:
        print("check_cuda_kernels: %s FAILED (%.1f s):\n%s\n%s" % (what, dt, " ".join(cmd), proc.stdout))
        return False
    if proc.stdout.strip():
        print(proc.stdout.rstrip())
    print("check_cuda_kernels: %s ok (%.1f s)" % (what, dt))
    return True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="sm_80", help="real GPU architecture to compile for (default sm_80)")
    p.add_argument("--host", action="store_true", help="also compile the kernels as host C++")
    p.add_argument("--nvrtc", action="store_true", help="also compile every module group with libnvrtc")
    p.add_argument("--nvrtc-lib", metavar="PATH", help="libnvrtc to use (implies --nvrtc)")
    p.add_argument("--keep", metavar="DIR", help="write the generated files to DIR and keep them")
    args = p.parse_args(argv)
    cm = _cuda_module()
    names = cm.all_name_expressions()
    tmp = args.keep or tempfile.mkdtemp(prefix="cyr_cuda_check_")
    os.makedirs(tmp, exist_ok=True)
    ok = True
    try:
        src = os.path.join(tmp, "all_kernels.cu")
        with open(src, "w") as f:
            f.write(instantiation_source(cm))
        nvcc = find_nvcc()
        if nvcc is None:
            print("check_cuda_kernels: nvcc not found (PATH, CUDA_HOME, /usr/local/cuda): "
                  "skipping the CUDA compile check of %d kernel instantiations" % len(names))
        else:
            ptx_dir = os.path.join(tmp, "nvcc_keep")
            os.makedirs(ptx_dir, exist_ok=True)
            good = _run(nvcc_command(nvcc, cm, src, os.path.join(tmp, "all_kernels.o"), args.arch, ptx_dir),
                        "nvcc %s, %d instantiations" % (args.arch, len(names)))
            if good:
                ptx = "".join(open(f).read() for f in glob.glob(os.path.join(ptx_dir, "*.ptx")))
                bad = scan_ptx(ptx)
                entries = count_entries(ptx)
                if bad or entries != len(names):
                    print("check_cuda_kernels: PTX scan FAILED: %d entries for %d names; forbidden "
                          "instructions: %s" % (entries, len(names), bad or "none"))
                    good = False
                else:
                    print("check_cuda_kernels: PTX scan ok (%d kernels; no fma/mad on floats, no .ftz)"
                          % entries)
            ok = good and ok
        if args.host:
            cxx = shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++") or shutil.which("clang++")
            if cxx is None:
                print("check_cuda_kernels: no C++ compiler found: skipping the host compile")
            else:
                ok = _run(host_command(cxx, src, os.path.join(tmp, "all_kernels_host.o")),
                          "host C++ (%s), %d instantiations" % (os.path.basename(cxx), len(names))) and ok
        if args.nvrtc or args.nvrtc_lib:
            lib = find_nvrtc(args.nvrtc_lib)
            if lib is None:
                print("check_cuda_kernels: libnvrtc not found: skipping the NVRTC check")
            else:
                ok = check_nvrtc(cm, lib, args.arch) and ok
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
