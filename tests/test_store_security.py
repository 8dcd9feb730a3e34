"""A crafted database cannot run code: stored models are numbers, names and JSON, and only
registered names are ever built. Every attack below must fail with a clear StoredModelError
and leave no trace of execution."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import StatementError

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.errors import StoredModelError
from neural_net.db.schema import Architecture, Snapshot, WeightMatrix
from neural_net.layers import Dense

PACKAGE = Path(__file__).resolve().parent.parent / "neural_net"


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def victim(db_url, tmp_path):
    net = Sequential([Dense(3, activation="relu", input_dim=2), Dense(1)], "mse", store=db_url, seed=0)
    net.compile("adam")
    import numpy as np
    net.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    marker = tmp_path / "PWNED"
    engine = net.engines[net.db_path]

    def tamper(table, **values):
        with engine.begin() as c:
            c.execute(update(table.__table__).where(table.__table__.c.Architecture_id == net["id"]).values(**values))

    return net, marker, tamper


def config_with(net, **changes):
    cfg = net.get_config()
    cfg.update(changes)
    return json.dumps(cfg)


def attempts(net, marker):
    steps = net.get_config()["steps"]
    shell = f"__import__('os').system('touch {marker}')"
    bad_layer = [{"class": "os.system", "command": f"touch {marker}"}] + steps[1:]
    bad_act = [steps[0], {"class": "Activation", "func": {"name": shell}}] + steps[2:]
    sneaky_kwargs = [steps[0], {"class": "Activation", "func": {"name": "ReLU", "layer": shell}}] + steps[2:]
    bad_size = [{**steps[0], "n_in": shell}] + steps[1:]
    return {
        "unregistered layer class": (Architecture, {"config": config_with(net, steps=bad_layer)}, "not a registered layer"),
        "activation named by code": (Architecture, {"config": config_with(net, steps=bad_act)}, "activation"),
        "extra activation kwargs": (Architecture, {"config": config_with(net, steps=sneaky_kwargs)}, "numeric parameters"),
        "size given as code": (Architecture, {"config": config_with(net, steps=bad_size)}, "positive integer"),
        "cost named by code": (Architecture, {"config": config_with(net, cost="eval")}, "not a registered cost"),
        "python source as config": (Architecture, {"config": shell}, "not valid JSON"),
        "pickle as config": (Architecture, {"config": pickle.dumps(Exploit(marker), 0).decode("latin-1")},
                             "not valid JSON"),
        "non-JSON constant": (Architecture, {"config": '{"steps": NaN}'}, "not valid JSON"),
        "optimizer named by code": (Snapshot, {"optimizer": json.dumps({"name": "os.system", "config": {}})},
                                    "optimizer"),
        "schedule named by code": (Snapshot, {"optimizer": json.dumps(
            {"name": "sgd", "config": {"schedule": {"name": "os.system", "config": {"command": "x"}}}})}, "optimizer"),
        "generator named by code": (Snapshot, {"rng": json.dumps({"bit_generator": "os.system", "state": {}})},
                                    "bit generators"),
        "object dtype": (WeightMatrix, {"dtype": "object"}, "dtype"),
        "code as weights": (WeightMatrix, {"matrix": shell}, "not a JSON array"),
        "strings as weights": (WeightMatrix, {"matrix": json.dumps([shell] * 8)}, "not numbers"),
        "pickled array state": (Snapshot, {"optimizer": json.dumps(
            {"name": "adam", "config": {}, "state": {"0": {"step": 1, "m": {"__ndarray__": [1], "dtype": "object",
                                                                             "shape": [1]}}}})}, "dtype"),
    }


CASES = ["unregistered layer class", "activation named by code", "extra activation kwargs", "size given as code",
         "cost named by code", "python source as config", "pickle as config", "non-JSON constant",
         "optimizer named by code", "schedule named by code", "generator named by code", "object dtype",
         "code as weights", "strings as weights", "pickled array state"]


@pytest.mark.parametrize("case", CASES)
def test_crafted_database_fails_clearly_and_runs_nothing(victim, case):
    net, marker, tamper = victim
    table, values, message = attempts(net, marker)[case]
    try:
        tamper(table, **values)
    except StatementError:  # PostgreSQL keeps a run's configuration as jsonb: text that is not JSON is refused
        assert net.db_path.startswith("postgresql") and message == "not valid JSON"
        assert not marker.exists()
        return
    with pytest.raises(StoredModelError, match=message) as e:
        db.load_model(net.db_path, net["id"])
    assert f"run {net['id']}" in str(e.value) or "weight matrix" in str(e.value) or "stored" in str(e.value)
    assert not marker.exists()


def test_unknown_init_method_is_only_a_name(victim):
    net, marker, tamper = victim
    steps = net.get_config()["steps"]
    steps[0]["init_method"] = {"name": "eval", "distribution": f"os.system('touch {marker}')"}
    tamper(Architecture, config=config_with(net, steps=steps))
    model = db.load_model(net.db_path, net["id"])  # the stored weights are what count
    assert all((a == b).all() for a, b in zip(model.get_weights(), net.get_weights()))
    assert not marker.exists()


def test_no_pickle_anywhere_in_the_store():
    for path in list((PACKAGE / "db").rglob("*.py")) + list((PACKAGE / "migrations").rglob("*.py")):
        source = path.read_text()
        for word in ("import pickle", "pickle.load", "cloudpickle", "dill", "eval(", "exec(", "PickleType"):
            assert word not in source, (path, word)
