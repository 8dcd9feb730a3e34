"""Tests of neural_net.schedules: closed forms (torch's LR schedulers' values hard-coded, torch is
not imported), configs, bad inputs, and the ReduceLROnPlateau / LearningRateScheduler callbacks
driven by a fake model that only has an ``optimizer`` attribute.

The torch values were generated OFFLINE with PyTorch 2.13::

    o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sch = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T, eta_min=eta_min)  # or ExponentialLR, StepLR
    for epoch in range(1, n + 1):
        lrs.append(o.param_groups[0]["lr"]); o.step(); sch.step()
"""
from __future__ import annotations

import doctest
import inspect
import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from neural_net import optimizers as O
from neural_net import schedules as S
from neural_net.callbacks import Callback
from neural_net.schedules import (
    CosineAnnealing,
    ExponentialDecay,
    LearningRateScheduler,
    LinearDecay,
    ReduceLROnPlateau,
    Schedule,
    StepDecay,
)

TORCH_COSINE = {
    (5, 0.0): [0.1, 0.09045084971874738, 0.06545084971874737, 0.03454915028125263, 0.009549150281252633,
               0.0, 0.009549150281252628, 0.03454915028125265, 0.06545084971874741, 0.09045084971874744,
               0.10000000000000006],
    (4, 0.001): [0.1, 0.0855017856687341, 0.0505, 0.0154982143312659, 0.001, 0.015498214331265896,
                 0.05050000000000001, 0.08550178566873413, 0.10000000000000003],
}
TORCH_EXPONENTIAL_09 = [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
                        0.06561000000000002, 0.05904900000000002, 0.05314410000000002, 0.04782969000000002]
TORCH_STEP_3_05 = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]


# --------------------------------------------------------------------------------------------
# schedules
# --------------------------------------------------------------------------------------------
def seed_linear_decay(lr: float, epochs: int, iteration: int) -> float:
    """The seed snippet, verbatim: ``lr = self.lr*(self.epochs-iteration)/self.epochs``."""
    return lr * (epochs - iteration) / epochs


@pytest.mark.parametrize("base", [0.1, 0.03, 1.0, 0.7])
@pytest.mark.parametrize("epochs", [1, 3, 10, 7])
def test_linear_decay_is_the_seed_formula_bit_for_bit(base, epochs):
    sch = LinearDecay(epochs)
    for epoch in range(1, epochs + 1):
        assert sch(epoch, base) == seed_linear_decay(base, epochs, epoch - 1)
    assert sch(1, base) == pytest.approx(base, rel=1e-15)  # the seed's rounding: 0.7*3/3 != 0.7
    assert sch(epochs + 1, base) == 0.0 and sch(epochs + 5, base) == 0.0  # clamped, never negative


def test_linear_decay_end_factor():
    sch = LinearDecay(4, end_factor=0.2)
    got = [sch(e, 1.0) for e in range(1, 8)]
    np.testing.assert_allclose(got, [1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2], rtol=1e-15)


def test_exponential_decay_closed_form_and_torch():
    sch = ExponentialDecay(0.9)
    for epoch in range(1, 9):
        assert sch(epoch, 0.1) == 0.1 * 0.9 ** (epoch - 1)
    np.testing.assert_allclose([sch(e, 0.1) for e in range(1, 9)], TORCH_EXPONENTIAL_09, rtol=1e-12)


def test_step_decay_closed_form_and_torch():
    sch = StepDecay(3, gamma=0.5)
    for epoch in range(1, 9):
        assert sch(epoch, 0.1) == 0.1 * 0.5 ** ((epoch - 1) // 3)
    np.testing.assert_allclose([sch(e, 0.1) for e in range(1, 9)], TORCH_STEP_3_05, rtol=1e-12)
    assert StepDecay(2).gamma == 0.1


@pytest.mark.parametrize("T_max, eta_min", list(TORCH_COSINE))
def test_cosine_annealing_matches_torch(T_max, eta_min):
    sch = CosineAnnealing(T_max, eta_min=eta_min)
    want = TORCH_COSINE[(T_max, eta_min)]
    got = [sch(epoch, 0.1) for epoch in range(1, len(want) + 1)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    for epoch in range(1, len(want) + 1):
        t = epoch - 1
        closed = eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
        assert sch(epoch, 0.1) == closed
    assert sch(T_max + 1, 0.1) == eta_min


@pytest.mark.parametrize("sch", [LinearDecay(5, 0.1), ExponentialDecay(0.95), StepDecay(4, 0.3),
                                 CosineAnnealing(7, 1e-4)])
def test_config_round_trips(sch):
    cfg = json.loads(json.dumps(sch.get_config()))
    assert type(sch).from_config(cfg) == sch
    d = json.loads(json.dumps(S.serialize(sch)))
    again = S.deserialize(d)
    assert again == sch and Schedule.from_config(d) == sch
    for epoch in range(1, 12):
        assert again(epoch, 0.05) == sch(epoch, 0.05)
    assert S.get(d["name"].lower(), **cfg) == sch
    assert S.get(sch) is sch
    assert repr(sch).startswith(type(sch).__name__ + "(")


def test_get_by_name_and_errors():
    assert S.get("cosine_annealing", T_max=3) == CosineAnnealing(3)
    assert S.get("StepDecay", step_size=2) == StepDecay(2)
    with pytest.raises(ValueError, match="'warmup'"):
        S.get("warmup")
    with pytest.raises(TypeError, match="schedule"):
        S.get(3)


def test_custom_schedule_subclass():
    class Halve(Schedule):
        def lr_at(self, t, base_lr):
            return base_lr / 2**t

    assert Halve()(3, 1.0) == 0.25
    with pytest.raises(NotImplementedError):
        Schedule()(1, 0.1)


BAD = [
    (LinearDecay, dict(epochs=0), ValueError, ["epochs", "≥ 1", "0"]),
    (LinearDecay, dict(epochs=2.5), TypeError, ["epochs", "2.5"]),
    (LinearDecay, dict(epochs=3, end_factor=-0.5), ValueError, ["end_factor", "-0.5"]),
    (ExponentialDecay, dict(gamma=0), ValueError, ["gamma", "> 0", "0"]),
    (ExponentialDecay, dict(gamma="0.9"), TypeError, ["gamma", "'0.9'"]),
    (StepDecay, dict(step_size=0), ValueError, ["step_size", "0"]),
    (StepDecay, dict(step_size=2, gamma=-1), ValueError, ["gamma", "-1"]),
    (CosineAnnealing, dict(T_max=-3), ValueError, ["T_max", "-3"]),
    (CosineAnnealing, dict(T_max=3, eta_min=-0.1), ValueError, ["eta_min", "-0.1"]),
    (ReduceLROnPlateau, dict(factor=1.0), ValueError, ["factor", "(0, 1)", "1.0"]),
    (ReduceLROnPlateau, dict(factor=0), ValueError, ["factor", "0"]),
    (ReduceLROnPlateau, dict(patience=-1), ValueError, ["patience", "-1"]),
    (ReduceLROnPlateau, dict(patience=1.5), TypeError, ["patience", "1.5"]),
    (ReduceLROnPlateau, dict(min_delta=-1), ValueError, ["min_delta", "-1"]),
    (ReduceLROnPlateau, dict(mode="up"), ValueError, ["mode", "'up'"]),
    (ReduceLROnPlateau, dict(min_lr=-0.1), ValueError, ["min_lr", "-0.1"]),
    (ReduceLROnPlateau, dict(cooldown=-2), ValueError, ["cooldown", "-2"]),
    (ReduceLROnPlateau, dict(monitor=3), TypeError, ["monitor", "3"]),
    (LearningRateScheduler, dict(schedule=0.1), TypeError, ["schedule", "0.1"]),
]


@pytest.mark.parametrize("cls, kwargs, exc, words", BAD)
def test_bad_inputs(cls, kwargs, exc, words):
    with pytest.raises(exc) as e:
        cls(**kwargs)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_bad_call_arguments():
    with pytest.raises(ValueError, match="epoch.*0"):
        StepDecay(2)(0, 0.1)
    with pytest.raises(TypeError, match="epoch"):
        StepDecay(2)(1.5, 0.1)
    with pytest.raises(ValueError, match="base_lr.*-1"):
        StepDecay(2)(1, -1)


# --------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# --------------------------------------------------------------------------------------------
def fake_model(opt=None):
    return SimpleNamespace(optimizer=opt if opt is not None else O.SGD(lr=0.1))


def drive(cb, values, key="val_loss"):
    lrs = []
    for epoch, v in enumerate(values, start=1):
        cb.on_epoch_end(epoch, {"loss": 9.0, key: v})
        lrs.append(cb.model.optimizer.lr)
    return lrs


def test_reduce_on_plateau_is_a_callback():
    assert issubclass(ReduceLROnPlateau, Callback) and issubclass(LearningRateScheduler, Callback)


def test_reduce_after_patience_epochs_without_improvement():
    cb = ReduceLROnPlateau(factor=0.5, patience=2)
    cb.set_model(fake_model())
    cb.on_train_begin()
    # improves at 1, 2; then stuck: epochs 3, 4 -> lowered at 4; then 5, 6 -> lowered at 6
    lrs = drive(cb, [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.6])
    assert lrs == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025]


def test_min_delta_counts_small_gains_as_no_improvement():
    cb = ReduceLROnPlateau(factor=0.1, patience=1, min_delta=0.01)
    cb.set_model(fake_model())
    lrs = drive(cb, [1.0, 0.995])  # improves by less than min_delta
    assert lrs[-1] == pytest.approx(0.01, rel=1e-15)


def test_min_lr_and_cooldown():
    cb = ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.002, cooldown=2)
    cb.set_model(fake_model())
    lrs = drive(cb, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    # epoch 2 lowers (0.01); cooldown epochs 3, 4 ignored; epoch 5 lowers to max(0.001, 0.002);
    # then lr == min_lr: no further change
    assert lrs[:4] == pytest.approx([0.1, 0.01, 0.01, 0.01], rel=1e-15)
    assert lrs[4:] == [0.002, 0.002, 0.002]


def test_mode_auto_maximises_accuracy():
    cb = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    cb.set_model(fake_model())
    lrs = drive(cb, [0.5, 0.6, 0.7, 0.65], key="val_accuracy")
    assert lrs == [0.1, 0.1, 0.1, 0.05]
    cb = ReduceLROnPlateau(monitor="score", mode="max", factor=0.5, patience=1)
    cb.set_model(fake_model())
    assert drive(cb, [1, 2, 2], key="score") == [0.1, 0.1, 0.05]


def test_missing_monitor_falls_back_to_loss_with_warning():
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    cb.set_model(fake_model())
    with pytest.warns(RuntimeWarning, match="val_loss.*'loss'"):
        cb.on_epoch_end(1, {"loss": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        cb.on_epoch_end(2, {"loss": 1.0})
    assert cb.model.optimizer.lr == 0.05


def test_no_metric_at_all_leaves_lr():
    cb = ReduceLROnPlateau(patience=0)
    cb.set_model(fake_model())
    with pytest.warns(RuntimeWarning, match="unchanged"):
        cb.on_epoch_end(1, {"accuracy": 0.3})
    assert cb.model.optimizer.lr == 0.1


def test_train_begin_resets_counters():
    cb = ReduceLROnPlateau(factor=0.5, patience=2)
    cb.set_model(fake_model())
    drive(cb, [1.0, 1.0])
    assert cb.wait == 1
    cb.on_train_begin()
    assert cb.wait == 0 and cb.best == math.inf


def test_reduction_persists_under_a_schedule_through_lr_scale():
    opt = O.Adam(lr=0.1, schedule=StepDecay(10, 0.5))
    cb = ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1)
    cb.set_model(fake_model(opt))
    lrs = []
    for epoch, loss in enumerate([1.0, 1.0, 0.5, 0.4], start=1):
        opt.begin_epoch(epoch)  # what the training loop does
        lrs.append(opt.lr)
        cb.on_epoch_end(epoch, {"loss": loss})
    assert opt.lr_scale == pytest.approx(0.1, rel=1e-15)
    assert lrs == pytest.approx([0.1, 0.1, 0.01, 0.01], rel=1e-15)
    opt.begin_epoch(11)
    assert opt.lr == pytest.approx(0.1 * 0.5 * 0.1, rel=1e-15)


def test_reduce_on_plateau_works_with_a_bare_optimizer_object():
    cb = ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5)
    cb.set_model(SimpleNamespace(optimizer=SimpleNamespace(lr=1.0)))  # no lr_scale attribute
    cb.on_epoch_end(1, {"loss": 1.0})
    cb.on_epoch_end(2, {"loss": 1.0})
    assert cb.model.optimizer.lr == 0.5


def test_reduce_on_plateau_verbose(capsys):
    cb = ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, verbose=1)
    cb.set_model(fake_model())
    drive(cb, [1.0, 1.0], key="loss")
    assert "0.05" in capsys.readouterr().out
    assert json.loads(json.dumps(cb.get_config()))["factor"] == 0.5


# --------------------------------------------------------------------------------------------
# LearningRateScheduler
# --------------------------------------------------------------------------------------------
def test_learning_rate_scheduler_with_schedule_uses_base_lr():
    opt = O.SGD(lr=0.1, momentum=0.9)
    cb = LearningRateScheduler(ExponentialDecay(0.5))
    cb.set_model(fake_model(opt))
    got = []
    for epoch in range(1, 5):
        cb.on_epoch_begin(epoch, {})
        opt.begin_epoch(epoch)  # no schedule of its own: leaves lr alone
        got.append(opt.lr)
    assert got == [0.1, 0.05, 0.025, 0.0125]


def test_learning_rate_scheduler_with_function_gets_current_lr(capsys):
    opt = O.Adam(lr=0.01)
    seen = []

    def fn(epoch, lr):
        seen.append((epoch, lr))
        return lr * 0.9 if epoch > 2 else lr

    cb = LearningRateScheduler(fn, verbose=1)
    cb.set_model(fake_model(opt))
    for epoch in range(1, 5):
        cb.on_epoch_begin(epoch)
    assert [e for e, _ in seen] == [1, 2, 3, 4]
    assert opt.lr == pytest.approx(0.01 * 0.81, rel=1e-15)
    assert "Epoch 4" in capsys.readouterr().out


def test_learning_rate_scheduler_rejects_bad_values():
    cb = LearningRateScheduler(lambda epoch, lr: -1.0)
    cb.set_model(fake_model())
    with pytest.raises(ValueError, match="epoch 1.*-1.0"):
        cb.on_epoch_begin(1)
    cb = LearningRateScheduler(lambda epoch, lr: "big")
    cb.set_model(fake_model())
    with pytest.raises(TypeError, match="'big'"):
        cb.on_epoch_begin(1)


def test_learning_rate_scheduler_with_linear_decay_matches_seed():
    opt = O.SGD(lr=0.1)
    cb = LearningRateScheduler(LinearDecay(5))
    cb.set_model(fake_model(opt))
    for epoch in range(1, 6):
        cb.on_epoch_begin(epoch)
        assert opt.lr == seed_linear_decay(0.1, 5, epoch - 1)


# --------------------------------------------------------------------------------------------
# documentation standards
# --------------------------------------------------------------------------------------------
def test_docstring_examples_run():
    res = doctest.testmod(S)
    assert res.attempted > 10 and res.failed == 0


def test_every_public_object_has_an_example():
    for name in S.__all__:
        doc = inspect.getdoc(getattr(S, name)) or ""
        assert ">>>" in doc, name
    for cls in (Schedule, LinearDecay, ExponentialDecay, StepDecay, CosineAnnealing, ReduceLROnPlateau,
                LearningRateScheduler):
        assert "math::" in (cls.__doc__ or ""), cls.__name__
