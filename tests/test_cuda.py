"""The CUDA backend: CuPy arrays through ``cyresample.interpolate``.

Three layers, so that most of it runs on machines without a GPU:

1. **Backend logic, always run** (no CuPy needed): dispatch of CuPy-typed arrays and the
   error when CuPy is missing, importing cyresample never importing CuPy, the kernel
   variant sets against the CPU kernels', dtype -> C type and name expressions, kernel
   argument types, launch geometry, overlap checks, plan identity with the CPU backend,
   table upload caching (once per axis plan and device, event waits across streams, entries
   dying with their plans) and module/function caching, all with a fake ``cupy`` module.
2. **The real kernel code on the host** (needs a C++ compiler): ``cuda/kernels.cu`` also
   compiles as plain C++ (every kernel then loops over its outputs on one thread). The test
   builds it into a shared library with one entry point per name expression, and a fake
   ``cupy`` whose arrays are NumPy arrays launches those entry points with exactly the
   argument tuples the backend builds for CuPy (CuPy's calling convention: an array of
   pointers to the argument values). The whole case matrix of ``tests/cases.py``, every
   extension dtype and many layouts then run through the backend's real host code and the
   real kernel arithmetic and must equal the CPU backend bit for bit. What this cannot see:
   NVRTC, the GPU's instruction set, launch configuration and streams.
   ``tools/check_cuda_kernels.py`` (run here when ``nvcc`` exists) covers the compile side:
   every instantiation with nvcc, and the PTX scanned for FMA and flush-to-zero.
3. **The GPU**, skipped without CuPy and a device: the same matrices on CuPy arrays against
   the CPU backend (bit-identical; area-to-1x1 means within an ulp), against torch's CUDA
   kernels when torch with CUDA is installed (within the live-torch tolerances), streams,
   ``out=`` and large downscale factors.
"""
import ctypes
import gc
import os
import shutil
import subprocess
import sys
import sysconfig
import types

import numpy as np
import pytest

import cases as C
import cyresample
from cyresample import _backend_cpu, _backend_cuda as BC, _cuda_module as CM, _plan, _validate

try:
    import cases_dtypes as CD
    DTYPE_CASES = list(CD.GOLDEN_CASES) + list(CD.LAYOUT_CASES)
except Exception:  # noqa: BLE001 - optional: another matrix, maintained elsewhere
    CD = None
    DTYPE_CASES = []

try:
    import ml_dtypes
    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:
    BF16 = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GPU = CM.available()
needs_gpu = pytest.mark.skipif(not GPU, reason="needs CuPy and a CUDA device")


def _kwargs(case):
    return C.call_kwargs(case)


def _bits(a):
    """A C-contiguous unsigned view of the bytes of ``a`` (-0 and infinities compared
    exactly; every NaN mapped to one pattern: NaN signs and payloads depend on operand
    order and hardware -- x86 propagates an operand's NaN, CUDA returns a canonical one)."""
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "c":
        a = a.view(np.float32 if a.dtype.itemsize == 8 else np.float64)
    if a.dtype.kind == "f" or a.dtype == BF16:
        nan = np.isnan(a.astype(np.float64))
        if nan.any():
            a = np.where(nan, np.array(np.nan, a.dtype), a)
    if a.dtype.itemsize in (1, 2, 4, 8):
        return a.view("u%d" % a.dtype.itemsize)
    return a.view(np.uint8)


def assert_same_bits(got, expected, what=""):
    got = np.asarray(got)
    assert got.shape == expected.shape, "%s: shape %r != %r" % (what, got.shape, expected.shape)
    assert got.dtype == expected.dtype, "%s: dtype %s != %s" % (what, got.dtype, expected.dtype)
    g, e = _bits(got), _bits(expected)
    if not np.array_equal(g, e):
        bad = np.argwhere(g != e)
        i = tuple(int(v) for v in bad[0])
        gv, ev = np.ascontiguousarray(got), np.ascontiguousarray(expected)
        if gv.dtype.kind == "c":
            gv = gv.view(np.float32 if gv.dtype.itemsize == 8 else np.float64)
            ev = ev.view(gv.dtype)
        raise AssertionError("%s: %d/%d elements differ; first at %s: got %r, expected %r"
                             % (what, len(bad), g.size, i, gv[i], ev[i]))


# ==========================================================================================
# 1. backend logic (always run)
# ==========================================================================================
class _FakeCupyType:
    """An object whose type claims to live in CuPy (``__module__`` starts with "cupy")."""
    shape = (1, 1, 4)
    dtype = np.dtype(np.float32)


_FakeCupyType.__module__ = "cupy._core.core"


def test_cupy_array_without_cupy_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    with pytest.raises(ImportError, match="CuPy cannot be imported.*cupy-cuda12x"):
        cyresample.interpolate(_FakeCupyType(), size=2)
    up = cyresample.Upsample(size=2)
    with pytest.raises(ImportError, match="CuPy"):
        up(_FakeCupyType())


def test_import_and_numpy_calls_never_import_cupy():
    code = ("import sys, numpy as np, cyresample\n"
            "cyresample.interpolate(np.ones((1, 1, 4, 4), np.float32), size=3, mode='bilinear')\n"
            "cyresample.interpolate(np.ones((1, 1, 4), np.float32), size=3, mode='nearest')\n"
            "import cyresample._backend_cuda, cyresample._cuda_module\n"
            "assert 'cupy' not in sys.modules, 'cupy was imported'\n")
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_variant_sets_match_the_cpu_kernels():
    from cyresample._dispatch import kernels
    assert set(CM.SEPARABLE_VARIANTS) == set(kernels.SEPARABLE_VARIANTS)
    assert set(CM.PRODUCT_VARIANTS) == set(kernels.PRODUCT_VARIANTS)
    assert set(CM.AREA_VARIANTS) == set(kernels.AREA_VARIANTS)


# sizeof of each C type, as NumPy itemsizes (the kernels read storage through these types)
_CTYPE_SIZES = {"float": 4, "double": 8, "cyr_f16": 2, "cyr_bf16": 2, "unsigned char": 1,
                "signed char": 1, "short": 2, "unsigned short": 2, "int": 4, "unsigned int": 4,
                "long long": 8, "unsigned long long": 8}
_CODE_DTYPES = {"f32": "float32", "f64": "float64", "f16": "float16", "u8": "uint8", "i8": "int8",
                "i16": "int16", "u16": "uint16", "i32": "int32", "u32": "uint32", "i64": "int64",
                "u64": "uint64"}


def test_dtype_to_ctype():
    from cyresample import _dtypes
    for code, name in _CODE_DTYPES.items():
        dt = np.dtype(name)
        assert _dtypes.info(dt)[0] == code
        assert _CTYPE_SIZES[CM.ctype(code)] == dt.itemsize
        # signedness: unsigned C types exactly for unsigned NumPy kinds
        assert CM.ctype(code).startswith("unsigned") == (dt.kind == "u"), code
    assert CM.ctype("bf16") == "cyr_bf16" and CM.ctype("f16") == "cyr_f16"
    if BF16 is not None:
        assert _dtypes.info(BF16)[0] == "bf16"
    for code in ("c64", "c128", None):
        with pytest.raises(KeyError):
            CM.ctype(code)
    for unit, ct in CM.GATHER_UNITS.items():
        assert unit == 16 and ct == "cyr_u128" or _CTYPE_SIZES[ct] == unit


def test_name_expressions():
    assert CM.separable_name("f32_f32") == "cyr_separable<float, float>"
    assert CM.separable_name("f16_f32") == "cyr_separable<cyr_f16, float>"
    assert CM.separable_name("f64_u64") == "cyr_separable<double, unsigned long long>"
    assert CM.separable_name("u8_u8") == "cyr_separable<unsigned char, unsigned char>"
    assert CM.product_name("bf16") == "cyr_product<cyr_bf16>"
    assert CM.area_name("f16_low") == "cyr_area<cyr_f16, 1>"
    assert CM.area_name("i64") == "cyr_area<long long, 0>"
    assert CM.gather_name(16) == "cyr_gather<cyr_u128>"
    with pytest.raises(KeyError):
        CM.product_name("u8")
    with pytest.raises(KeyError):
        CM.area_name("c64")
    assert CM.group_of("separable", "f32_bf16") == "bf16"
    assert CM.group_of("separable", "i32_f64") == "i32"
    assert CM.group_of("separable", "f64_f64") == "f64"
    assert CM.group_of("area", "bf16_low") == "bf16"
    assert CM.group_of("product", "f16") == "f16"
    assert CM.group_of("gather", None) == "gather"
    # every kernel the backend can ask for is in exactly the group group_of names
    names = CM.all_name_expressions()
    assert len(names) == len(set(n for _, n in names)) == 60  # incl. the integer product kernels
    for v in CM.SEPARABLE_VARIANTS:
        assert CM.separable_name(v) in CM.name_expressions(CM.group_of("separable", v))
    for v in CM.AREA_VARIANTS:
        assert CM.area_name(v) in CM.name_expressions(CM.group_of("area", v))
    for v in CM.PRODUCT_VARIANTS:
        assert CM.product_name(v) in CM.name_expressions(CM.group_of("product", v))
    for g, n in names:
        assert CM.family(n) in CM.SIGNATURES
    # templates on dtype only: no shape or plan parameter in any name
    assert all(set(n.split("<", 1)[1]) <= set("abcdefghijklmnopqrstuvwxyz_0123456789 ,>")
               for _, n in names)


def test_kernel_args_have_the_parameter_types():
    sig = CM.SIGNATURES["cyr_separable"]
    arr = object()
    args = [7, arr, arr, arr, arr, arr, 4, 14] + [2, 0x10] + [5] * 15
    out = CM.kernel_args("cyr_separable<float, float>", args)
    assert len(out) == len(sig)
    for code, a in zip(sig, out):
        if code == "p":
            assert a is arr
        else:
            assert type(a) is {"q": np.int64, "i": np.int32}[code]
    with pytest.raises(TypeError):
        CM.kernel_args("cyr_area<float, 0>", args)


def test_options_keep_cpu_rounding():
    assert CM.OPTIONS[:2] == ("-std=c++17", "--fmad=false")
    assert "--ftz=false" in CM.OPTIONS and "--prec-div=true" in CM.OPTIONS
    src = CM.source()
    # every float operation in the kernels is an explicit-rounding PTX instruction
    for instr in ("add.rn.f32", "mul.rn.f32", "div.rn.f32", "add.rn.f64", "mul.rn.f64", "div.rn.f64"):
        assert '"%s"' % instr in src
    code = "\n".join(line.split("//")[0] for line in src.splitlines())
    assert "atomic" not in code and "__shared__" not in code


def _unravel_like_kernel(t, nd, perm, n):
    li = [0] * 5
    for j in range(nd - 1, -1, -1):
        q, r = divmod(t, n[j])
        li[(perm >> (4 * j)) & 15] = r
        t = q
    return li


@pytest.mark.parametrize("shape,order", [
    ((2, 3, 4), None), ((2, 3, 4, 5), [0, 2, 3, 1]), ((1, 3, 1, 5, 2), None),
    ((2, 1, 3, 4, 5), [0, 2, 3, 4, 1]), ((1, 1, 1), None), ((3, 2, 4, 1), [3, 2, 1, 0])])
def test_geometry_walks_every_output_once_in_memory_order(shape, order):
    dst = np.empty(shape, np.float32) if order is None else \
        np.empty([shape[d] for d in order], np.float32).transpose(np.argsort(order))
    src_strides = tuple(s * 3 for s in dst.strides)
    total, geom = BC.geometry(dst.shape, src_strides, dst.strides)
    nd, perm, n = geom[0], geom[1], geom[2:7]
    assert total == int(np.prod(shape)) == int(np.prod(n))
    assert list(geom[7:7 + len(shape)]) == list(src_strides)
    assert list(geom[12:12 + len(shape)]) == list(dst.strides)
    seen = set()
    offsets = []
    for t in range(total):
        li = _unravel_like_kernel(t, nd, perm, n)
        seen.add(tuple(li[:len(shape)]))
        offsets.append(sum(i * s for i, s in zip(li, dst.strides)))
    assert len(seen) == total  # a bijection onto the output indices
    if total > 1:  # neighbouring threads write neighbouring memory: the walk is the memory order
        assert offsets == sorted(offsets)


def test_pass_geometry_puts_the_axis_last():
    total, geom = BC.pass_geometry((2, 3, 5, 7), (1, 2, 3, 4), (10, 20, 30, 40), 2)
    assert total == 210
    assert geom[7:12] == [0, 1, 2, 4, 3] and geom[12:17] == [0, 10, 20, 40, 30]
    total, geom = BC.pass_geometry((2, 3, 5, 7, 4), (1, 2, 3, 4, 5), (1, 2, 3, 4, 5), 4)
    assert geom[7:12] == [1, 2, 3, 4, 5]
    total, geom = BC.pass_geometry((2, 3, 5, 7, 4), (1, 2, 3, 4, 5), (1, 2, 3, 4, 5), 2)
    assert geom[7:12] == [1, 2, 4, 5, 3]


def test_area_geometry_pads_to_five_dims():
    total, geom = BC.area_geometry((2, 3, 7), (84, 28, 4), (84, 28, 4))
    assert total == 42
    assert geom[7:12] == [84, 28, 0, 0, 4] and geom[12:17] == [84, 28, 0, 0, 4]
    total, geom = BC.area_geometry((2, 3, 5, 7), (1, 2, 3, 4), (5, 6, 7, 8))
    assert geom[7:12] == [1, 2, 0, 3, 4] and geom[12:17] == [5, 6, 0, 7, 8]


class _A:
    def __init__(self, ptr, shape, strides, itemsize=4):
        self.data = types.SimpleNamespace(ptr=ptr)
        self.shape, self.strides, self.itemsize = shape, strides, itemsize


def test_overlap_check():
    a = _A(1000, (4, 4), (16, 4))
    assert BC.byte_extent(1000, (4, 4), (16, 4), 4) == (1000, 1064)
    assert BC.byte_extent(1000, (4, 4), (-16, 4), 4) == (952, 1016)
    assert BC.byte_extent(1000, (0, 4), (16, 4), 4) == (1000, 1000)
    assert BC.may_overlap(a, _A(1060, (1,), (4,)))
    assert not BC.may_overlap(a, _A(1064, (10,), (4,)))
    assert BC.may_overlap(a, _A(1100, (4,), (-20,)))
    assert not BC.may_overlap(a, _A(1010, (0,), (4,)))


def test_vector_channels():
    assert BC.vector_channels(17, 8) == 16 and BC.vector_channels(7, 8) == 0
    assert BC.vector_channels(5, 0) == 0 and BC.vector_channels(32, 16) == 32


def _plan_cases():
    picked = C.CASES[::17] + [c for c in C.CASES if c.layout == "cl"][::5]
    return [c for c in picked if 0 not in c.out_shape]


@pytest.mark.parametrize("case", _plan_cases(), ids=lambda c: c.id)
def test_plan_is_the_cpu_backends_plan(case):
    x = C.make_input(case)
    req = _validate.interpolate_args(x, **_kwargs(case))
    stand = _validate.stand_in(x.shape, x.dtype, x.strides)
    req_gpu = _validate.interpolate_args(stand, **_kwargs(case))
    plan, code = BC.plan_for(req_gpu)
    cpu = _backend_cpu.prepare(req)
    if cpu.plan is not None:
        assert plan is cpu.plan  # the same lru-cached object: the same key
    assert req_gpu.out_sizes == req.out_sizes and req_gpu.scales == req.scales
    ex = BC.prepare(req_gpu)
    assert ex.out_shape == cpu.out_shape and ex.out_order == cpu.out_order
    if plan.method == _plan.SEPARABLE:
        passes, inter, order = BC.separable_passes(plan, code, stand)
        assert [p[1] - 2 for p in passes] == [d for d in plan.order if not plan.axes[d].skip]
        assert passes[-1][0] is None and all(p[0] is not None for p in passes[:-1])
        assert inter == (np.uint8 if plan.variant == "fixed" else plan.opmath)


# ------------------------------------------------------------------------------------------
# a fake cupy: NumPy arrays that claim to be CuPy arrays
# ------------------------------------------------------------------------------------------
class FakeDevice:
    def __init__(self, id=0):
        self.id = id

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeArray(np.ndarray):
    """A NumPy array that the dispatcher takes for a CuPy array (device 0)."""

    @property
    def data(self):
        return types.SimpleNamespace(ptr=self.__array_interface__["data"][0])

    @property
    def device(self):
        return FakeDevice(0)

    def set(self, arr, stream=None):
        self[...] = arr


FakeArray.__module__ = "cupy._core.core"


class FakeStream:
    def __init__(self, ptr=0):
        self.ptr = ptr
        self.waited = []

    def wait_event(self, event):
        self.waited.append(event)


class FakeEvent:
    def __init__(self, **kwargs):
        self.stream = None
        self.done = False

    def record(self, stream=None):
        self.stream = stream


def make_fake_cupy():
    cp = types.ModuleType("cupy")
    state = types.SimpleNamespace(stream=FakeStream(0), uploads=0, modules=[])

    def alloc_pinned_memory(n):
        state.uploads += 1
        return bytearray(n)

    class RawModule:
        def __init__(self, code, options, name_expressions):
            state.modules.append((code, options, name_expressions))
            self.names = name_expressions

        def get_function(self, name):
            assert name in self.names
            return ("function", name)

    cp.ndarray = FakeArray
    cp.empty = lambda shape, dtype=np.float64: np.empty(shape, dtype).view(FakeArray)
    cp.asarray = lambda a: np.asarray(a).view(FakeArray)
    cp.copyto = np.copyto
    cp.mean = np.mean
    cp.sum = np.sum
    cp.RawModule = RawModule
    cp.cuda = types.SimpleNamespace(
        Device=FakeDevice, get_current_stream=lambda: state.stream, Event=FakeEvent,
        alloc_pinned_memory=alloc_pinned_memory,
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))
    cp._state = state
    return cp


_CACHED = (CM.get_module, CM.get_function)


def _reset_backend_caches():
    BC._TABLES.clear()
    BC._UNIT.clear()
    BC._EXECUTORS.clear()
    for f in _CACHED:
        f.cache_clear()


@pytest.fixture
def fake_cupy(monkeypatch):
    """A fake ``cupy`` in sys.modules (kernels not launchable: see ``host_gpu``)."""
    cp = make_fake_cupy()
    monkeypatch.setitem(sys.modules, "cupy", cp)
    _reset_backend_caches()
    yield cp
    _reset_backend_caches()


def test_module_and_function_caching(fake_cupy):
    m1 = CM.get_module("f32", 0)
    assert CM.get_module("f32", 0) is m1
    assert CM.get_module("f32", 1) is not m1
    code, options, names = fake_cupy._state.modules[0]
    assert code == CM.source() and options == CM.OPTIONS and names == CM.name_expressions("f32")
    assert len(fake_cupy._state.modules) == 2
    f = CM.get_function("f32", "cyr_product<float>", 0)
    assert f == ("function", "cyr_product<float>")
    assert CM.get_function("f32", "cyr_product<float>", 0) is f
    assert len(fake_cupy._state.modules) == 2
    assert CM.available()
    fake_cupy.cuda.runtime.is_hip = True
    with pytest.raises(RuntimeError, match="NVIDIA"):
        CM.get_module("f64", 0)


def test_device_tables_upload_once_per_plan_and_device(fake_cupy):
    ax = _plan.linear_axis(7, 5, False, None, np.float32)
    w = BC.device_table(ax, "weight", 0)
    assert isinstance(w, FakeArray) and np.array_equal(w, ax.weight)
    assert fake_cupy._state.uploads == 1
    entry = BC._TABLES[ax][(0, "weight")]
    assert entry.event.stream is fake_cupy._state.stream  # copy and event on the current stream
    assert BC.device_table(ax, "weight", 0) is w
    assert fake_cupy._state.uploads == 1
    BC.device_table(ax, "index", 0)
    BC.device_table(ax, "weight", 1)
    assert fake_cupy._state.uploads == 3
    # while the copy may be running, users wait for it on the device (an event), never the host
    fake_cupy._state.stream = other = FakeStream(1234)
    assert BC.device_table(ax, "weight", 0) is w
    assert len(other.waited) == 1 and other.waited[0] is entry.event
    # once the event has completed, no more waits and the pinned staging buffer is released
    entry.event.done = True
    assert BC.device_table(ax, "weight", 0) is w
    assert entry.event is None and entry.staged is None
    assert BC.device_table(ax, "weight", 0) is w
    assert len(other.waited) == 1


def test_device_tables_die_with_their_plans(fake_cupy):
    ax = _plan.AxisPlan(5, 3, np.array([[0], [2], [4]]), None, np.ones(3, np.int64))
    BC.device_table(ax, "index", 0)
    assert len(BC._TABLES) == 1
    del ax
    gc.collect()
    assert len(BC._TABLES) == 0


def test_out_checks_with_fake_cupy(fake_cupy):
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4).view(FakeArray)
    with pytest.raises(TypeError, match="cupy.ndarray"):
        cyresample.interpolate(x, size=2, out=np.empty((1, 1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="shape"):
        cyresample.interpolate(x, size=2, out=fake_cupy.empty((1, 1, 3, 2), np.float32))
    with pytest.raises(TypeError, match="dtype"):
        cyresample.interpolate(x, size=2, out=fake_cupy.empty((1, 1, 2, 2), np.float64))
    # validation errors are the NumPy path's
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        cyresample.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(NotImplementedError):
        cyresample.interpolate(x, size=2, mode="linear")


# ==========================================================================================
# 2. the kernel source compiled for the host, driven by the real backend
# ==========================================================================================
_HARNESS_HEAD = r"""
#include <cstddef>
#include <type_traits>
#include <utility>
#include "%s"

template <class T> constexpr char cyr_code() {
    return std::is_pointer<T>::value ? 'p'
         : std::is_same<T, long long>::value ? 'q'
         : std::is_same<T, int>::value ? 'i' : '?';
}
template <class... P> const char* cyr_sig(void (*)(P...)) {
    static const char s[] = {cyr_code<P>()..., 0};
    return s;
}
template <class... P, std::size_t... I>
void cyr_invoke(void (*f)(P...), void** a, std::index_sequence<I...>) {
    f(*static_cast<P*>(a[I])...);
}
// a[k] points at the value of parameter k: CUDA's kernelParams convention, which CuPy uses
template <class... P> void cyr_call(void (*f)(P...), void** a) {
    cyr_invoke(f, a, std::index_sequence_for<P...>{});
}
"""


def _find_cxx():
    for cand in (os.environ.get("CXX"), sysconfig.get_config_var("CXX"), "c++", "g++", "clang++"):
        if cand:
            exe = shutil.which(cand.split()[0])
            if exe:
                return exe
    return None


class HostKernels:
    """The host build of kernels.cu: ``launch(name)`` gives a CuPy-like function object."""

    def __init__(self, lib, names):
        self.lib = lib
        self.index = {name: k for k, (_, name) in enumerate(names)}
        self.launches = []

    def signature(self, name):
        f = getattr(self.lib, "cyr_sig_%d" % self.index[name])
        f.restype = ctypes.c_char_p
        return f().decode()

    def function(self, name):
        run = getattr(self.lib, "cyr_run_%d" % self.index[name])
        run.argtypes = [ctypes.c_void_p]
        run.restype = None
        sig = CM.SIGNATURES[CM.family(name)]
        launches = self.launches

        def fn(grid, block, args):
            assert len(args) == len(sig), name
            holders = []
            for code, a in zip(sig, args):
                if code == "p":
                    assert isinstance(a, FakeArray), (name, type(a))
                    holders.append(ctypes.c_void_p(a.data.ptr))
                elif code == "q":
                    assert type(a) is np.int64, (name, type(a))
                    holders.append(ctypes.c_longlong(int(a)))
                else:
                    assert type(a) is np.int32, (name, type(a))
                    holders.append(ctypes.c_int(int(a)))
            total = int(args[0])
            assert len(grid) == 1 and len(block) == 1 and grid[0] >= 1
            assert grid[0] * block[0] >= min(total, BC.MAX_GRID * BC.BLOCK)
            params = (ctypes.c_void_p * len(holders))(*[ctypes.addressof(h) for h in holders])
            launches.append(name)
            run(params)
        return fn


@pytest.fixture(scope="session")
def host_kernels(tmp_path_factory):
    cxx = _find_cxx()
    if cxx is None:
        pytest.skip("no C++ compiler to build the host version of the CUDA kernels")
    d = tmp_path_factory.mktemp("cuda_host")
    names = CM.all_name_expressions()
    lines = [_HARNESS_HEAD % CM.KERNELS_PATH.replace("\\", "/"), 'extern "C" {']
    for k, (_, name) in enumerate(names):
        lines.append("void cyr_run_%d(void** a) { cyr_call(&%s, a); }" % (k, name))
        lines.append("const char* cyr_sig_%d() { return cyr_sig(&%s); }" % (k, name))
    lines.append("}")
    src = d / "harness.cpp"
    src.write_text("\n".join(lines))
    lib = d / "cyr_cuda_host.so"
    cmd = [cxx, "-std=c++17", "-O1", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared",
           str(src), "-o", str(lib)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, "host build of kernels.cu failed:\n%s\n%s" % (" ".join(cmd), proc.stderr)
    return HostKernels(ctypes.CDLL(str(lib)), names)


@pytest.fixture
def host_gpu(fake_cupy, host_kernels, monkeypatch):
    """fake cupy + CM.get_function launching the host build of the kernels."""
    def get_function(group, name, device_id):
        assert name in CM.name_expressions(group), (group, name)
        assert device_id == 0
        return host_kernels.function(name)
    monkeypatch.setattr(CM, "get_function", get_function)
    host_kernels.launches.clear()
    return host_kernels


def test_host_kernel_signatures_match(host_kernels):
    for _, name in CM.all_name_expressions():
        assert host_kernels.signature(name) == CM.SIGNATURES[CM.family(name)], name


def run_both(x, out=None, **kwargs):
    """(CPU result, fake-GPU result); both must raise the same error or none."""
    err = None
    try:
        expected = cyresample.interpolate(x, **kwargs)
    except Exception as e:  # noqa: BLE001
        err = e
    xg = x.view(FakeArray)
    if err is not None:
        with pytest.raises(type(err)) as info:
            cyresample.interpolate(xg, out=out, **kwargs)
        assert str(info.value) == str(err)
        return None, None
    before = x.copy()
    got = cyresample.interpolate(xg, out=out, **kwargs)
    assert type(got) is FakeArray
    assert _bits(x).tobytes() == _bits(before).tobytes(), "the input was modified"
    if out is None:
        assert got.strides == expected.strides, "layout differs from the CPU result"
    return expected, got.view(np.ndarray)


@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_host_matrix(case, host_gpu):
    x = C.make_input(case)
    expected, got = run_both(x, **_kwargs(case))
    assert_same_bits(got, expected, case.id)


@pytest.mark.parametrize("case", DTYPE_CASES, ids=lambda c: c.id)
def test_host_dtype_matrix(case, host_gpu):
    try:
        x = CD.make_input(case)
    except ImportError as e:
        pytest.skip(str(e))
    expected, got = run_both(x, **_kwargs(case))
    assert_same_bits(got, expected, case.id)


# extension dtypes and layouts on a slice of the matrix
EXTRA_DTYPES = ["float16", "bfloat16", "uint8", "int8", "int16", "uint16", "int32", "uint32",
                "int64", "uint64", "complex64", "complex128", "bool"]
LAYOUTS = ["c", "f", "neg", "step", "cl", "hw"]


def extra_input(case, dtype, layout):
    """Values of ``case`` in another dtype and memory layout (deterministic)."""
    a = C._logical_values(case)
    dt = BF16 if dtype == "bfloat16" else np.dtype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        if dt.kind in "iu":
            info = np.iinfo(dt)
            scale = 40.0 if dt.itemsize == 1 else 1000.0
            offset = 128.0 if dt.kind == "u" else 0.0
            lim = min(float(info.max), 2.0 ** 40)
            a = np.clip(np.round(np.nan_to_num(a * scale + offset, nan=0.0, posinf=lim, neginf=-lim)),
                        max(float(info.min), -lim), lim)
        elif dt.kind == "c":
            a = a + 1j * a[..., ::-1]
        elif dt.kind == "b":
            a = a > 0
        x = a.astype(dt)
    nd = x.ndim
    if layout == "c":
        return np.ascontiguousarray(x)
    if layout == "f":
        return np.asfortranarray(x)
    if layout == "neg":
        idx = (slice(None), slice(None, None, -1)) + (slice(None, None, -1),) * (nd - 2)
        return np.ascontiguousarray(x[idx])[idx]
    if layout == "step":
        big = np.zeros(tuple(2 * s + 1 for s in x.shape), x.dtype)
        big[(slice(1, None, 2),) * nd] = x
        return big[(slice(1, None, 2),) * nd]
    if layout == "cl":
        to_last = (0,) + tuple(range(2, nd)) + (1,)
        back = (0, nd - 1) + tuple(range(1, nd - 1))
        return np.ascontiguousarray(np.transpose(x, to_last)).transpose(back)
    if layout == "hw":
        perm = tuple(range(nd - 2)) + (nd - 1, nd - 2)
        return np.ascontiguousarray(x.transpose(perm)).transpose(perm)
    raise ValueError(layout)


def _extra_params():
    base = [c for c in C.CASES if c.dtype == "float32" and "empty" not in c.tags][::23]
    params = []
    for k, case in enumerate(base):
        for j, dt in enumerate(EXTRA_DTYPES):
            if (k + j) % 3 == 0:
                params.append((case, dt, LAYOUTS[(k + 2 * j) % len(LAYOUTS)]))
    return params


@pytest.mark.parametrize("case,dtype,layout", _extra_params(),
                         ids=lambda v: v.id if isinstance(v, C.Case) else str(v))
def test_host_extension_dtypes_and_layouts(case, dtype, layout, host_gpu):
    if dtype == "bfloat16" and BF16 is None:
        pytest.skip("ml_dtypes is not installed")
    x = extra_input(case, dtype, layout)
    expected, got = run_both(x, **_kwargs(case))
    if expected is not None:
        assert_same_bits(got, expected, "%s %s %s" % (case.id, dtype, layout))


WIDE = [  # every method, every dtype family, with odd layouts and out=
    dict(size=(9, 13), mode="bilinear"),  # product (small output)
    dict(size=(130, 13), mode="bilinear"),  # separable
    dict(size=(5, 4), mode="bicubic", align_corners=True),
    dict(size=(3, 2), mode="bilinear", antialias=True),
    dict(size=(4, 3), mode="lanczos", antialias=True),
    dict(size=(3, 5), mode="area"),
    dict(size=(1, 1), mode="area"),
    dict(size=(11, 3), mode="nearest"),
    dict(size=(11, 3), mode="nearest-exact"),
]


@pytest.mark.parametrize("kw", WIDE, ids=lambda kw: "%s-%s" % (kw["mode"], kw["size"]))
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "uint8", "int16",
                                   "uint32", "int64", "complex64", "complex128"])
def test_host_out_argument(kw, dtype, host_gpu):
    if dtype == "bfloat16" and BF16 is None:
        pytest.skip("ml_dtypes is not installed")
    case = C.Case("bilinear", "float32", (2, 5, 7, 6), "randn", size=(3, 3))
    x = extra_input(case, dtype, "cl")
    expected = cyresample.interpolate(x, **kw)
    # a strided out (every other element of a bigger Fortran-order buffer)
    big = np.zeros(tuple(2 * s for s in expected.shape), expected.dtype, order="F")
    out = big[(slice(None, None, 2),) * 4].view(FakeArray)
    _, got = run_both(x, out=out, **kw)
    assert np.shares_memory(got, big)
    assert_same_bits(got, expected, "out=")
    # an out that overlaps the input: computed into a temporary first
    if expected.shape == x.shape:
        xg = x.copy().view(FakeArray)
        res = cyresample.interpolate(xg, out=xg, **kw)
        assert res is xg
        assert_same_bits(res.view(np.ndarray), expected, "overlapping out=")


def test_host_large_downscale_factors(host_gpu):
    # antialias windows of ~2000 taps per output: taps come from global memory, no limit
    rs = np.random.RandomState(3)
    x = rs.randn(1, 2, 5, 6000).astype(np.float32)
    for kw in (dict(size=(2, 3), mode="bilinear", antialias=True),
               dict(size=(1, 2), mode="bicubic", antialias=True),
               dict(size=(2, 3), mode="area")):
        expected, got = run_both(x, **kw)
        assert_same_bits(got, expected, str(kw))
    u8 = (rs.rand(1, 3, 4, 4000) * 255).astype(np.uint8)
    expected, got = run_both(u8, size=(2, 2), mode="lanczos", antialias=True)
    assert_same_bits(got, expected, "uint8 lanczos")


def test_host_special_values(host_gpu):
    # subnormals, signed zeros, inf/nan payloads through every float kernel
    tiny = np.float32(1e-45)
    vals = np.array([0.0, -0.0, tiny, -tiny, 1e-39, np.inf, -np.inf, np.nan, 3.0e38, -1e-40,
                     1.0, 2.5], np.float32)
    x = np.resize(vals, (1, 3, 8, 9)).astype(np.float32)
    for dt in (np.float32, np.float64, np.float16) + ((BF16,) if BF16 is not None else ()):
        with np.errstate(over="ignore"):
            xx = x.astype(dt)
        for kw in (dict(size=(5, 4), mode="bilinear"), dict(size=(17, 200), mode="bilinear"),
                   dict(size=(5, 4), mode="bicubic"), dict(size=(3, 4), mode="area"),
                   dict(size=(3, 4), mode="bilinear", antialias=True)):
            expected, got = run_both(xx, **kw)
            if expected is not None:
                assert_same_bits(got, expected, "%s %s" % (np.dtype(dt), kw))


@pytest.mark.skipif(not hasattr(_backend_cpu, "executor_for_plan"), reason="no CPU executor_for_plan")
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "uint8", "int32", "complex64"])
def test_host_arbitrary_plans_with_empty_rows(dtype, host_gpu):
    # tables where some outputs have no tap (adjoint plans): those outputs are zero
    fixed = dtype == "uint8"
    T = np.float64 if dtype in ("float64", "int32") else np.float32
    idx = np.array([[0, 1], [2, 3], [0, 0], [4, 4]])
    if fixed:
        w, shift = np.array([[8192, 8192], [4096, 12288], [0, 0], [16384, 0]], np.int32), 14
    else:
        w, shift = np.array([[0.5, 0.5], [0.25, 0.75], [0, 0], [1, 0]], T), 0
    ax = _plan.AxisPlan(5, 4, idx, w, np.array([2, 2, 0, 1]), shift=shift)
    plan = _plan.Plan(_plan.SEPARABLE, [_plan.identity_axis(3), ax], (1, 0), T,
                      variant="fixed" if fixed else "")
    x = extra_input(C.Case("bilinear", "float32", (2, 2, 3, 5), "randn", size=(3, 4)), dtype, "cl")
    expected = _backend_cpu.executor_for_plan(x, plan, (2, 2, 3, 4))(x)
    got = BC.executor_for_plan(x.view(FakeArray), plan, (2, 2, 3, 4))(x.view(FakeArray))
    assert type(got) is FakeArray
    assert_same_bits(got.view(np.ndarray), expected, dtype)
    assert not _bits(expected[..., 2]).any()


def test_host_int64_exactness_error(host_gpu):
    x = np.full((1, 1, 4), 2 ** 60, np.int64)
    expected, got = run_both(x, size=3, mode="linear")  # both raise the same ValueError
    assert expected is None


def test_host_repeat_calls_reuse_executor_and_tables(host_gpu, fake_cupy):
    x = np.random.RandomState(0).randn(1, 2, 9, 8).astype(np.float32)
    for k in range(3):
        _, got = run_both(x, size=(20, 300), mode="bicubic")
        if k == 0:
            uploads = fake_cupy._state.uploads
            n_exec = len(BC._EXECUTORS)
    assert fake_cupy._state.uploads == uploads == 6  # index, weight, ntaps of two axes
    assert len(BC._EXECUTORS) == n_exec == 1
    assert host_gpu.launches.count("cyr_separable<float, float>") == 6  # two passes x 3 calls


def test_host_modules_accept_cupy_arrays(host_gpu):
    x = np.random.RandomState(1).randn(1, 2, 4, 5).astype(np.float32)
    up = cyresample.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    got = up(x.view(FakeArray))
    assert type(got) is FakeArray
    assert_same_bits(got.view(np.ndarray), up(x), "Upsample")
    with pytest.warns(UserWarning):
        got = cyresample.upsample_nearest(x.view(FakeArray), scale_factor=3)
    assert type(got) is FakeArray


# ------------------------------------------------------------------------------------------
# the CUDA compile check (nvcc): every instantiation, PTX free of FMA and FTZ
# ------------------------------------------------------------------------------------------
def test_nvcc_compiles_every_kernel():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import check_cuda_kernels
    finally:
        sys.path.pop(0)
    if check_cuda_kernels.find_nvcc() is None:
        pytest.skip("nvcc not found")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "check_cuda_kernels.py")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PTX scan ok" in proc.stdout


# ==========================================================================================
# 3. on the GPU
# ==========================================================================================
def host_image(x):
    """``(buffer, offset)``: the bytes of the whole NumPy allocation behind ``x`` and the
    byte offset of ``x``'s first element in it (negative strides point below it)."""
    root = x
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.size == 0:
        return np.zeros(1, np.uint8), 0
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        raise ValueError("the allocation behind the array is not contiguous")
    flat = np.ravel(root, order="K").view(np.uint8)
    offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return flat, offset


def test_host_image_reconstructs_every_layout():
    case = C.Case("bilinear", "float32", (2, 3, 4, 5), "randn", size=(3, 3))
    for layout in LAYOUTS:
        for dt in ("float32", "complex128", "uint8"):
            x = extra_input(case, dt, layout)
            flat, offset = host_image(x)
            y = np.ndarray(x.shape, x.dtype, buffer=flat, offset=offset, strides=x.strides)
            assert y.strides == x.strides and np.array_equal(y, x), (layout, dt)


def to_device(x):
    """A CuPy array with exactly ``x``'s values, strides and offset."""
    import cupy
    flat, offset = host_image(x)
    dev = cupy.asarray(flat)
    return cupy.ndarray(x.shape, x.dtype, memptr=dev.data + offset, strides=x.strides)


def gpu_supports(dtype):
    import cupy
    try:
        cupy.zeros(2, dtype) + 0
    except Exception:  # noqa: BLE001 - e.g. bfloat16 before CuPy 14
        return False
    return True


def _real_view(a):
    a = np.ascontiguousarray(a)
    return a.view(np.float32 if a.dtype.itemsize == 8 else np.float64) if a.dtype.kind == "c" else a


def gpu_vs_cpu(x, case=None, **kwargs):
    import cupy
    if not gpu_supports(x.dtype):
        pytest.skip("this CuPy has no %s arrays" % x.dtype)
    try:
        expected = cyresample.interpolate(x, **kwargs)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            cyresample.interpolate(to_device(x), **kwargs)
        return
    xd = to_device(x)
    got = cyresample.interpolate(xd, **kwargs)
    assert isinstance(got, cupy.ndarray) and got.device.id == xd.device.id
    assert got.strides == expected.strides
    host = cupy.asnumpy(got)
    if kwargs.get("mode") == "area" and all(o == 1 for o in expected.shape[2:]) and \
            (expected.dtype.kind in "fc" or expected.dtype == BF16):
        # the mean: CuPy's float64 reduction order is not NumPy's (within an ulp)
        g, e = _real_view(host), _real_view(expected)
        eps = float(np.finfo(g.dtype).eps) if g.dtype != BF16 else 2.0 ** -7
        m = C.max_abs_finite(_real_view(x).astype(np.float64))
        msg = C.compare(g.astype(np.float64), e.astype(np.float64), 4 * eps * m, 4 * eps)
        assert msg is None, msg
    else:
        assert_same_bits(host, expected, case.id if case is not None else str(kwargs))


@needs_gpu
@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_gpu_matrix(case):
    gpu_vs_cpu(C.make_input(case), case, **_kwargs(case))


@needs_gpu
@pytest.mark.parametrize("case", DTYPE_CASES, ids=lambda c: c.id)
def test_gpu_dtype_matrix(case):
    try:
        x = CD.make_input(case)
    except ImportError as e:
        pytest.skip(str(e))
    gpu_vs_cpu(x, case, **_kwargs(case))


@needs_gpu
@pytest.mark.parametrize("case,dtype,layout", _extra_params(),
                         ids=lambda v: v.id if isinstance(v, C.Case) else str(v))
def test_gpu_extension_dtypes_and_layouts(case, dtype, layout):
    if dtype == "bfloat16" and BF16 is None:
        pytest.skip("ml_dtypes is not installed")
    gpu_vs_cpu(extra_input(case, dtype, layout), case, **_kwargs(case))


@needs_gpu
def test_gpu_out_stream_and_large_factors():
    import cupy
    rs = np.random.RandomState(5)
    x = rs.randn(2, 3, 64, 6000).astype(np.float32)
    expected = cyresample.interpolate(x, size=(7, 5), mode="bicubic", antialias=True)
    xd = to_device(x)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        out = cupy.empty((2, 3, 7, 5), np.float32)
        res = cyresample.interpolate(xd, size=(7, 5), mode="bicubic", antialias=True, out=out)
        assert res is out
    stream.synchronize()
    assert_same_bits(cupy.asnumpy(out), expected, "stream + out")
    # the same plan from the default stream (tables were uploaded on `stream`)
    again = cyresample.interpolate(xd, size=(7, 5), mode="bicubic", antialias=True)
    assert_same_bits(cupy.asnumpy(again), expected, "default stream")


@needs_gpu
def test_gpu_other_devices():
    import cupy
    if cupy.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("one device")
    x = np.random.RandomState(2).randn(1, 2, 9, 7).astype(np.float32)
    expected = cyresample.interpolate(x, size=(4, 11), mode="bilinear")
    with cupy.cuda.Device(1):
        xd = cupy.asarray(x)
    got = cyresample.interpolate(xd, size=(4, 11), mode="bilinear")
    assert got.device.id == 1
    assert_same_bits(cupy.asnumpy(got), expected, "device 1")


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


@needs_gpu
@pytest.mark.parametrize("case", [c for c in C.CASES if c.mode not in ("nearest-exact", "lanczos")][::3],
                         ids=lambda c: c.id)
def test_gpu_vs_torch_cuda(case):
    torch = _torch_cuda()
    if torch is None:
        pytest.skip("torch with CUDA is not installed")
    if case.torch_defect:
        pytest.skip("torch CPU defect case")
    import cupy
    x = C.make_input(case)
    try:
        expected = torch.nn.functional.interpolate(torch.from_numpy(x).cuda(), **_kwargs(case)).cpu().numpy()
    except (RuntimeError, NotImplementedError) as e:
        pytest.skip("torch CUDA: %s" % e)
    got = cupy.asnumpy(cyresample.interpolate(to_device(x), **_kwargs(case)))
    if case.mode == "area":  # torch CUDA divides once by the window size
        m = C.max_abs_finite(x)
        atol, rtol = 4 * np.finfo(x.dtype).eps * m, 4 * np.finfo(x.dtype).eps
    else:
        atol, rtol = C.live_tolerance(case, x)
    msg = C.compare(got, expected, atol, rtol, nonfinite_exact=C.live_nonfinite_exact(case, x))
    assert msg is None, msg
