"""Runs exported as TensorBoard event files read back the same with tbparse: the scalars at
the same steps and wall times, histograms of every layer at every snapshot, the architecture,
HParams; event files written in the same second into one directory do not overwrite each other.

Skipped without the ``tensorboard`` extra and tbparse (``.[test]`` has them)."""
from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
SummaryReader = pytest.importorskip("tbparse").SummaryReader
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # tbparse on pandas 3

import neural_net.db as db  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.cli import main  # noqa: E402
from neural_net.db.history_stream import iter_history  # noqa: E402
from neural_net.layers import Dense  # noqa: E402


def trained(source, units, epochs=4, name=None):
    rng = np.random.default_rng(units)
    X = rng.normal(size=(40, 3))
    y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = Sequential([Dense(units, activation="relu", input_dim=3), Dense(2, activation="softmax")], "cross_entropy",
                     store={"url": source, "checkpoint_every": 2}, seed=units, name=name or f"units={units}")
    net.store.record_params({"units": units, "wide": units > 3})
    net.compile("sgd", metrics=["accuracy"])
    net.fit(X, y, epochs=epochs, batch_size=10, validation_split=0.25, verbose=0)
    return net


@pytest.fixture
def runs(tmp_path):
    source = str(tmp_path / "sweep.db")
    return source, [trained(source, u)["id"] for u in (2, 4, 8)]


def test_scalars_histograms_text_and_hparams_read_back(runs, tmp_path):
    source, ids = runs
    dirs = db.to_tensorboard(source, ids, tmp_path / "tb")
    assert len(set(dirs)) == 3
    for rid, run_dir in zip(ids, dirs):
        reader = SummaryReader(run_dir, extra_columns={"wall_time"})
        scalars = reader.scalars
        expected = [(f"{n}/{s}", int(e), float(v), float(t)) for c in iter_history(source, rid)
                    for n, s, e, v, t in zip(c.name, c.split, c.epoch, c.value, c.wall_time)]
        got = [(r.tag, int(r.step), float(r.value), float(r.wall_time)) for r in scalars.itertuples()]
        assert sorted(t[:2] for t in got) == sorted(t[:2] for t in expected)
        by_key = {t[:2]: t[2:] for t in got}
        for tag, step, value, when in expected:
            v, w = by_key[(tag, step)]
            assert v == pytest.approx(value, rel=1e-6) and w == pytest.approx(when, abs=1e-3)
        history = db.history(source, rid)
        loss = scalars[scalars.tag == "loss/val"].sort_values("step")
        assert loss.step.tolist() == history.index.tolist()
        np.testing.assert_allclose(loss.value, history["val_loss"], rtol=1e-6)  # float32 in event files

        hist = reader.histograms
        snaps = sorted(set(db.snapshots(source, rid).epoch))
        assert snaps == [0, 2, 4]
        for tag in ("layer0/weights", "layer0/bias", "layer2/weights", "layer2/bias"):
            assert sorted(hist[hist.tag == tag].step) == snaps, tag
        last = hist[(hist.tag == "layer0/weights") & (hist.step == 4)].iloc[0]
        W = db.weight_matrices(source, rid, 4)[0]
        assert last.counts.sum() == W[:-1].size and last.limits.max() >= W[:-1].max()

        text = reader.text
        assert "architecture" in set(text.tag) and "Fullyconnected" in text.value.iloc[0]
        hparams = dict(zip(reader.hparams.tag, reader.hparams.value))
        units = db.run_info(source, rid)["hyperparams"]["params"]["units"]
        assert hparams["units"] == units and hparams["wide"] == (units > 3)
        assert hparams["optimizer"] == "sgd" and hparams["optimizer.lr"] == pytest.approx(0.01)


def test_two_event_files_in_one_directory_in_the_same_second_both_survive(runs, tmp_path, monkeypatch):
    from tensorboardX import SummaryWriter

    source, ids = runs
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)
    plain = tmp_path / "plain"  # TensorBoard's own naming: the second file replaces the first
    for value in (1.0, 2.0):
        with SummaryWriter(str(plain)) as w:
            w.add_scalar("x", value, 1)
    assert len(list(plain.iterdir())) == 1

    root = tmp_path / "tb"
    [run_dir] = db.to_tensorboard(source, ids[0], root)
    assert db.to_tensorboard(source, ids[0], root, replace=False) == [run_dir]
    files = sorted(p.name for p in root.joinpath(run_dir).iterdir())
    assert len(files) == 2 and len({f.split(".")[3] for f in files}) == 1  # the same second
    scalars = SummaryReader(run_dir, extra_columns={"dir_name"}).scalars
    n = sum(len(c) for c in iter_history(source, ids[0]))
    assert len(scalars) == 2 * n  # both files are complete


def test_reexport_replaces_its_own_files_and_keeps_others(runs, tmp_path):
    from tensorboardX import SummaryWriter

    source, ids = runs
    [run_dir] = db.to_tensorboard(source, ids[0], f"tensorboard:{tmp_path / 'tb'}")
    with SummaryWriter(run_dir, filename_suffix=".keras") as w:  # another tool's file in the same directory
        w.add_scalar("epoch_loss", 1.0, 0)
    db.to_tensorboard(source, ids[0], tmp_path / "tb")
    names = sorted(p.name for p in (tmp_path / "tb").joinpath(run_dir).iterdir())
    assert len(names) == 2 and any(n.endswith(".keras") for n in names)
    scalars = SummaryReader(run_dir).scalars
    assert len(scalars[scalars.tag == "loss/train"]) == 4


def test_imported_run_has_scalars_and_no_histograms(tmp_path):
    source = str(tmp_path / "k.db")
    rid = db.import_history({"loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, float("nan")]}, store=source)
    [run_dir] = db.to_tensorboard(source, rid, tmp_path / "tb")
    reader = SummaryReader(run_dir)
    assert sorted(reader.scalars.tag.unique()) == ["loss/train", "loss/val"]
    assert reader.scalars[reader.scalars.tag == "loss/val"].step.tolist() == [1, 2]
    assert len(reader.histograms) == 0


def test_cli_writes_one_directory_per_run(runs, tmp_path, capsys):
    source, ids = runs
    assert main(["export", *map(str, ids), "--from", source, "--to", f"tensorboard:{tmp_path / 'tb'}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(ln.startswith(f"run {rid} → ") for rid, ln in zip(ids, out))
    assert sorted(p.name for p in (tmp_path / "tb").iterdir()) == sorted(f"units_{u}-{r}" for u, r in
                                                                       zip((2, 4, 8), ids))


def test_bad_arguments(runs):
    source, ids = runs
    with pytest.raises(TypeError, match="logdir"):
        db.to_tensorboard(source, ids, None)
    with pytest.raises(TypeError, match="replace"):
        db.to_tensorboard(source, ids, "tb", replace="yes")
    with pytest.raises(db.RunNotFound):
        db.to_tensorboard(source, [123], "tb")


def test_a_postgresql_source_exports_the_same(pg_url, tmp_path):
    net = trained(pg_url, 3, epochs=2, name="on-pg")
    [run_dir] = db.to_tensorboard(pg_url, net["id"], tmp_path / "tb")
    scalars = SummaryReader(run_dir).scalars
    history = db.history(pg_url, net["id"])
    np.testing.assert_allclose(scalars[scalars.tag == "accuracy/val"].sort_values("step").value,
                               history["val_accuracy"], rtol=1e-6)
    assert sorted(set(SummaryReader(run_dir).histograms.step)) == [0, 2]


def test_runs_of_a_run_directory(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    ids = [trained(str(folder / f"m{u}.db"), u, epochs=2)["id"] for u in (2, 3)]
    dirs = db.to_tensorboard(str(folder), ids[::-1], tmp_path / "tb")
    for rid, run_dir in zip(ids[::-1], dirs):
        scalars = SummaryReader(run_dir).scalars
        loss = scalars[scalars.tag == "loss/train"].sort_values("step").value
        np.testing.assert_allclose(loss, db.history(str(folder), rid)["loss"], rtol=1e-6)
