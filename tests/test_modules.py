"""Deprecated aliases and the Upsample module classes (spec §5).

The alias and module tests replace ``cyresample._api.interpolate`` with a recorder, so
they need no engine; only ``test_engine_*`` runs the real computation. When torch 2.13 is
importable, reprs, warning texts and constructor behaviour are compared with torch's.
"""
import pickle
import warnings

import numpy as np
import pytest

import cyresample
from cyresample import _api, _modules

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    if not torch.__version__.startswith("2.13."):
        torch = None
except ImportError:
    torch = None


@pytest.fixture
def calls(monkeypatch):
    """Record every ``_api.interpolate`` call instead of computing."""
    log = []

    def fake(*args, **kwargs):
        log.append((args, kwargs))
        return "result"

    monkeypatch.setattr(_api, "interpolate", fake)
    return log


X = np.arange(16.0).reshape(1, 1, 4, 4)

ALIASES = [
    (cyresample.upsample, "upsample"),
    (cyresample.upsample_nearest, "upsample_nearest"),
    (cyresample.upsample_bilinear, "upsample_bilinear"),
]


@pytest.mark.parametrize("fn,name", ALIASES, ids=[a[1] for a in ALIASES])
def test_alias_warning(calls, fn, name):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert fn(X, scale_factor=2) == "result"
    assert len(w) == 1
    assert w[0].category is UserWarning
    assert str(w[0].message) == ("`cyresample.%s` is deprecated. Use `cyresample.interpolate` "
                                 "instead." % name)
    assert w[0].filename == __file__  # stacklevel=2: the warning points at the caller
    if torch is not None:
        with warnings.catch_warnings(record=True) as tw:
            warnings.simplefilter("always")
            getattr(F, name)(torch.from_numpy(X), scale_factor=2)
        assert tw[0].category is w[0].category
        assert tw[0].filename == __file__
        assert str(tw[0].message).replace("nn.functional.", "cyresample.") == str(w[0].message)


def test_upsample_forwards_arguments(calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cyresample.upsample(X, 3, None, "bilinear", True)
        cyresample.upsample(X, scale_factor=2)
    assert calls == [((X, 3, None, "bilinear", True), {}), ((X, None, 2, "nearest", None), {})]


def test_upsample_nearest_forwards_arguments(calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cyresample.upsample_nearest(X, size=3)
    assert calls == [((X, 3, None), {"mode": "nearest"})]


def test_upsample_bilinear_forces_align_corners(calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cyresample.upsample_bilinear(X, scale_factor=2)
        cyresample.upsample_bilinear(X, (3, 5))
    assert calls == [((X, None, 2), {"mode": "bilinear", "align_corners": True}),
                     ((X, (3, 5), None), {"mode": "bilinear", "align_corners": True})]


def test_aliases_have_no_extra_parameters():
    with pytest.raises(TypeError):
        cyresample.upsample(X, size=2, antialias=True)
    with pytest.raises(TypeError):
        cyresample.upsample_bilinear(X, size=2, mode="bicubic")


def test_interpolate_itself_does_not_warn(calls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cyresample.Upsample(scale_factor=2)(X)
        cyresample.UpsamplingBilinear2d(scale_factor=2)(X)


REPR_CASES = [
    ("Upsample", dict(scale_factor=2), "Upsample(scale_factor=2.0, mode='nearest')"),
    ("Upsample", dict(size=(3, 5), mode="bilinear", align_corners=True),
     "Upsample(size=(3, 5), mode='bilinear')"),
    ("Upsample", dict(scale_factor=(2, 3)), "Upsample(scale_factor=(2.0, 3.0), mode='nearest')"),
    ("Upsample", dict(size=3), "Upsample(size=3, mode='nearest')"),
    ("Upsample", dict(scale_factor=0), "Upsample(size=None, mode='nearest')"),
    ("Upsample", dict(scale_factor=0.0, size=4), "Upsample(size=4, mode='nearest')"),
    ("Upsample", dict(scale_factor=np.float32(1.5)), "Upsample(scale_factor=1.5, mode='nearest')"),
    ("Upsample", dict(scale_factor=np.array(2.0)), "Upsample(scale_factor=2.0, mode='nearest')"),
    ("Upsample", dict(size=[3, 4], mode="area"), "Upsample(size=[3, 4], mode='area')"),
    ("Upsample", dict(scale_factor=(0, 0)), "Upsample(scale_factor=(0.0, 0.0), mode='nearest')"),
    ("Upsample", dict(scale_factor=()), "Upsample(scale_factor=(), mode='nearest')"),
    ("Upsample", dict(), "Upsample(size=None, mode='nearest')"),
    ("Upsample", dict(scale_factor=True), "Upsample(scale_factor=1.0, mode='nearest')"),
    ("Upsample", dict(scale_factor=1.5, mode="lanczos", recompute_scale_factor=True),
     "Upsample(scale_factor=1.5, mode='lanczos')"),
    ("UpsamplingNearest2d", dict(size=3), "UpsamplingNearest2d(size=3, mode='nearest')"),
    ("UpsamplingNearest2d", dict(scale_factor=2),
     "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"),
    ("UpsamplingBilinear2d", dict(scale_factor=2),
     "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')"),
    ("UpsamplingBilinear2d", dict(size=(3, 4)), "UpsamplingBilinear2d(size=(3, 4), mode='bilinear')"),
    ("UpsamplingBilinear2d", dict(), "UpsamplingBilinear2d(size=None, mode='bilinear')"),
]


@pytest.mark.parametrize("cls,kw,text", REPR_CASES)
def test_repr(cls, kw, text):
    m = getattr(cyresample, cls)(**kw)
    assert repr(m) == text
    assert m.extra_repr() == text[len(cls) + 1:-1]
    if torch is not None:
        assert repr(getattr(nn, cls)(**kw)) == text


@pytest.mark.parametrize("cls,kw", [(c, k) for c, k, _ in REPR_CASES])
def test_attributes_match_torch(cls, kw):
    m = getattr(cyresample, cls)(**kw)
    assert m.name == cls
    if torch is not None:
        t = getattr(nn, cls)(**kw)
        for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
                     "name"):
            assert getattr(m, attr) == getattr(t, attr), attr
            assert type(getattr(m, attr)) is type(getattr(t, attr)), attr


def test_constructor_normalisation():
    assert cyresample.Upsample(scale_factor=0).scale_factor is None
    assert cyresample.Upsample(scale_factor=0.0).scale_factor is None
    assert cyresample.Upsample(scale_factor=(2, 3)).scale_factor == (2.0, 3.0)
    assert type(cyresample.Upsample(scale_factor=np.int64(2)).scale_factor) is float
    m = cyresample.UpsamplingBilinear2d(size=3)
    assert (m.mode, m.align_corners, m.recompute_scale_factor) == ("bilinear", True, None)
    m = cyresample.UpsamplingNearest2d(scale_factor=2)
    assert (m.mode, m.align_corners, m.recompute_scale_factor) == ("nearest", None, None)
    size = [3, 4]
    assert cyresample.Upsample(size=size).size is size  # stored as given, not validated


@pytest.mark.parametrize("sf,exc,msg", [
    ([2, 2], TypeError, "float() argument must be a string or a real number, not 'list'"),
    ("abc", ValueError, "could not convert string to float: 'abc'"),
])
def test_constructor_errors(sf, exc, msg):
    with pytest.raises(exc) as ei:
        cyresample.Upsample(scale_factor=sf)
    assert str(ei.value) == msg
    if torch is not None:
        with pytest.raises(exc) as ti:
            nn.Upsample(scale_factor=sf)
        assert str(ti.value) == msg


def test_forward_and_call(calls):
    m = cyresample.Upsample(size=(3, 5), mode="bicubic", align_corners=True,
                            recompute_scale_factor=False)
    assert m(X) == "result" and m.forward(X) == "result"
    expected = ((X, (3, 5), None, "bicubic", True), {"recompute_scale_factor": False})
    assert calls == [expected, expected]
    calls.clear()
    cyresample.UpsamplingBilinear2d(scale_factor=2)(X)
    assert calls == [((X, None, 2.0, "bilinear", True), {"recompute_scale_factor": None})]


def test_scale_factor_zero_fails_at_call_time():
    # spec F16: 0 becomes "no scale", so the call has neither size nor scale_factor
    m = cyresample.Upsample(scale_factor=0)
    with pytest.raises(ValueError, match="^either size or scale_factor should be defined$"):
        m(X)
    if torch is not None:
        with pytest.raises(ValueError, match="^either size or scale_factor should be defined$"):
            nn.Upsample(scale_factor=0)(torch.from_numpy(X))


def test_no_rank_check_in_constructor():
    m = cyresample.UpsamplingNearest2d(scale_factor=2)
    from cyresample import _validate
    assert _validate.interpolate_args(np.zeros((1, 1, 3)), m.size, m.scale_factor,
                                      m.mode).out_sizes == (6,)


@pytest.mark.parametrize("cls,kw", [(c, k) for c, k, _ in REPR_CASES if not
                                    isinstance(k.get("scale_factor"), np.ndarray)])
def test_pickle_round_trip(cls, kw):
    m = getattr(cyresample, cls)(**kw)
    m2 = pickle.loads(pickle.dumps(m))
    assert type(m2) is type(m)
    assert m2.__dict__ == m.__dict__
    assert repr(m2) == repr(m)


def test_setstate_defaults_recompute_scale_factor():
    m = cyresample.Upsample(scale_factor=2)
    state = dict(m.__dict__)
    del state["recompute_scale_factor"]
    m2 = cyresample.Upsample.__new__(cyresample.Upsample)
    m2.__setstate__(state)
    assert m2.recompute_scale_factor is True
    assert m2.scale_factor == 2.0
    # an explicit value survives
    m3 = pickle.loads(pickle.dumps(cyresample.Upsample(size=2, recompute_scale_factor=False)))
    assert m3.recompute_scale_factor is False
    if torch is not None:
        t = nn.Upsample(scale_factor=2)
        tstate = dict(t.__dict__)
        del tstate["recompute_scale_factor"]
        t2 = nn.Upsample.__new__(nn.Upsample)
        t2.__setstate__(tstate)
        assert t2.recompute_scale_factor is True


def test_module_exports():
    for name in _modules.__all__:
        assert getattr(cyresample, name) is getattr(_modules, name)
    assert issubclass(cyresample.UpsamplingNearest2d, cyresample.Upsample)
    assert issubclass(cyresample.UpsamplingBilinear2d, cyresample.Upsample)


def test_modules_do_not_import_torch():
    import sys
    import subprocess
    code = ("import sys; sys.modules['torch'] = None; import cyresample, numpy as np; "
            "cyresample.Upsample(scale_factor=2); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


# --------------------------------------------------------------------------------------------
# needs the compiled engine
# --------------------------------------------------------------------------------------------

def test_engine_upsample_forward():
    x = np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4)
    y = cyresample.Upsample(scale_factor=2)(x)
    assert y.shape == (1, 1, 8, 8)
    np.testing.assert_array_equal(y[0, 0, ::2, ::2], x[0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yb = cyresample.upsample_bilinear(x, scale_factor=2)
    yi = cyresample.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_array_equal(yb, yi)
    assert cyresample.UpsamplingNearest2d(size=3)(np.zeros((1, 1, 5), np.float32)).shape == (1, 1, 3)
    if torch is not None:  # stock (AVX2) torch differs in the last bits (spec §3.4)
        np.testing.assert_allclose(
            yb, nn.UpsamplingBilinear2d(scale_factor=2)(torch.from_numpy(x)).numpy(),
            rtol=1e-6, atol=1e-5)
