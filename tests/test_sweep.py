"""Parameter sweeps (:mod:`neural_net.sweep`): one stored run per grid point, serially or on
an executor (a process pool, Dask), failing trials recorded, results ranked by the monitor.

``build`` is a module-level function of this module so that worker processes (fork or spawn,
Dask) can import it by name.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.layers import Dense
from neural_net.sweep import expand_grid, run_trial, sweep

GRID = {"units": [2, 6], "optimizer": ["sgd", "adam"]}
EPOCHS = 4
RESULT_NUMBERS = ["val_accuracy", "loss", "epochs"]


def build(units, optimizer="adam", width=2, fail=False):
    """A seeded classifier; ``fail`` raises in build_fn, ``width`` != 2 makes ``fit`` raise."""
    if fail:
        raise RuntimeError(f"cannot build units={units}")
    model = Sequential([Dense(units, activation="tanh", input_dim=width), Dense(1, activation="sigmoid")],
                       seed=10 * units + len(optimizer))
    return model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])


def data(n=96):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] - 0.5 * X[:, 1] > 0.1).reshape(-1, 1).astype(float)
    return X, y


def run_sweep(grid=GRID, **kwargs):
    X, y = data()
    kwargs = {"epochs": EPOCHS, "batch_size": 16, "validation_split": 0.25, "monitor": "val_accuracy", **kwargs}
    return sweep(build, grid, X, y, **kwargs)


def pool(workers=2, method=None):
    """A process pool; fork where the platform has it (fast), else spawn."""
    if method is None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def by_trial(frame):
    return frame.sort_values("trial").reset_index(drop=True)


def assert_stored(frame, source, expected_status="finished", name="sweep"):
    """Every row's run is in ``source`` with that status and its grid point as 'params'."""
    names = [c for c in frame.columns if c in ("units", "optimizer", "width", "fail")]
    for _, row in frame.iterrows():
        info = db.run_info(source, row.run_id)
        assert info["status"] == expected_status, (row.to_dict(), info["status"], info["error"])
        params = {k: row[k] for k in names if not (isinstance(row[k], float) and np.isnan(row[k]))}
        stored = info["hyperparams"]["params"]
        assert stored == {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
        from neural_net.sweep import trial_name

        assert info["run_name"] == trial_name(name, stored, row.trial) and info["run_name"] != f"{name}[{row.trial}]"
        if expected_status == "finished":
            assert info["epochs"] == EPOCHS and info["error"] is None


# ----- serial ----------------------------------------------------------------------------------
def test_serial_sweep_results_and_store(tmp_path):
    path = tmp_path / "grid.db"
    res = run_sweep(store=str(path))
    assert len(res) == 4 and res.trial.tolist() != [] and sorted(res.trial) == [0, 1, 2, 3]
    # one row per point, its parameters as columns
    assert {"units", "optimizer", "trial", "run_id", "status", "epochs", "val_accuracy", "loss", "error",
            "seconds", "db_path"} <= set(res.columns)
    assert sorted(zip(res.units, res.optimizer)) == sorted((p["units"], p["optimizer"]) for p in expand_grid(GRID))
    assert set(res.status) == {"finished"} and res.error.isna().all()
    assert (res.epochs == EPOCHS).all() and (res.seconds > 0).all()
    # best first: sorted by the monitored value, max mode for an accuracy
    assert res.val_accuracy.tolist() == sorted(res.val_accuracy, reverse=True)
    # run ids present, all different, all in the one file, each finished with its params
    assert res.run_id.notna().all() and res.run_id.nunique() == 4
    assert set(res.db_path) == {db.resolve_url(str(path))}
    assert_stored(res, str(path))
    runs = db.list_runs(str(path))
    assert sorted(runs.run_id) == sorted(res.run_id) and set(runs.status) == {"finished"}
    # the monitored value is the best epoch of the stored history; 'loss' is the final one
    for _, row in res.iterrows():
        h = db.history(str(path), row.run_id)
        assert len(h) == EPOCHS
        assert row.val_accuracy == h.val_accuracy.max()
        assert row.loss == h.loss.iloc[-1]


def test_monitor_and_mode(tmp_path):
    res = run_sweep(store=None, monitor="val_loss")  # auto mode: min for a loss
    assert res.val_loss.tolist() == sorted(res.val_loss)
    res = run_sweep(store=None, monitor="val_loss", mode="max")
    assert res.val_loss.tolist() == sorted(res.val_loss, reverse=True)
    res = run_sweep(store=None, monitor="val_accuracy", mode="max")
    assert res.val_accuracy.tolist() == sorted(res.val_accuracy, reverse=True)
    # default monitor: val_loss with validation, loss without
    assert "val_loss" in run_sweep(store=None, monitor=None).columns
    X, y = data()
    res = sweep(build, GRID, X, y, epochs=2)
    assert res.loss.tolist() == sorted(res.loss)
    with pytest.raises(ValueError, match="mode must be"):
        run_sweep(store=None, mode="best")


def test_unknown_monitor_fails_every_trial_in_frame_and_store(tmp_path):
    path = str(tmp_path / "m.db")
    res = run_sweep(grid={"units": [2]}, store=path, monitor="val_f1")
    assert res.status.tolist() == ["failed"] and "val_f1" in res.error[0]
    info = db.run_info(path, res.run_id[0])
    assert info["status"] == "failed" and "val_f1" in info["error"]


def test_store_none_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run_sweep(store=None)
    assert set(res.status) == {"finished"} and res.db_path.isna().all()
    assert res.run_id.notna().all()  # the models' ids, though not stored
    assert not list(tmp_path.rglob("*.db")) and not (tmp_path / "run").exists()


def test_store_true_makes_a_new_file_under_run_of_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEURAL_NET_RUN_DIR", raising=False)
    res = run_sweep(store=True, name="grid")
    files = sorted((tmp_path / "run").glob("*.db"))
    assert len(files) == 1 and files[0].name.startswith("grid") and files[0].name[4:-3].isdigit()
    assert set(res.db_path) == {db.resolve_url(str(files[0]))}
    assert_stored(res, str(files[0]), name="grid")


def test_parameter_names_may_not_hide_result_columns():
    with pytest.raises(ValueError, match=r"\['loss'\] clash with the result columns"):
        run_sweep(grid={"units": [2], "loss": ["mse"]}, store=None)
    with pytest.raises(ValueError, match="val_accuracy"):
        run_sweep(grid={"units": [2], "val_accuracy": [1]}, store=None)
    with pytest.raises(TypeError, match="build_fn must be callable"):
        sweep("build", GRID, *data())


# ----- failing trials --------------------------------------------------------------------------
FAILING = [
    {"units": 2, "optimizer": "adam"},
    {"units": 3, "optimizer": "adam", "fail": True},   # build_fn raises
    {"units": 4, "optimizer": "sgd", "width": 3},      # fit raises: X has 2 columns, not 3
    {"units": 5, "optimizer": "sgd"},
]


def check_failures(res, source):
    assert len(res) == 4
    ok, bad = res[res.status == "finished"], res[res.status == "failed"]
    assert sorted(ok.units) == [2, 5] and sorted(bad.units) == [3, 4]
    assert res.status.tolist()[-2:] == ["failed", "failed"]  # NaN monitor: ranked last
    assert bad.val_accuracy.isna().all() and ok.error.isna().all()
    built = bad[bad.units == 3].iloc[0]
    width = bad[bad.units == 4].iloc[0]
    assert built.error == "RuntimeError: cannot build units=3"
    assert width.error.startswith("ValueError: X must have 3 columns")
    assert res.run_id.dtype == "Int64"  # exact 63-bit ids, never rounded through float64
    if source is None:  # no store: the model's id, none for the model that was never built
        assert res.run_id.isna().tolist() == (res.units == 3).tolist()
        return
    assert res.run_id.notna().all() and res.run_id.nunique() == 4
    assert_stored(ok, source)
    for row in (built, width):
        info = db.run_info(source, row.run_id)
        assert info["status"] == "failed", info
        assert row.error in info["error"]  # the full traceback ends with the one-line error
        from neural_net.sweep import trial_name  # named by its grid values

        # the same grid values (PostgreSQL's jsonb gives the document back with its keys reordered)
        assert sorted(info["run_name"].split(",")) == sorted(trial_name("sweep", info["hyperparams"]["params"],
                                                                        row.trial).split(","))
        assert info["run_name"].startswith(f"units={row.units},")
        assert info["hyperparams"]["params"]["units"] == row.units
    assert db.run_info(source, built.run_id)["config"]["steps"] == []  # no model was ever built
    assert db.run_info(source, width.run_id)["epochs"] == 0
    runs = db.list_runs(source)
    runs = runs[runs.run_id.isin(res.run_id)]
    assert runs.status.value_counts().to_dict() == {"finished": 2, "failed": 2}


def test_failing_trials_are_recorded_and_the_others_finish(tmp_path):
    path = str(tmp_path / "fail.db")
    check_failures(run_sweep(FAILING, store=path), path)


def test_failing_trials_without_a_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_failures(run_sweep(FAILING, store=None), None)
    assert not list(tmp_path.rglob("*.db"))


def test_failing_trials_on_a_process_pool(tmp_path):
    path = str(tmp_path / "failpool.db")
    with pool() as ex:
        check_failures(run_sweep(FAILING, store=path, executor=ex), path)


def test_run_trial_never_raises():
    X, y = data()
    row = run_trial(build, {"units": 2, "fail": True}, X, y, index=7, name="s", store=None, monitor="loss",
                    mode="min", fit_kwargs={"epochs": 1})
    assert row["status"] == "failed" and row["trial"] == 7 and row["error"].startswith("RuntimeError")


# ----- executors ---------------------------------------------------------------------------------
def test_process_pool_into_one_sqlite_file_matches_serial(tmp_path):
    path = str(tmp_path / "shared.db")
    serial = run_sweep(store=path)               # the parent opens the file first...
    with pool() as ex:                           # ...then forked workers write into it too
        parallel = run_sweep(store=path, executor=ex)
    assert set(parallel.status) == {"finished"}
    assert parallel.val_accuracy.tolist() == sorted(parallel.val_accuracy, reverse=True)
    a, b = by_trial(serial), by_trial(parallel)
    pd.testing.assert_frame_equal(a[["units", "optimizer", *RESULT_NUMBERS]], b[["units", "optimizer", *RESULT_NUMBERS]])
    assert not set(a.run_id) & set(b.run_id)
    assert_stored(parallel, path)
    runs = db.list_runs(path)
    assert len(runs) == 8 and set(runs.status) == {"finished"}
    for rid_a, rid_b in zip(a.run_id, b.run_id):  # the stored curves are the same numbers
        pd.testing.assert_frame_equal(db.history(path, rid_a), db.history(path, rid_b))
    assert os.getpid() not in set(runs.pid[runs.run_id.isin(b.run_id)])  # written by the workers
    assert len(db.list_runs(path)) == 8  # the parent's connections still work after the fork


def test_process_pool_with_spawn(tmp_path):
    """Spawned workers import ``build`` from this module by name (slower: fresh interpreters)."""
    path = str(tmp_path / "spawn.db")
    serial = run_sweep(grid={"units": [2, 6], "optimizer": ["adam"]}, store=None)
    with pool(method="spawn") as ex:
        res = run_sweep(grid={"units": [2, 6], "optimizer": ["adam"]}, store=path, executor=ex)
    pd.testing.assert_frame_equal(by_trial(serial)[RESULT_NUMBERS], by_trial(res)[RESULT_NUMBERS])
    assert_stored(res, path)


def test_dask_executor(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    path = str(tmp_path / "dask.db")
    serial = run_sweep(store=None)
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = run_sweep(store=path, executor=client.get_executor())
    assert set(res.status) == {"finished"}
    pd.testing.assert_frame_equal(by_trial(serial)[RESULT_NUMBERS], by_trial(res)[RESULT_NUMBERS])
    assert_stored(res, path)


def test_process_pool_into_postgresql(pg_url):
    url = pg_url
    serial = run_sweep(store=url)  # the parent's engine holds pooled connections...
    with pool() as ex:             # ...which forked workers must not reuse
        parallel = run_sweep(FAILING, store=url, executor=ex)
        again = run_sweep(store=url, executor=ex)
    check_failures(parallel, url)
    assert set(again.status) == {"finished"}
    pd.testing.assert_frame_equal(by_trial(serial)[RESULT_NUMBERS], by_trial(again)[RESULT_NUMBERS])
    assert_stored(again, url)
    assert len(db.list_runs(url)) == 12


# ----- expand_grid -------------------------------------------------------------------------------
def test_expand_grid_dict_form():
    assert expand_grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert expand_grid({"a": (v for v in (1, 2)), "b": range(1)}) == [{"a": 1, "b": 0}, {"a": 2, "b": 0}]
    assert expand_grid({"a": [None]}) == [{"a": None}]
    assert expand_grid({}) == [{}]  # one point: build_fn() without parameters


def test_expand_grid_list_form():
    points = [{"a": 1}, {"a": 2, "b": "x"}]
    out = expand_grid(points)
    assert out == points and out[0] is not points[0]  # copies, in order, as given
    assert expand_grid(p for p in points) == points


@pytest.mark.parametrize("grid, error, match", [
    ({"a": 1}, TypeError, r"grid\['a'\] must be a list of values"),
    ({"a": "abc"}, TypeError, r"grid\['a'\] must be a list of values"),
    ({"a": [1], "b": []}, ValueError, "at least one parameter combination"),
    ([], ValueError, "at least one parameter combination"),
    ("abc", TypeError, "grid must be a"),
    (None, TypeError, "grid must be a"),
    (5, TypeError, "grid must be a"),
    ([{"a": 1}, 5], TypeError, r"grid\[1\] must be a dict of parameters"),
    ([("a", 1)], TypeError, r"grid\[0\] must be a dict"),
    ({1: [2]}, TypeError, "parameter names must be strings"),
    ([{"a": 1}, {2: 3}], TypeError, "parameter names must be strings"),
])
def test_expand_grid_bad_inputs(grid, error, match):
    with pytest.raises(error, match=match):
        expand_grid(grid)


def test_runs_are_named_by_their_grid_values(tmp_path):
    """Issue 11: ``units=32,optimizer=adam``, not ``sweep[3]``; too long a name keeps what fits
    and the trial number; a value that cannot be in a name falls back to ``<name>[<i>]``."""
    from neural_net.sweep import sweep

    def build(units, optimizer, note="x"):
        return Sequential([Dense(units, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], "bce",
                          seed=0).compile(optimizer)

    X = np.random.default_rng(0).normal(size=(16, 2))
    y = (X[:, :1] > 0).astype(float)
    path = str(tmp_path / "s.db")
    grid = [{"units": 2, "optimizer": "adam"}, {"units": 4, "optimizer": "sgd"},
            {"units": 2, "optimizer": "sgd", "note": "n" * 120}, {"units": 2, "optimizer": "sgd", "note": "a\nb"}]
    res = sweep(build, grid, X, y, epochs=1, store=path, name="grid")
    names = {int(r.trial): db.run_info(path, r.run_id)["run_name"] for r in res.itertuples()}
    assert names[0] == "units=2,optimizer=adam" and names[1] == "units=4,optimizer=sgd"
    assert len(names[2]) == 100 and names[2].startswith("units=2,optimizer=sgd,note=nnn") and names[2].endswith("…[2]")
    assert names[3] == "grid[3]"
    assert set(db.runs(path).name) == set(names.values())
