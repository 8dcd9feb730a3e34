"""A loaded model that trains on with ``store=True`` is a child run (issue 11): its lineage
(``parent_id``, ``parent_epoch``) shows in ``db.runs``, ``neural-net runs`` and ``show``."""
from __future__ import annotations

import json

import numpy as np

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.cli import main
from neural_net.layers import Dense


def test_child_run_lineage_in_runs_and_show(db_url, capsys):
    X = np.random.default_rng(0).normal(size=(16, 2))
    y = X[:, :1]
    parent = Sequential([Dense(1, input_dim=2)], "mse", store=db_url, seed=0, name="parent",
                        tags={"stage": "one"}).compile("sgd")
    parent.fit(X, y, epochs=3, verbose=0)
    child = db.load_model(db_url, parent["id"], store=db_url)
    child.fit(X, y, epochs=2, verbose=0)
    assert child["id"] != parent["id"]
    # what the README says is recorded: the parent's epochs up to the snapshot, then the new ones
    assert db.history(db_url, child["id"]).index.tolist() == [1, 2, 3, 4, 5]
    assert db.history(db_url, child["id"])["loss"].tolist()[:3] == db.history(db_url, parent["id"])["loss"].tolist()
    assert db.open_run(db_url, child["id"]).tags == {}  # not carried over (README)
    frame = db.runs(db_url).set_index("run_id")
    assert frame.loc[child["id"], "parent_id"] == parent["id"] and frame.loc[child["id"], "parent_epoch"] == 3
    assert frame.loc[parent["id"], "parent_id"] is pd_na()
    assert main(["runs", db_url, "--format", "json"]) == 0
    rows = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows[child["id"]]["parent_id"], rows[child["id"]]["parent_epoch"]) == (parent["id"], 3)
    assert rows[parent["id"]]["parent_id"] is None
    assert main(["runs", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    assert "parent" in header
    child_line = next(ln for ln in lines if str(child["id"]) in ln.split())
    assert f"{parent['id']}@3" in child_line.split()
    assert main(["show", str(child["id"]), "--from", db_url]) == 0
    assert f"run {parent['id']} at epoch 3" in capsys.readouterr().out


def pd_na():
    import pandas as pd

    return pd.NA
