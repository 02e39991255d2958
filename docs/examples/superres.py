"""Least-squares super-resolution with cyresample (docs/beyond-pytorch.md).

The forward model A = antialiased bicubic downsampling 96x96 -> 32x32 (interpolate); its
transpose A^T = interpolate_adjoint. Conjugate gradients on the normal equations (CGLS) find
the minimum-norm x with A x = y from the observed low-resolution y alone.
"""
import numpy as np

import cyresample

kw = dict(size=(32, 32), mode="bicubic", antialias=True)
v, u = np.mgrid[0:96, 0:96] / 96.0
truth = (np.sin(12 * u) * np.cos(9 * v) + (u > 0.5))[None, None]       # (N, C, H, W)
y = cyresample.interpolate(truth, **kw)                                  # what we observe


def A(x):
    return cyresample.interpolate(x, **kw)


def At(r):
    return cyresample.interpolate_adjoint(r, truth.shape, **kw)


x = np.zeros_like(truth)
r = y.copy()
s = At(r)
p, gamma = s.copy(), np.vdot(s, s)
for _ in range(30):                                                      # CGLS
    q = A(p)
    alpha = gamma / np.vdot(q, q)
    x, r = x + alpha * p, r - alpha * q
    s = At(r)
    gamma, old = np.vdot(s, s), gamma
    p = s + (gamma / old) * p
naive = cyresample.interpolate(y, size=(96, 96), mode="bicubic")
rel = lambda z: np.linalg.norm(A(z) - y) / np.linalg.norm(y)             # noqa: E731
print("relative residual |A x - y| / |y|: least squares %.1e, bicubic upsampling %.1e" % (rel(x), rel(naive)))
