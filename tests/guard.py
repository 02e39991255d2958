"""A buffer that ends where an inaccessible page begins, for tests that kernels never read
past their input (Linux; other systems skip)."""
import ctypes
import mmap

import numpy as np
import pytest


def guarded(nbytes):
    """A writable uint8 buffer of ``nbytes`` that ends where an inaccessible page begins
    (Linux): a read past the end faults."""
    libc = ctypes.CDLL(None, use_errno=True)
    page = mmap.PAGESIZE
    npages = (nbytes + page - 1) // page + 1
    m = mmap.mmap(-1, npages * page, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    guard = base + (npages - 1) * page
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    if libc.mprotect(ctypes.c_void_p(guard), page, 0) != 0:
        pytest.skip("mprotect unavailable")
    buf = np.frombuffer(m, np.uint8, nbytes, (npages - 1) * page - nbytes)

    def release():
        libc.mprotect(ctypes.c_void_p(guard), page, mmap.PROT_READ | mmap.PROT_WRITE)
    return buf, m, release
