# cython: language_level=3, boundscheck=False, wraparound=False
"""The last-call memo in front of ``interpolate``'s executor cache, compiled.

A call in a loop passes the very same argument objects each time. When every argument is
the object (``is``) that the previous cached call passed and the input has the same
dtype, shape and strides, the previous call's executor answers without building the
cache key. For a fresh result of a native dtype this module also allocates the result
and calls the executor's one kernel step: on an 8x8 image these checks and that
allocation are most of a call, so they run in C (docs/design.md, "Prepared calls").

Only immutable arguments are remembered (None, True, False, exact str, int and float,
tuples of exact ints and floats), so that the same objects mean the same values and
types. The memo is stored in the executor cache under :data:`KEY`, so that it goes
wherever the cache goes: cleared or replaced with it.
"""

cimport numpy as cnp
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from libc.string cimport memcmp

cdef extern from "numpy/arrayobject.h":
    # steals a reference to descr (numpy's .pxd leaves this one undeclared)
    object PyArray_NewFromDescr(PyTypeObject* subtype, cnp.PyArray_Descr* descr, int nd, cnp.npy_intp* dims,
                                cnp.npy_intp* strides, void* data, int flags, PyObject* obj)

cnp.import_array()

cdef enum:
    # inputs and results of more dimensions are not remembered (interpolate takes 3 to 5)
    MAX_DIMS = 8

#: the memo's key in the executor cache
KEY = object()


cdef bint _immutable_sizes(object value):
    cdef object kind = type(value)
    if value is None or kind is int or kind is float:
        return True
    if kind is tuple:
        for v in <tuple>value:
            if type(v) is not int and type(v) is not float:
                return False
        return True
    return False


cdef inline bint _is_flag(object value):
    return value is None or value is True or value is False


cdef class LastCall:
    """One remembered call: its argument objects, its input's layout and its executor."""
    cdef readonly object size, scale_factor, mode, align_corners, recompute_scale_factor, antialias
    cdef readonly object executor
    cdef cnp.dtype dtype
    cdef int ndim
    cdef cnp.npy_intp shape[MAX_DIMS]
    cdef cnp.npy_intp strides[MAX_DIMS]
    # the executor's one kernel step for a fresh result (None: the executor runs the call),
    # and that result's dtype, shape and strides (strides unused when it is C-ordered)
    cdef object step
    cdef cnp.dtype out_dtype
    cdef int out_ndim
    cdef bint out_c_order
    cdef cnp.npy_intp out_shape[MAX_DIMS]
    cdef cnp.npy_intp out_strides[MAX_DIMS]


def remember(dict cache, cnp.ndarray input, size, scale_factor, mode, align_corners, recompute_scale_factor,
             antialias, executor):
    """Remember a cached call in ``cache`` (when its arguments are immutable objects)."""
    cdef int d, nd = cnp.PyArray_NDIM(input)
    cdef LastCall last
    cdef tuple out_shape
    cdef Py_ssize_t stride
    if not (type(mode) is str and _immutable_sizes(size) and _immutable_sizes(scale_factor) and
            _is_flag(align_corners) and _is_flag(recompute_scale_factor) and _is_flag(antialias)):
        return
    if nd > MAX_DIMS:
        return
    last = LastCall.__new__(LastCall)
    last.size, last.scale_factor, last.mode = size, scale_factor, mode
    last.align_corners, last.recompute_scale_factor, last.antialias = align_corners, recompute_scale_factor, antialias
    last.executor = executor
    last.dtype = <cnp.dtype>cnp.PyArray_DESCR(input)
    last.ndim = nd
    for d in range(nd):
        last.shape[d] = cnp.PyArray_DIMS(input)[d]
        last.strides[d] = cnp.PyArray_STRIDES(input)[d]
    last.step = None
    step = executor.fast_step
    out_shape = executor.out_shape
    if step is not None and len(out_shape) <= MAX_DIMS:
        last.out_dtype = executor.dtype
        last.out_ndim = len(out_shape)
        for d in range(last.out_ndim):
            last.out_shape[d] = out_shape[d]
        layout = executor.fast_layout
        last.out_c_order = layout is None
        if layout is not None:
            # np.empty(physical shape).transpose(axes), as Executor allocates it
            phys, axes = layout
            stride = last.out_dtype.itemsize
            for d in range(last.out_ndim - 1, -1, -1):
                last.out_strides[list(axes).index(d)] = stride
                stride *= phys[d]
        last.step = step
    cache[KEY] = last


def call(dict cache, cnp.ndarray input, size, scale_factor, mode, align_corners, recompute_scale_factor,
         antialias, out):
    """The remembered call's result for these arguments, or None when they are not its own.

    ``out`` is passed on to the executor; a fresh result is allocated here."""
    cdef PyObject* p = PyDict_GetItem(cache, KEY)
    if p == NULL:
        return None
    cdef LastCall last = <LastCall>p
    if not (last.size is size and last.scale_factor is scale_factor and last.mode is mode and
            last.align_corners is align_corners and last.recompute_scale_factor is recompute_scale_factor and
            last.antialias is antialias):
        return None
    cdef int nd = cnp.PyArray_NDIM(input)
    if <void*>cnp.PyArray_DESCR(input) != <void*>last.dtype or nd != last.ndim or \
            memcmp(cnp.PyArray_DIMS(input), last.shape, nd * sizeof(cnp.npy_intp)) != 0 or \
            memcmp(cnp.PyArray_STRIDES(input), last.strides, nd * sizeof(cnp.npy_intp)) != 0:
        return None
    if out is not None or last.step is None:
        return last.executor(input, out)
    Py_INCREF(last.out_dtype)  # PyArray_NewFromDescr steals a reference to the dtype
    result = PyArray_NewFromDescr(<PyTypeObject*>cnp.ndarray, <cnp.PyArray_Descr*>last.out_dtype, last.out_ndim,
                                  last.out_shape, NULL if last.out_c_order else last.out_strides, NULL, 0, NULL)
    last.step(input, result, False)
    return result
