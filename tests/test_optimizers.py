"""Tests of neural_net.optimizers: golden values from PyTorch 2.13 (hard-coded), dtype keeping,
the folded-lr path of plain SGD, state_dict round trips, allocation-free updates, bad inputs.

The golden parameters were generated OFFLINE (torch is not imported here) with::

    import numpy as np, torch
    torch.set_default_dtype(torch.float64)
    for name, (cls, kw) in CASES.items():
        p = torch.nn.Parameter(torch.tensor(W0()))
        opt = getattr(torch.optim, cls)([p], **kw)
        for t in range(1, 6):
            p.grad = torch.tensor(grad(t))
            opt.step()
        GOLDEN[name] = p.detach().numpy()

with ``W0``, ``grad`` and ``CASES`` exactly as defined below.
"""
from __future__ import annotations

import doctest
import inspect
import json
import tracemalloc

import numpy as np
import pytest

from neural_net import optimizers as O
from neural_net.schedules import ExponentialDecay, LinearDecay, StepDecay


def W0() -> np.ndarray:
    return ((np.arange(12) * 5 % 13) - 6.0).reshape(3, 4) / 8.0


def grad(t: int) -> np.ndarray:
    """Fixed gradient of step t = 1..5 (exact dyadic values; magnitudes shrink so AMSGrad matters)."""
    i = np.arange(12)
    return (((i * 7 + 3 * t) % 11) - 5.0).reshape(3, 4) / 2.0**t


CASES = {
    "sgd_plain": ("SGD", dict(lr=0.1)),
    "sgd_wd": ("SGD", dict(lr=0.1, weight_decay=0.05)),
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9)),
    "sgd_dampening_wd": ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    "sgd_nesterov_wd": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    "adam": ("Adam", dict(lr=0.05)),
    "adam_wd_betas": ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adam_amsgrad": ("Adam", dict(lr=0.05, amsgrad=True)),
    "adam_amsgrad_wd": ("Adam", dict(lr=0.05, betas=(0.5, 0.9), amsgrad=True, weight_decay=0.1)),
    "adamw": ("AdamW", dict(lr=0.05)),
    "adamw_wd_amsgrad": ("AdamW", dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1, amsgrad=True)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_momentum": ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9)),
    "rmsprop_centered": ("RMSprop", dict(lr=0.01, centered=True)),
    "rmsprop_centered_momentum_wd": (
        "RMSprop",
        dict(lr=0.01, alpha=0.8, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.1),
    ),
}

GOLDEN = {
    'sgd_plain': np.array([
        [-0.696875, -0.303125, 0.39999999999999997, -0.35],
        [0.009374999999999991, 0.746875, -0.071875, 0.35625],
        [-0.66875, 0.27499999999999997, 0.428125, -0.321875],
    ]),
    'sgd_wd': np.array([
        [-0.6795497366539063, -0.2960941036714844, 0.38957941402968743, -0.3403841389671875],
        [0.008696494015234363, 0.7287450117164063, -0.06962479128046872, 0.3478620917019531],
        [-0.652997051919922, 0.26954080640625, 0.41613209876367185, -0.31383145423320313],
    ]),
    'sgd_momentum': np.array([
        [-0.5113399999999999, -0.91085, 0.09247, 0.0782650000000001],
        [-0.3556200000000001, 0.6820750000000001, 0.537245, 0.23398499999999994],
        [-0.7259450000000001, 1.1268500000000001, -0.12213500000000006, -0.13634],
    ]),
    'sgd_dampening_wd': np.array([
        [-0.4876556001742903, -0.8061166926875548, 0.19573463897515292, -0.0009518411413966217],
        [-0.34347543365466104, 0.6824383980080465, 0.39929535539149713, 0.14322832537823263],
        [-0.6162600303598795, 0.8859991144243907, 0.06713020878956374, -0.1295562713269858],
    ]),
    'sgd_nesterov_wd': np.array([
        [-0.43249929492093264, -0.9650861855938935, 0.007904081040923681, 0.18766845855088812],
        [-0.4102309321220726, 0.6280718345127444, 0.6227646495227092, 0.20993682134974814],
        [-0.70858571709935, 1.2429324029945297, -0.2681823411374936, -0.08841796362752903],
    ]),
    'adam': np.array([
        [-0.6584823873999974, -0.2400540760928732, 0.3503917398940787, -0.3616913625086739],
        [0.03549826135275998, 0.7146504965571476, -0.10645600285386476, 0.32618089850141807],
        [-0.6234910144801148, 0.15993990063245983, 0.4473319314679597, -0.28348238739999754],
    ]),
    'adam_wd_betas': np.array([
        [-0.6490359611069125, -0.22613383983244695, 0.3509767756262608, -0.3656259547759545],
        [0.0441584878762042, 0.6463501373644946, -0.11842951207749276, 0.32799626800647574],
        [-0.607224068590954, 0.145221471539049, 0.4514092951912424, -0.2848202810980308],
    ]),
    'adam_amsgrad': np.array([
        [-0.6584834779651528, -0.24004580581986576, 0.3503917398940787, -0.3617081181546707],
        [0.03549826135275998, 0.7146504965571476, -0.10645600285386476, 0.32618089850141807],
        [-0.623485705680576, 0.15993990063245983, 0.4473443553773182, -0.28348347796515294],
    ]),
    'adam_amsgrad_wd': np.array([
        [-0.6773452490126394, -0.19272776159541893, 0.3810238336391069, -0.4006598854712681],
        [0.07043263553747327, 0.6630383786137724, -0.16201609512492657, 0.34726701628646434],
        [-0.6234291940224669, 0.1017121596986576, 0.48631226134461164, -0.3138505527547641],
    ]),
    'adamw': np.array([
        [-0.6567508002824229, -0.23958556068983147, 0.3493441163911568, -0.3606199854717277],
        [0.03531873944967062, 0.7128336071094682, -0.10602136902160894, 0.3253439187907912],
        [-0.6219970963458108, 0.15973977056946007, 0.44598859350688397, -0.2826873632510559],
    ]),
    'adamw_wd_amsgrad': np.array([
        [-0.6816414933384832, -0.1907729221715846, 0.3796881934662825, -0.39811952670626144],
        [0.06961320927600768, 0.7166267943971368, -0.16004486698165682, 0.3449606380046235],
        [-0.6311649700681415, 0.10103677891774346, 0.48009243193973755, -0.3159232109177798],
    ]),
    'rmsprop': np.array([
        [-0.6940625913696109, -0.1973249660099157, 0.35147885696128117, -0.40036131022474397],
        [0.06280009695435157, 0.7237938561117452, -0.1607480210783648, 0.34234591146167676],
        [-0.6427334088102825, 0.1098340162073275, 0.4639320235567502, -0.31906259136961096],
    ]),
    'rmsprop_momentum': np.array([
        [-0.6732215612136824, -0.22441130533687684, 0.3106050301107423, -0.3781633307121453],
        [0.04490841537934612, 0.7049379494972935, -0.12684800614965633, 0.32448877965283335],
        [-0.6207875651238172, 0.14234078615847268, 0.42766671772149295, -0.29822156121368226],
    ]),
    'rmsprop_centered': np.array([
        [-0.693610462878999, -0.19777088275708304, 0.3502935001815618, -0.39982122904159195],
        [0.06232963480403696, 0.7232947495121932, -0.16025907480521073, 0.341846557239491],
        [-0.6423589773534074, 0.11042073790687564, 0.4627550052118075, -0.31861046287899897],
    ]),
    'rmsprop_centered_momentum_wd': np.array([
        [-0.7121019498051581, -0.1599575935847106, 0.41967104215549017, -0.44730162738067114],
        [0.09412727746331383, 0.6769168162274823, -0.20502425233697744, 0.35449904861729903],
        [-0.619525255475358, 0.05302222943385135, 0.5389936027415948, -0.34281749094805747],
    ]),
}


def make(name: str) -> O.Optimizer:
    cls, kw = CASES[name]
    return getattr(O, cls)(**kw)


def step(opt: O.Optimizer, key, W: np.ndarray, G: np.ndarray) -> None:
    """What the training loop does: fold lr into G for plain SGD, then apply."""
    G = G.astype(W.dtype)  # a fresh copy: apply may overwrite it
    if opt.folds_lr:
        G *= opt.lr
    opt.apply(key, W, G)


# --------------------------------------------------------------------------------------------
# golden values
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_float64(name):
    opt = make(name)
    W = W0()
    for t in range(1, 6):
        step(opt, 0, W, grad(t))
    assert W.dtype == np.float64
    np.testing.assert_allclose(W, GOLDEN[name], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_keeps_float32(name):
    opt = make(name)
    W = W0().astype(np.float32)
    for t in range(1, 6):
        step(opt, "w", W, grad(t))
    assert W.dtype == np.float32
    for k, v in opt.state_dict()["state"]["w"].items():
        if isinstance(v, np.ndarray):
            assert v.dtype == np.float32, k
    for buf in opt._scratch.values():
        assert buf.dtype == np.float32
    np.testing.assert_allclose(W, GOLDEN[name], rtol=1e-5, atol=1e-5)


def test_float32_gradient_in_float64_is_fine():
    """A float64 gradient for a float32 parameter: the parameter and state stay float32."""
    opt = O.Adam(lr=0.05)
    W = W0().astype(np.float32)
    for t in range(1, 6):
        opt.apply(0, W, grad(t))
    assert W.dtype == np.float32
    np.testing.assert_allclose(W, GOLDEN["adam"], rtol=1e-5, atol=1e-5)


def test_apply_updates_views_in_place():
    """W may be a view (e.g. part of a larger buffer); the update goes into it."""
    big = np.zeros((3, 9))
    W = big[:, ::2][:, :4]
    W[...] = W0()
    opt = make("adam_amsgrad_wd")
    for t in range(1, 6):
        step(opt, 0, W, grad(t))
    np.testing.assert_allclose(big[:, ::2][:, :4], GOLDEN["adam_amsgrad_wd"], rtol=1e-12)
    assert np.all(big[:, 1::2] == 0) and np.all(big[:, 8] == 0)


def test_keys_have_separate_state():
    opt = O.Adam(lr=0.05)
    A, B = W0(), W0()[:2].copy()
    for t in range(1, 6):
        opt.apply(0, A, grad(t))
        opt.apply("bias", B, grad(t)[:2])
    np.testing.assert_allclose(A, GOLDEN["adam"], rtol=1e-12)
    np.testing.assert_allclose(B, GOLDEN["adam"][:2], rtol=1e-12)
    st = opt.state_dict()["state"]
    assert set(st) == {"0", "bias"} and st["0"]["step"] == 5 and st["bias"]["step"] == 5


# --------------------------------------------------------------------------------------------
# plain SGD: the folded learning rate
# --------------------------------------------------------------------------------------------
def test_folds_lr_only_for_plain_sgd():
    assert O.SGD(lr=0.1).folds_lr
    assert O.SGD(lr=0.1, weight_decay=0.5).folds_lr
    assert not O.SGD(lr=0.1, momentum=0.9).folds_lr
    assert not O.SGD(lr=0.1, fold_lr=False).folds_lr
    for cls in (O.Adam, O.AdamW, O.RMSprop):
        assert not cls().folds_lr


@pytest.mark.parametrize("wd", [0.0, 0.05])
def test_folded_sgd_equals_unfolded(wd):
    folded, unfolded = O.SGD(lr=0.1, weight_decay=wd), O.SGD(lr=0.1, weight_decay=wd, fold_lr=False)
    A, B, C = W0(), W0(), W0()
    for t in range(1, 6):
        folded.apply(0, A, 0.1 * grad(t))       # the loop already multiplied G by lr
        unfolded.apply(0, B, grad(t))           # raw gradient
        C -= 0.1 * (grad(t) + wd * C)           # the textbook rule
    np.testing.assert_allclose(A, B, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(A, C, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(A, GOLDEN["sgd_wd" if wd else "sgd_plain"], rtol=1e-12)


def test_folded_sgd_uses_no_scratch_or_state_arrays():
    opt = O.SGD(lr=0.1)
    opt.apply(0, W0(), grad(1))
    assert opt._scratch == {}
    assert opt.state_dict()["state"] == {"0": {"step": 1}}


# --------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------------------------
def to_json(d: dict) -> str:
    d = dict(d)
    d["state"] = {k: {n: (v.tolist() if isinstance(v, np.ndarray) else v) for n, v in st.items()}
                  for k, st in d["state"].items()}
    return json.dumps(d)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_is_bit_identical(name, dtype):
    opt = make(name)
    opt.schedule, opt.base_lr = ExponentialDecay(0.9), opt.lr  # also carries a schedule
    params = {0: W0().astype(dtype), "out": W0()[:, :2].astype(dtype)}
    for t in (1, 2, 3):
        opt.begin_epoch(t)
        for key, W in params.items():
            step(opt, key, W, grad(t)[:, : W.shape[1]])
    d = opt.state_dict()
    assert d["name"] == opt.name and d["lr"] == opt.lr
    text = to_json(d)  # JSON-able once arrays are lists
    fresh = O.get(d["name"])  # default hyper-parameters: load_state_dict restores them
    fresh.load_state_dict(json.loads(text))
    assert fresh.get_config() == opt.get_config()
    assert fresh.lr == opt.lr
    copies = {k: W.copy() for k, W in params.items()}
    for t in (4, 5, 6):
        opt.begin_epoch(t)
        fresh.begin_epoch(t)
        assert fresh.lr == opt.lr
        for key in params:
            G = grad(t)[:, : params[key].shape[1]]
            step(opt, key, params[key], G)
            step(fresh, key, copies[key], G)
    for key in params:
        assert copies[key].dtype == dtype
        np.testing.assert_array_equal(copies[key], params[key])
    assert to_json(fresh.state_dict()) == to_json(opt.state_dict())


def test_state_dict_arrays_are_copies():
    opt = O.Adam()
    W = W0()
    opt.apply(0, W, grad(1))
    d = opt.state_dict()
    d["state"]["0"]["m"][...] = 123.0
    assert not np.any(opt.state_dict()["state"]["0"]["m"] == 123.0)
    other = O.Adam()
    other.load_state_dict(opt.state_dict())
    d2 = opt.state_dict()
    other.apply(0, W.copy(), grad(2))
    np.testing.assert_array_equal(opt.state_dict()["state"]["0"]["m"], d2["state"]["0"]["m"])


def test_state_dict_keeps_lr_scale_and_current_lr():
    opt = O.SGD(lr=0.1, momentum=0.9, schedule=StepDecay(2, 0.5))
    opt.begin_epoch(3)
    opt.lr_scale = 0.1
    d = json.loads(to_json(opt.state_dict()))
    fresh = O.SGD()
    fresh.load_state_dict(d)
    assert fresh.lr == opt.lr and fresh.lr_scale == 0.1 and fresh.schedule == StepDecay(2, 0.5)
    fresh.begin_epoch(5)
    assert fresh.lr == pytest.approx(0.1 * 0.25 * 0.1, rel=1e-15)


def test_load_state_dict_rejects_other_optimizer_and_bad_shapes():
    d = O.Adam().state_dict()
    with pytest.raises(ValueError, match="'sgd'.*'adam'"):
        O.SGD().load_state_dict(d)
    with pytest.raises(TypeError):
        O.SGD().load_state_dict([1, 2])
    opt = O.Adam()
    opt.apply(0, W0(), grad(1))
    d = opt.state_dict()
    fresh = O.Adam()
    fresh.load_state_dict(d)
    with pytest.raises(ValueError, match="shape"):
        fresh.apply(0, np.zeros((2, 2)), np.zeros((2, 2)))
    del d["state"]["0"]["v"]
    with pytest.raises(ValueError, match="'v'"):
        O.Adam().load_state_dict(d)


def test_reset_forgets_state():
    opt = O.Adam(lr=0.05)
    W = W0()
    opt.apply(0, W, grad(1))
    opt.reset()
    W = W0()
    for t in range(1, 6):
        opt.apply(0, W, grad(t))
    np.testing.assert_allclose(W, GOLDEN["adam"], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# no allocation in apply
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_apply_allocates_no_arrays_after_first_call(name):
    opt = make(name)
    rng = np.random.default_rng(0)
    W = rng.standard_normal((300, 200))
    G = rng.standard_normal((300, 200))
    Gs = [G.copy() for _ in range(3)]
    opt.apply(0, W, Gs[0])  # allocates state and scratch once
    tracemalloc.start()
    try:
        opt.apply(0, W, Gs[1])
        opt.apply(0, W, Gs[2])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < W.nbytes / 10, f"apply allocated {peak} bytes (a parameter is {W.nbytes})"


# --------------------------------------------------------------------------------------------
# schedules inside optimizers
# --------------------------------------------------------------------------------------------
def test_begin_epoch_with_schedule():
    opt = O.SGD(lr=0.1, schedule=LinearDecay(4))
    assert opt.lr == 0.1
    lrs = []
    for epoch in range(1, 6):
        opt.begin_epoch(epoch)
        lrs.append(opt.lr)
    assert lrs == [0.1 * (4 - i) / 4 for i in range(4)] + [0.0]
    opt.lr_scale = 0.5
    opt.begin_epoch(2)
    assert opt.lr == 0.1 * 3 / 4 * 0.5


def test_schedule_as_lr_uses_default_base_rate():
    opt = O.Adam(lr=ExponentialDecay(0.5))
    assert opt.base_lr == 0.001 and opt.schedule == ExponentialDecay(0.5)
    opt.begin_epoch(3)
    assert opt.lr == 0.001 * 0.25


def test_begin_epoch_without_schedule_leaves_lr():
    opt = O.Adam(lr=0.01)
    opt.lr = 0.003  # e.g. set by a callback
    opt.begin_epoch(7)
    assert opt.lr == 0.003
    with pytest.raises(ValueError, match="epoch"):
        opt.begin_epoch(0)


# --------------------------------------------------------------------------------------------
# get / from_config / factories
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, cls", [("sgd", O.SGD), ("ADAM", O.Adam), ("AdamW", O.AdamW), ("RMSprop", O.RMSprop)])
def test_get_by_name(name, cls):
    opt = O.get(name, lr=0.02)
    assert type(opt) is cls and opt.lr == 0.02 and opt.name == name.lower()


def test_get_instance_class_and_dict():
    opt = O.Adam(lr=0.01)
    assert O.get(opt) is opt
    assert isinstance(O.get(O.RMSprop, momentum=0.5), O.RMSprop)
    again = O.get({"name": "adam", "config": opt.get_config()})
    assert again.get_config() == opt.get_config()
    with pytest.raises(ValueError, match="instance"):
        O.get(opt, lr=0.1)


def test_get_unknown_name_and_bad_type():
    with pytest.raises(ValueError, match=r"'adagrad'") as e:
        O.get("adagrad")
    assert "sgd" in str(e.value) and "rmsprop" in str(e.value)
    with pytest.raises(TypeError, match="optimizer"):
        O.get(3)
    with pytest.raises(TypeError):
        O.get(None)


@pytest.mark.parametrize("name", list(CASES))
def test_from_config_round_trip_through_json(name):
    opt = make(name)
    cfg = json.loads(json.dumps(opt.get_config()))
    again = O.from_config(opt.name, cfg)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_from_config_with_schedule_and_bad_name():
    opt = O.RMSprop(lr=0.1, schedule=StepDecay(3, 0.5))
    again = O.from_config("rmsprop", json.loads(json.dumps(opt.get_config())))
    assert again.schedule == StepDecay(3, 0.5) and again.base_lr == 0.1
    with pytest.raises(ValueError, match="'nadam'"):
        O.from_config("nadam", {})


def test_lowercase_factories_and_learning_rate_synonym():
    assert isinstance(O.sgd(lr=0.1), O.SGD) and O.sgd(lr=0.1).lr == 0.1
    assert O.adam(learning_rate=0.02).lr == 0.02
    assert isinstance(O.adamw(), O.AdamW) and O.adamw().weight_decay == 0.01
    assert O.rmsprop(momentum=0.5).momentum == 0.5
    assert O.SGD(learning_rate=0.3).lr == 0.3
    assert O.Adam(learning_rate=0.3).lr == 0.3
    with pytest.raises(ValueError, match="lr.*learning_rate"):
        O.SGD(lr=0.1, learning_rate=0.2)


def test_defaults_are_torch_defaults():
    assert O.SGD().get_config() == {"lr": 0.01, "schedule": None, "weight_decay": 0.0, "momentum": 0.0,
                                    "nesterov": False, "dampening": 0.0, "fold_lr": True}
    assert O.Adam().get_config() == {"lr": 0.001, "schedule": None, "weight_decay": 0.0,
                                     "betas": [0.9, 0.999], "eps": 1e-8, "amsgrad": False}
    assert O.AdamW().weight_decay == 0.01
    r = O.RMSprop()
    assert (r.lr, r.alpha, r.eps, r.momentum, r.centered, r.weight_decay) == (0.01, 0.99, 1e-8, 0.0, False, 0.0)


# --------------------------------------------------------------------------------------------
# bad inputs: the error names the argument, the expectation and the received value
# --------------------------------------------------------------------------------------------
BAD = [
    (O.SGD, dict(lr=0), ValueError, ["lr", "0"]),
    (O.SGD, dict(lr=-0.1), ValueError, ["lr", "-0.1"]),
    (O.Adam, dict(lr="fast"), TypeError, ["lr", "'fast'"]),
    (O.Adam, dict(lr=float("nan")), ValueError, ["lr", "nan"]),
    (O.SGD, dict(lr=True), TypeError, ["lr", "True"]),
    (O.SGD, dict(momentum=1.0), ValueError, ["momentum", "[0, 1)", "1.0"]),
    (O.SGD, dict(momentum=-0.5), ValueError, ["momentum", "-0.5"]),
    (O.RMSprop, dict(momentum=1.5), ValueError, ["momentum", "1.5"]),
    (O.SGD, dict(nesterov=True), ValueError, ["nesterov", "momentum", "0.0"]),
    (O.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, ["nesterov", "dampening", "0.1"]),
    (O.SGD, dict(dampening=2), ValueError, ["dampening", "2"]),
    (O.SGD, dict(weight_decay=-1e-3), ValueError, ["weight_decay", "-0.001"]),
    (O.Adam, dict(betas=(0.9, 1.0)), ValueError, ["betas[1]", "[0, 1)", "1.0"]),
    (O.Adam, dict(betas=(-0.1, 0.9)), ValueError, ["betas[0]", "-0.1"]),
    (O.AdamW, dict(betas=0.9), TypeError, ["betas", "0.9"]),
    (O.Adam, dict(eps=0), ValueError, ["eps", "> 0", "0"]),
    (O.RMSprop, dict(eps=-1e-8), ValueError, ["eps", "-1e-08"]),
    (O.RMSprop, dict(alpha=1.0), ValueError, ["alpha", "1.0"]),
    (O.Adam, dict(amsgrad="yes"), TypeError, ["amsgrad", "'yes'"]),
    (O.SGD, dict(schedule=lambda e, lr: lr), TypeError, ["schedule", "Schedule"]),
]


@pytest.mark.parametrize("cls, kwargs, exc, words", BAD)
def test_bad_inputs(cls, kwargs, exc, words):
    with pytest.raises(exc) as e:
        cls(**kwargs)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_apply_checks_shapes_and_dtype():
    with pytest.raises(ValueError, match="shape"):
        O.Adam().apply(0, np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="float"):
        O.Adam().apply(0, np.zeros((2, 3), dtype=int), np.zeros((2, 3)))


# --------------------------------------------------------------------------------------------
# documentation standards
# --------------------------------------------------------------------------------------------
def test_docstring_examples_run():
    res = doctest.testmod(O, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 10 and res.failed == 0


def test_every_public_object_has_example_and_maths():
    for name in O.__all__:
        obj = getattr(O, name)
        doc = inspect.getdoc(obj) or ""
        assert ">>>" in doc, name
        if name != "get" and name != "from_config":
            assert any(sym in doc for sym in ("W ←", "\\leftarrow", "math:")), name
