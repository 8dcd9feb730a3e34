"""Runs exported to MLflow read back the same through MlflowClient: one MLflow run per run with
the same metric values at the same steps and times, parameters, tags, status, times and
artifacts; re-export adds nothing (or only new epochs); log_batch stays within its limits.

Skipped without the ``mlflow`` extra (``pip install -e '.[mlflow]'``; ``.[test]`` has it)."""
from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402

import neural_net.db as db  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.callbacks import load_checkpoint  # noqa: E402
from neural_net.cli import main  # noqa: E402
from neural_net.db import mlflow_export  # noqa: E402
from neural_net.db.errors import RunNotFound, SnapshotNotFound  # noqa: E402
from neural_net.db.history_stream import iter_history  # noqa: E402
from neural_net.layers import Dense  # noqa: E402
from neural_net.sweep import sweep  # noqa: E402


def build(units, lr):
    net = Sequential([Dense(units, activation="tanh", input_dim=3), Dense(2, activation="softmax")], seed=units)
    return net.compile(optimizer="adam" if lr > 0.01 else "sgd", loss="cross_entropy", metrics=["accuracy"])


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, np.eye(2)[(X[:, 0] - X[:, 2] > 0).astype(int)]


@pytest.fixture(scope="module")
def empty_tracking(tmp_path_factory):
    """A fresh MLflow SQLite tracking file, created once (MLflow's migrations take seconds) and
    copied for each test."""
    path = tmp_path_factory.mktemp("mlflow") / "template.db"
    MlflowClient("sqlite:///" + str(path)).search_experiments()
    return path


@pytest.fixture
def tracking(empty_tracking, tmp_path):
    path = tmp_path / "mlruns.db"
    shutil.copy(empty_tracking, path)
    return "sqlite:///" + str(path)


@pytest.fixture
def sweep_db(tmp_path):
    """A sweep of three runs (validation loss and accuracy, two snapshots each) in one file."""
    path = tmp_path / "sweep.db"
    X, y = data()
    res = sweep(build, [{"units": 2, "lr": 0.001}, {"units": 4, "lr": 0.1}, {"units": 8, "lr": 0.05}], X, y,
                epochs=4, batch_size=20, validation_split=0.25, store=str(path), name="grid")
    return str(path), [int(r) for r in res.run_id]


def stored_values(source, rid):
    """{key: [(epoch, value, ms)]} as stored (the reference the MLflow copy must match)."""
    out = {}
    for chunk in iter_history(source, rid):
        for e, k, v, t in zip(chunk.epoch, chunk.key, chunk.value, chunk.wall_time):
            out.setdefault(k, []).append((int(e), float(v), int(round(t * 1000))))
    return out


def test_sweep_reads_back_with_the_same_values_steps_and_times(sweep_db, tracking):
    source, ids = sweep_db
    mlflow_ids = db.to_mlflow(source, ids, tracking, experiment="grid")
    assert len(set(mlflow_ids)) == 3
    client = MlflowClient(tracking)
    exp = client.get_experiment_by_name("grid")
    ordered = client.search_runs([exp.experiment_id], order_by=["metrics.val_loss ASC"])
    final_val = {rid: db.history(source, rid)["val_loss"].iloc[-1] for rid in ids}
    assert [int(r.data.tags["neural_net.run_id"]) for r in ordered] == sorted(ids, key=final_val.get)
    for rid, mid in zip(ids, mlflow_ids):
        run = client.get_run(mid)
        stored = stored_values(source, rid)
        assert set(run.data.metrics) == set(stored) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
        for key, points in stored.items():
            got = sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(mid, key))
            assert got == points, key
        info = db.run_info(source, rid)
        frame = db.history(source, rid)
        assert run.data.metrics["val_loss"] == frame["val_loss"].iloc[-1]
        assert run.info.status == "FINISHED" and run.info.run_name == info["run_name"]
        assert run.info.start_time == mlflow_export._ms(info["started_at"])
        assert run.info.end_time == mlflow_export._ms(info["finished_at"])
        params = run.data.params
        assert params["units"] == str(info["hyperparams"]["params"]["units"])
        assert params["optimizer"] == info["hyperparams"]["optimizer"]["name"]
        assert params["optimizer.lr"] == str(info["hyperparams"]["optimizer"]["config"]["lr"])
        assert params["batch_size"] == "20"
        assert run.data.tags["neural_net.source"] == "sweep"


def test_artifacts_hold_the_architecture_and_loadable_weights(sweep_db, tracking, tmp_path):
    source, ids = sweep_db
    rid = ids[0]
    epochs = sorted(set(db.snapshots(source, rid).epoch))
    [mid] = db.to_mlflow(source, rid, tracking, snapshots="all")
    client = MlflowClient(tracking)
    names = {a.path for a in client.list_artifacts(mid)} | {a.path for a in client.list_artifacts(mid, "weights")}
    assert {"architecture.json", *(f"weights/epoch-{e}.{x}" for e in epochs for x in ("npz", "json"))} <= names
    folder = client.download_artifacts(mid, "", str(tmp_path / "dl"))
    for e in epochs:
        model = load_checkpoint(f"{folder}/weights/epoch-{e}.npz")
        for W, stored in zip(model.get_weights(), db.weight_matrices(source, rid, e)):
            np.testing.assert_array_equal(W, stored)
    import json

    with open(f"{folder}/architecture.json", encoding="utf-8") as f:
        arch = json.load(f)
    assert arch["config"] == db.run_info(source, rid)["config"]
    assert [r["name"] for r in arch["layers"]] == db.layers(source, rid).name.tolist()


def test_reexport_is_idempotent_and_sends_only_new_epochs(tmp_path, tracking):
    source = str(tmp_path / "one.db")
    X, y = data()
    net = Sequential([Dense(3, activation="tanh", input_dim=3), Dense(2, activation="softmax")], "cross_entropy",
                     store=source, seed=0, name="grows")
    net.compile("sgd", metrics=["accuracy"])
    net.fit(X, y, epochs=3, verbose=0)
    [mid] = db.to_mlflow(source, net["id"], tracking)
    assert db.to_mlflow(source, net["id"], tracking) == [mid]
    client = MlflowClient(tracking)
    assert [m.step for m in client.get_metric_history(mid, "loss")] == [1, 2, 3]
    net.fit(X, y, epochs=2, verbose=0)  # the same run trains on: epochs 4, 5
    calls = []
    real = MlflowClient.log_batch

    def spy(self, run_id, metrics=(), params=(), tags=(), **kw):
        calls.append(sorted({m.step for m in metrics}))
        return real(self, run_id, metrics=metrics, params=params, tags=tags, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MlflowClient, "log_batch", spy)
        assert db.to_mlflow(source, net["id"], tracking) == [mid]
    assert [steps for steps in calls if steps] == [[4, 5]]
    loss = db.history(source, net["id"])["loss"]
    got = client.get_metric_history(mid, "loss")
    assert [(m.step, m.value) for m in got] == list(zip(loss.index, loss.values))
    assert len(client.search_runs([client.get_experiment_by_name("one").experiment_id])) == 1


def test_log_batch_calls_stay_within_the_limits_and_hold_whole_epochs(tmp_path, tracking):
    source = str(tmp_path / "long.db")
    n = 700
    rng = np.random.default_rng(1)
    curves = {k: rng.random(n).tolist() for k in ("loss", "accuracy", "val_loss")}
    rid = db.import_history(curves, store=source)
    calls = []
    real = MlflowClient.log_batch

    def spy(self, run_id, metrics=(), params=(), tags=(), **kw):
        calls.append((list(metrics), list(params), list(tags)))
        return real(self, run_id, metrics=metrics, params=params, tags=tags, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MlflowClient, "log_batch", spy)
        [mid] = db.to_mlflow(source, rid, tracking, chunk_rows=1000)
    max_metrics, max_params_tags, max_entities = mlflow_export.batch_limits()
    metric_calls = [m for m, _, _ in calls if m]
    assert sum(len(m) for m in metric_calls) == 3 * n and len(metric_calls) >= 3
    for metrics, params, tags in calls:
        assert len(metrics) <= max_metrics and len(params) <= max_params_tags and len(tags) <= max_params_tags
        assert len(metrics) + len(params) + len(tags) <= max_entities
    for metrics in metric_calls:  # every epoch of a call is complete (3 values)
        steps = [m.step for m in metrics]
        assert all(steps.count(s) == 3 for s in set(steps))
    history = MlflowClient(tracking).get_metric_history(mid, "val_loss")
    assert sorted((m.step, m.value) for m in history) == list(zip(range(1, n + 1), curves["val_loss"]))


def test_note_and_tags_become_mlflow_tags(sweep_db, tracking):
    source, ids = sweep_db
    db.set_tag(source, ids[0], "team", "vision")
    db.set_note(source, ids[0], "baseline, **bold**")
    [mid] = db.to_mlflow(source, ids[0], tracking, snapshots="none")
    tags = MlflowClient(tracking).get_run(mid).data.tags
    assert tags["mlflow.note.content"] == "baseline, **bold**" and tags["team"] == "vision"
    assert tags["neural_net.run_id"] == str(ids[0])


def test_status_of_a_failed_run_and_a_run_without_epochs(tmp_path, tracking):
    source = str(tmp_path / "f.db")
    rid = db.record_failed_run(source, "broken", {"units": 0}, "ValueError: units must be > 0")
    [mid] = db.to_mlflow(source, rid, tracking)
    run = MlflowClient(tracking).get_run(mid)
    assert run.info.status == "FAILED" and "units must be" in run.data.tags["neural_net.error"]
    assert run.data.metrics == {} and run.data.params["units"] == "0"


def test_errors_name_what_is_wrong_before_mlflow_is_written(sweep_db, tracking):
    source, ids = sweep_db
    with pytest.raises(RunNotFound):
        db.to_mlflow(source, 12345, tracking)
    with pytest.raises(SnapshotNotFound, match="stored epochs"):
        db.to_mlflow(source, ids[0], tracking, snapshots=[3])
    with pytest.raises(TypeError, match="run_ids"):
        db.to_mlflow(source, ["x"], tracking)
    with pytest.raises(TypeError, match="tracking_uri"):
        db.to_mlflow(source, ids, None)
    client = MlflowClient(tracking)
    exp = client.get_experiment_by_name("sweep")
    assert exp is None or not client.search_runs([exp.experiment_id])


def test_cli_exports_several_runs(sweep_db, tracking, capsys):
    source, ids = sweep_db
    assert main(["export", *map(str, ids), "--from", source, "--to", "mlflow:" + tracking, "--experiment", "cli",
                 "--snapshots", "none"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(f"run {rid} → MLflow run" in ln for rid, ln in zip(ids, lines))
    client = MlflowClient(tracking)
    runs = client.search_runs([client.get_experiment_by_name("cli").experiment_id])
    assert sorted(int(r.data.tags["neural_net.run_id"]) for r in runs) == sorted(ids)
    assert not any(math.isnan(v) for r in runs for v in r.data.metrics.values())


def test_a_postgresql_source_exports_the_same(pg_url, tracking):
    from conftest import trained

    net = trained(pg_url, epochs=3, name="on-pg")
    [mid] = db.to_mlflow(pg_url, net["id"], tracking, experiment="pg")
    client = MlflowClient(tracking)
    for key, points in stored_values(pg_url, net["id"]).items():
        assert sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(mid, key)) == points
    assert client.get_run(mid).info.run_name == "on-pg"
