"""The seed tutorial's database chapters ("Adding Database", "Exploring database",
"View weights changes on db", "Storing weights"), with their SQL run unchanged, on SQLite
and (when configured) PostgreSQL."""
from __future__ import annotations

import datetime
import os
import re

import numpy
import pandas
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from neural_net.activation import ELU, LeakyReLU, Softmax, σ
from neural_net.architecture import Sequential
from neural_net.cost import BinaryCrossEntropy, CrossEntropy
from neural_net.init_funcs import XavierHe, zeros
from neural_net.layers import Activation, Fullyconnected
from neural_net.model import Define


def seed_network(store):
    return Sequential([Fullyconnected(2, 50, zeros), Activation(σ), Fullyconnected(50, 2, zeros), Activation(σ)],
                      BinaryCrossEntropy, store=store)


def run_sql(net, sql):
    cursor = net.engines.get(net.db_path).connect()
    try:
        res = cursor.execute(text(sql))
        return pandas.DataFrame(res.fetchall(), columns=list(res.keys()))
    finally:
        cursor.close()


def lower(df):
    return df.rename(columns=str.lower)


def test_adding_database_default_file_name_and_engines(tmp_path):
    network = seed_network(True)
    assert isinstance(network.session, Session)
    assert re.fullmatch(r"sqlite:////.+/run/model\d+\.db", network.db_path)
    utc_ts = network.db_path.split('/')[-1][5:-3]
    stamp = datetime.datetime.fromtimestamp(int(utc_ts))
    assert abs((datetime.datetime.now() - stamp).total_seconds()) < 120
    db_folder = '/'.join(network.db_path.split('/')[3:-1])
    assert db_folder == str(tmp_path / "run")
    assert os.path.exists(f"{db_folder}/model{utc_ts}.db")
    assert network.db_path in network.engines
    assert network.engines.get(network.db_path).url.database == f"{db_folder}/model{utc_ts}.db"
    assert network['id'] == network.store.run_id
    schema = run_sql(network, "SELECT * FROM sqlite_schema")
    names = set(schema.name)  # one spelling on SQLite and PostgreSQL: lower case (revision 0004)
    assert {"architecture", "layer", "cost", "neurons", "weight"} <= names
    assert schema.loc[schema.name == "weight", "type"].item() == "view"


def test_default_store_uses_database_url_env(db_url, monkeypatch):
    monkeypatch.setenv("NEURAL_NET_DATABASE_URL", db_url)
    network = seed_network(True)
    assert network.db_path == db_url


def test_store_directory_target_creates_timestamped_file(tmp_path):
    network = seed_network(str(tmp_path / "elsewhere"))
    assert re.fullmatch(r"model\d+\.db", network.db_path.split('/')[-1])
    assert (tmp_path / "elsewhere").is_dir()


def test_exploring_database_queries_run_unchanged(db_url):
    network = seed_network(db_url)
    arch = lower(run_sql(network, "SELECT *\nFROM Architecture"))
    assert list(arch.columns[:5]) == ["id", "created_at", "updated_at", "name", "architecture_id"]
    assert network['id'] in arch.architecture_id.tolist()
    assert arch.loc[arch.architecture_id == network['id'], "name"].item() == "Sequential"

    cost = lower(run_sql(network, f"SELECT *\nFROM cost\nWHERE Architecture_id = {network['id']}"))
    assert list(cost.columns[:7]) == ["architecture_id", "value", "id", "created_at", "updated_at", "name", "cost_id"]
    assert len(cost) == 1 and cost.value.isna().all() and cost.name.item() == "BinaryCrossEntropy"
    assert cost.cost_id.item() == network.cost['id']

    layer = lower(run_sql(network, f"SELECT * \nFROM layer \nWHERE Architecture_id={network['id']}"))
    assert list(layer.columns[:8]) == ["architecture_id", "n_in", "n_out", "id", "created_at", "updated_at",
                                       "name", "layer_id"]
    assert layer.name.tolist() == ["Fullyconnected", "Activation", "Fullyconnected", "Activation"]
    assert layer.n_in.tolist()[0] == 2 and layer.n_out.tolist()[0] == 50
    assert pandas.isna(layer.n_in.tolist()[1])
    first = network['steps'][0]
    assert layer.layer_id.tolist()[0] == first['id']

    neurons = lower(run_sql(network, f"SELECT * \nFROM neurons \nWHERE layer_id={first['id']}"))
    assert list(neurons.columns[:6]) == ["layer_id", "id", "created_at", "updated_at", "name", "neurons_id"]
    assert neurons.name.tolist() == ["Σ"]
    Σ_id = neurons.neurons_id.item()
    assert Σ_id == first.func['id']

    weight = lower(run_sql(network, f"SELECT * \nFROM\nweight WHERE neurons_id = {Σ_id}\nLIMIT 10"))
    assert list(weight.columns[:7]) == ["value", "neurons_id", "id", "created_at", "updated_at", "name", "weight_id"]
    assert weight.weight_id.tolist() == [f"0_{j}" for j in range(10)]
    assert weight.value.tolist() == [0.0] * 10 and weight.name.isna().all()

    agg = run_sql(network, f"SELECT count(*) n_neurons, AVG(value) mean_value\nFROM\nweight WHERE neurons_id = {Σ_id}")
    assert agg.values.tolist() == [[150, 0.0]]


def test_view_weights_changes_on_db(db_url):
    network = Sequential([Fullyconnected(2, 10, zeros), Activation(σ), Fullyconnected(10, 1, zeros), Activation(σ)],
                         BinaryCrossEntropy, store=db_url)
    rng = numpy.random.default_rng(0)
    X = rng.uniform(-100, 100, size=(1000, 2))
    y = (X.sum(axis=1) < rng.uniform(30, 90, (len(X),))).reshape(-1, 1) + 0
    network.predict(X)
    assert network['cost'].compute(y, network.out) == pytest.approx(0.6931471805599454)
    Δ0 = network['cost'].pr()
    network.update(Δ0)
    network.updateW()
    network.commit()
    w = lower(run_sql(network, "SELECT *\nfrom weight"))
    assert len(w) == 3 * 10 + 11 * 1
    last = network['steps'][2].func
    mine = w[w.neurons_id == last['id']].sort_values("id")
    assert numpy.array_equal(mine.value.to_numpy(), last.W.ravel())
    assert not (mine.value == 0).all()
    assert set(w.epoch) == {0}


def test_storing_weights_with_the_class_flag(db_url, monkeypatch):
    monkeypatch.setenv("NEURAL_NET_DATABASE_URL", db_url)
    X = numpy.random.default_rng(1).normal(size=(60, 4))
    y = numpy.eye(3)[numpy.arange(60) % 3]
    NN = Sequential([Fullyconnected(4, 100, XavierHe("Uniform", "ReLU").init_func), Activation(LeakyReLU),
                     Fullyconnected(100, 50, XavierHe("Normal", "ReLU").init_func), Activation(ELU),
                     Fullyconnected(50, 3, zeros), Activation(Softmax)], CrossEntropy)
    NN.train(X, y, α=0.2, epochs=5, verbose=False)
    Define._Define__store = True
    NN.updateW()
    NN.commit()
    assert NN.db_path == db_url
    cursor = NN.engines.get(NN.db_path).connect()
    res = cursor.execute(text('''

        SELECT * 
        FROM
        Weight

'''))
    df = pandas.DataFrame(res.fetchall())
    cursor.close()
    assert len(df) == 5 * 100 + 101 * 50 + 51 * 3
    assert set(df.iloc[:, 0].round(12)) != {0.0}
    # the history trained before the store was opened is in the database too
    from neural_net.db import history
    h = history(db_url, NN['id'])
    assert h.index.tolist() == [1, 2, 3, 4, 5]
    assert h["loss"].tolist() == NN.history.history["loss"]


def test_seed_columns_on_postgres_are_lowercase_but_sql_is_unquoted(db_url):
    network = seed_network(db_url)
    # mixed-case unquoted identifiers resolve on both dialects
    df = run_sql(network, f"SELECT Architecture_id, NAME FROM ARCHITECTURE WHERE architecture_ID = {network['id']}")
    assert df.values.tolist() == [[network['id'], "Sequential"]]
