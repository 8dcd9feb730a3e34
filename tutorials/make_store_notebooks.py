#!/usr/bin/env python
r"""Generate the database tutorials of ``neural_net`` (committed without outputs).

The engine tutorials come from ``make_notebooks.py``, and none of them touches a database.
This script writes the two that do:

* ``06_database.ipynb`` — the seed tutorial's database chapters ("Adding Database",
  "Exploring database", "View weights changes on db", "Storing weights"): a network built
  with ``store=True``, its SQLite file explored with SQL (the ``%sql`` magic of jupysql, and
  pandas), the loss curve plotted from the database, snapshots staged with ``updateW()`` /
  ``commit()``, the ``Define._Define__store`` flag, and the model rebuilt from the database
  continuing exactly like the uninterrupted original;
* ``07_sweeps.ipynb`` — a parameter sweep (serially, then on a process pool) into one SQLite
  file, its runs compared with SQL (the ``run_summary`` and ``history`` views) and pandas,
  and the best run's curves plotted from the database.

Both write their databases under a scratch folder of the working directory, which they
delete at the end; they need no network connection.

Usage::

    python tutorials/make_store_notebooks.py            # (re)write the notebooks next to this file
    python tutorials/make_store_notebooks.py --out DIR  # write them elsewhere
    python tutorials/make_store_notebooks.py --check    # exit 1 if a committed notebook is stale

Edit the cells here, never the ``.ipynb`` files by hand. Cell ids are deterministic, so
regenerating an unchanged notebook gives a byte-identical file.
"""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_notebooks  # noqa: E402  (the shared builder: md, code, build, render, main)
from make_notebooks import code, md  # noqa: E402


def jupysql_note(engine_source: str) -> tuple[str, str]:
    """The markdown cell explaining why ``%sql $network.db_path`` became ``%sql engine``."""
    return md(rf"""
        > **`%sql $network.db_path` and jupysql 0.10+.** The seed connected with
        > `%sql $network.db_path`. That relied on IPython's `$variable` expansion, which the
        > `%sql` magic of current jupysql (0.10 and later; 0.11 here) switches off: it reads
        > `$network.db_path` as a literal connection string and answers *"No active
        > connection"*. Its replacement, `{{{{network.db_path}}}}`, is expanded inside queries
        > but not in the connection argument. What `%sql` accepts is **the name of a variable
        > holding a SQLAlchemy engine** — {engine_source} — or a literal URL such as
        > `%sql sqlite:////absolute/path/run/model1709575905.db`. Inside queries, `{{{{ ... }}}}`
        > is rendered with Jinja from the notebook's variables, so the seed's hard-coded ids
        > (`WHERE Architecture_id = 140379603024400`) become `{{{{network['id']}}}}`.
        """)


# ============================================================================ notebook 06
def nb06() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 6 · The database: runs, weights and training histories in SQL

        A network of `neural_net` can write itself to a SQL database while it trains: its
        architecture, its layers and the neurons they hold, its cost, one row per epoch for
        the loss and for every metric, and snapshots of its weights. This tutorial follows the
        database chapters of the original tutorial:

        1. **Adding Database** — build a network with `store=True` and look at what it opened
           (`session`, `db_path`, `engines`) and at the tables of the new SQLite file;
        2. **Exploring database** — query it with SQL through the `%sql` magic of
           [jupysql](https://jupysql.ploomber.io) and through pandas;
        3. **View weights changes on db** — one gradient step by hand, then `updateW()` and
           `commit()` store the new weights;
        4. **Training** — every epoch is written as it ends; the loss curve is read back from
           the database and plotted;
        5. **Storing weights** — the seed's class flag `Define._Define__store` stores a
           network that was built without a database;
        6. **Rebuilding** — `neural_net.db.load_model` rebuilds the network from the
           database, and the rebuilt one continues training exactly like the original.

        The tables keep the seed's names and columns, with a few additions for tracking runs:

        | table / view | one row per |
        |---|---|
        | `Architecture` | run (a stored `Sequential`): status, epochs, configuration, hyper-parameters |
        | `Layer` | layer of a run (`n_in`, `n_out` for a `Fullyconnected`) |
        | `Neurons` | function a layer holds (`Σ` for a linear layer, the activation otherwise) |
        | `Cost` | the cost: one definition row, then one row per epoch and split with the loss |
        | `metric` | other per-epoch values (`accuracy`, `lr`, ...) per split |
        | `snapshot`, `weight_matrix` | saved weights (one JSON matrix per layer), optimizer and generator state |
        | view `Weight` | each weight of the latest snapshot, with the seed's columns (`value`, `Neurons_id`, `Weight_id`, ...) |
        | view `weight_history` | each weight of every snapshot |
        | view `history` | `(Architecture_id, epoch, split, name, value)`: the loss and every metric |
        | view `run_summary` | run: status, epochs, final and best loss |
        """),
        code(r"""
        import datetime
        import os
        import pathlib
        import shutil
        import tempfile

        import numpy
        import pandas
        import matplotlib.pyplot as plt
        from sqlalchemy import text

        import neural_net.db
        from neural_net.architecture import Sequential
        from neural_net.layers import Fullyconnected, Activation
        from neural_net.init_funcs import zeros, XavierHe
        from neural_net.activation import σ, ReLU, Softmax
        from neural_net.cost import BinaryCrossEntropy, CrossEntropy
        from neural_net.metrics import accuracy
        from neural_net.model import Define
        from neural_net.pipeline import Batch, onehot, scaler
        from neural_net.utils import IrisDatasetDownloader

        numpy.random.seed(0)  # every random draw of this notebook is reproducible
        """),
        md(r"""
        `store=True` creates a new SQLite file `model<unix-seconds>.db` in the folder named by
        the environment variable `NEURAL_NET_RUN_DIR`, by default `./run`. (It can also be a
        `.db` path, a folder, or any SQLAlchemy URL such as
        `postgresql+psycopg://user@host/db`.) This tutorial keeps its files in a scratch
        folder of the current directory, deleted at the end.
        """),
        code(r"""
        workdir = pathlib.Path(tempfile.mkdtemp(prefix="db_tutorial_", dir="."))
        os.environ["NEURAL_NET_RUN_DIR"] = str(workdir / "run")
        os.environ["NEURAL_NET_RUN_DIR"]
        """),
        md(r"""
        ## Adding Database

        The network of the seed: two inputs, 50 sigmoid units, zero-initialized weights, a
        sigmoid output and the binary cross-entropy. (The seed's output layer had two units;
        we train on one label column, so ours has one.)
        """),
        code(r"""
        network = Sequential(
                [
                Fullyconnected(2,50,zeros),
                Activation(σ),
                Fullyconnected(50,1,zeros),
                Activation(σ)
                ]
            ,BinaryCrossEntropy,store=True)
        """),
        md(r"""
        Building it already wrote the run: the architecture, its four layers, their neurons,
        the cost, and a first snapshot of the weights (tag `'initial'`), in one transaction.
        `network.session` is the SQLAlchemy session of the store:
        """),
        code(r"""
        network.session
        """),
        md(r"""
        `network.db_path` is the SQLAlchemy URL of the file; its name carries the time it was
        created, in seconds since 1970-01-01 UTC:
        """),
        code(r"""
        network.db_path
        """),
        code(r"""
        utc_ts = network.db_path.split('/')[-1][5:-3]
        utc_ts
        """),
        code(r"""
        datetime.datetime.fromtimestamp(int(utc_ts)).isoformat()
        """),
        code(r"""
        db_folder = '/'.join(network.db_path.split('/')[3:-1])
        db_folder
        """),
        code(r"""
        %ls $db_folder
        """),
        md(r"""
        `network.engines` maps every database URL this Python process opened to its SQLAlchemy
        `Engine` (shared by all the networks stored there):
        """),
        code(r"""
        network.engines
        """),
        code(r"""
        network.engines.get(network.db_path)
        """),
        code(r"""
        cursor = network.engines.get(network.db_path).connect()
        """),
        md(r"""
        SQLite lists what a file holds in `sqlite_schema`: the seven tables, their indexes,
        the four views, and `alembic_version`, the revision of the schema (the store creates
        and upgrades it with Alembic migrations; `neural-net db upgrade PATH` upgrades an old
        file).
        """),
        code(r"""
        res = cursor.execute(text('''

                SELECT type, name, tbl_name
                FROM
                sqlite_schema

        '''))
        pandas.DataFrame(res.fetchall())
        """),
        md(r"""
        ## Exploring database

        We query the file with the `%sql` magic of jupysql. `displaycon = False` leaves out the
        connection banner above each result. (jupysql 0.11 sends no usage statistics and
        needs no network connection.)
        """),
        jupysql_note("`network.engines.get(network.db_path)` is exactly that"),
        code(r"""
        %load_ext sql
        %config SqlMagic.displaycon = False
        engine = network.engines.get(network.db_path)
        %sql engine
        """),
        md(r"""
        ### Architecture

        One row per run. Besides the seed's five columns (`id, created_at, updated_at, name,
        Architecture_id`), it records the status (`created`, `running`, `finished`, `failed`,
        `interrupted`), the number of epochs trained, the process that writes it, the
        configuration as JSON (the layers and the cost: enough to rebuild the network) and
        the hyper-parameters of the last training.
        """),
        code(r"""
        %%sql

        SELECT *
        FROM Architecture
        """),
        md(r"""
        Its `Architecture_id` is the network's id, a random 63-bit integer (unique across
        processes and files):
        """),
        code(r"""
        network['id']
        """),
        md(r"""
        ### Costs

        The definition row of the cost (`value`, `epoch` and `split` NULL); the losses of
        each epoch will be added below it as the network trains.
        """),
        code(r"""
        %%sql

        SELECT *
        FROM cost
        WHERE Architecture_id = {{network['id']}}
        """),
        md(r"""
        ### Layers
        """),
        code(r"""
        %%sql

        SELECT *
        FROM layer
        WHERE Architecture_id={{network['id']}}
        """),
        md(r"""
        ### Neurons

        The function held by the first layer: the linear map $\Sigma(x) = [x\ 1]\,W$.
        """),
        code(r"""
        network['steps'][0]['id'], network['steps'][0].func['id']
        """),
        code(r"""
        %%sql

        SELECT *
        FROM neurons
        WHERE layer_id={{network['steps'][0]['id']}}
        """),
        md(r"""
        ### Weights

        The view `Weight` shows each value of the latest snapshot of every `Neurons` with the
        seed's columns: `Weight_id` is `'<row>_<column>'` of the matrix $W$, whose last row is
        the bias, and `epoch` says when the snapshot was taken.
        """),
        code(r"""
        %%sql

        SELECT *
        FROM
        weight WHERE neurons_id = {{network['steps'][0].func['id']}}
        LIMIT 10
        """),
        md(r"""
        The first layer has $(2 + 1) \times 50 = 150$ weights, all zero:
        """),
        code(r"""
        %%sql

        SELECT count(*) n_neurons, AVG(value) mean_value
        FROM
        weight WHERE neurons_id = {{network['steps'][0].func['id']}}
        """),
        md(r"""
        ## View weights changes on db

        The seed's linearly separable data: 300 points of $[-100, 100]^2$, labelled 1 below a
        line. We standardize each column, $z_{ij} = (x_{ij} - \mu_j) / \sigma_j$, before
        training.
        """),
        code(r"""
        n,k = 300,2
        X = numpy.random.uniform(-100,100,size=(n,k))
        y = (X.sum(axis=1) < numpy.random.uniform(.3,.37,(len(X),))).reshape(-1,1)+0
        Xs = scaler(X)
        plt.scatter(x=X[:,0],y=X[:,1],c=y)
        """),
        md(r"""
        One step of gradient descent by hand, as in the seed: forward, the cost's gradient
        $\Delta_0 = \partial J / \partial p$, and `update` backpropagates
        $\alpha\,\Delta_0$ through every step, changing the weights in memory.

        With every weight at zero, only the last linear layer moves on this first step: the
        gradient reaching the first layer is multiplied by the last layer's weights, still
        0. We follow the last linear layer, `network['steps'][2]`.
        """),
        code(r"""
        α = 2
        network.predict(Xs)
        network['cost'].compute(y, network.out)
        """),
        code(r"""
        Δ0 = network['cost'].pr()
        _ = network.update(α * Δ0)
        last = network['steps'][2].func
        last.W[:3], last['id']
        """),
        md(r"""
        The database still has the zeros: weights are written when a snapshot is taken.
        `updateW()` stages a snapshot of every weight matrix (with the optimizer's and the
        random generator's state), and `commit()` writes it:
        """),
        code(r"""
        %%sql

        SELECT *
        FROM
        weight WHERE neurons_id = {{last['id']}}
        LIMIT 3
        """),
        code(r"""
        network.updateW()
        network.commit()
        """),
        code(r"""
        %%sql

        SELECT *
        FROM
        weight WHERE neurons_id = {{last['id']}}
        LIMIT 3
        """),
        md(r"""
        Snapshots are never overwritten: the table `snapshot` lists them, and the view
        `weight_history` holds every value of every snapshot, so we can follow a weight
        through them (`seq` numbers the snapshots of a run from 0).
        """),
        code(r"""
        %%sql

        SELECT seq, epoch, tag, n_params, created_at
        FROM snapshot
        WHERE Architecture_id = {{network['id']}}
        ORDER BY seq
        """),
        code(r"""
        %%sql

        SELECT seq, Weight_id, value
        FROM weight_history
        WHERE neurons_id = {{last['id']}} AND Weight_id IN ('0_0', '1_0', '50_0')
        ORDER BY Weight_id, seq
        """),
        md(r"""
        ## Training

        `train(X, y, epochs=, α=, metrics=)` runs full-batch gradient descent. With a store,
        a callback writes each epoch when it ends, in one short transaction: its loss in
        `Cost` (split `'train'`), its accuracy and learning rate in `metric`, the epoch count
        and a heartbeat in `Architecture`. At the end of training a final snapshot is taken
        (tag `'final'`) and the status becomes `finished`.
        """),
        code(r"""
        network.train(Xs, y, epochs=200, α=α, metrics=accuracy, verbose=False)
        network.history.to_frame().tail(3)
        """),
        md(r"""
        The view `history` puts the loss and the metrics in one long table:
        """),
        code(r"""
        %%sql

        SELECT *
        FROM history
        WHERE Architecture_id = {{network['id']}} AND epoch <= 2
        ORDER BY epoch, name
        """),
        md(r"""
        and `run_summary` gives one line per run, with the final and the best loss (and the
        epoch of the best):
        """),
        code(r"""
        %%sql

        SELECT name, status, epochs, final_loss, best_loss, best_epoch, started_at, finished_at
        FROM run_summary
        """),
        md(r"""
        A query's result can be kept in a variable (`name << SELECT ...`) and turned into a
        pandas DataFrame:
        """),
        code(r"""
        %%sql per_split <<
        SELECT split, count(*) AS n_epochs, MIN(value) AS lowest, MAX(value) AS highest
        FROM Cost
        WHERE Architecture_id = {{network['id']}} AND epoch IS NOT NULL
        GROUP BY split
        """),
        code(r"""
        per_split.DataFrame()
        """),
        md(r"""
        ### The loss curve, from the database

        pandas reads a query straight into a DataFrame with `read_sql`; bound parameters
        (`:run`) keep values out of the SQL text. (The loss first jumps up: with zero
        initialization the 50 hidden units are identical and move together, and the first
        steps of $\alpha = 2$ overshoot before the descent settles.)
        """),
        code(r"""
        curves = pandas.read_sql(
            text('''
                SELECT c.epoch, c.value AS loss, m.value AS accuracy
                FROM Cost AS c
                JOIN metric AS m
                  ON m.Architecture_id = c.Architecture_id AND m.epoch = c.epoch
                 AND m.split = 'train' AND m.name = 'accuracy'
                WHERE c.Architecture_id = :run AND c.split = 'train'
                ORDER BY c.epoch
            '''),
            engine,
            params={"run": network['id']},
            index_col="epoch",
        )
        curves.tail(3)
        """),
        code(r"""
        fig, ax1 = plt.subplots(figsize=(10, 5))
        ax1.plot(curves.index, curves['loss'], color='tab:red', label='loss (BinaryCrossEntropy)')
        ax1.set_xlabel('epoch')
        ax1.set_ylabel('loss (log scale)')
        ax1.set_yscale('log')
        ax2 = ax1.twinx()
        ax2.plot(curves.index, curves['accuracy'], color='tab:blue', label='accuracy')
        ax2.set_ylabel('accuracy')
        fig.legend(loc='center right')
        ax1.set_title('Training curves read from ' + pathlib.Path(db_folder).name + '/' + network.db_path.split('/')[-1])
        plt.show()
        """),
        md(r"""
        They are the values the network kept in memory, to the last bit. The reader
        `neural_net.db.history` builds the same table for any run, with one column per value
        logged:
        """),
        code(r"""
        stored = neural_net.db.history(network.db_path, network['id'])
        pandas.testing.assert_frame_equal(stored, network.history.to_frame(), check_exact=True)
        numpy.testing.assert_array_equal(curves['loss'], network.history.history['loss'])
        stored.tail(3)
        """),
        md(r"""
        The final snapshot holds the trained weights of the first layer too. With zero
        initialization all 50 hidden units receive the same gradient, so they stay equal to
        each other (the zeros of the seed make this a one-hidden-unit network in disguise),
        but they have moved away from 0:
        """),
        code(r"""
        %%sql

        SELECT s.seq, s.epoch, s.tag, count(*) AS n_weights, AVG(w.value) AS mean_value,
               MIN(w.value) AS min_value, MAX(w.value) AS max_value
        FROM weight_history AS w
        JOIN snapshot AS s ON s.id = w.snapshot_id
        WHERE w.neurons_id = {{network['steps'][0].func['id']}}
        GROUP BY s.seq, s.epoch, s.tag
        ORDER BY s.seq
        """),
        md(r"""
        ## Storing weights

        The seed switches storing on for every network at once with a class flag of `Define`,
        the base class of every engine object. We train a network on the iris data without a
        database, then turn the flag on: the first database call of the network (`updateW()`)
        opens a store for it, which writes the run with the history of the epochs already
        trained, and the snapshot is then committed.
        """),
        code(r"""
        iris = IrisDatasetDownloader()
        iris.load_dataset()
        y_iris = onehot(iris.target)
        X_iris = scaler(iris.data)
        n_i, k_i = X_iris.shape
        j_i = y_iris.shape[1]

        NN = Sequential(
                [
                Fullyconnected(k_i,16,XavierHe("Uniform","ReLU").init_func),
                Activation(ReLU),
                Fullyconnected(16,j_i,zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        batch = Batch(30, n_i, lambda: X_iris, lambda: y_iris)
        NN.train(batch=batch, α=0.1, epochs=50, metrics=accuracy, verbose=False)
        NN.store is None
        """),
        code(r"""
        Define._Define__store = True
        """),
        code(r"""
        NN.updateW()
        """),
        code(r"""
        NN.commit()
        """),
        code(r"""
        NN.db_path
        """),
        code(r"""
        cursor = NN.engines.get(NN.db_path).connect()
        res = cursor.execute(text('''

                SELECT *
                FROM
                Weight
                WHERE Architecture_id = :run

        '''), {"run": NN['id']})
        pandas.DataFrame(res.fetchall())
        """),
        code(r"""
        neural_net.db.list_runs(NN.db_path)[['run_id', 'name', 'status', 'epochs', 'final_loss', 'best_loss']]
        """),
        md(r"""
        Its status is `created`: it was stored after its training, which the store recorded
        from the network's history (50 epochs), with its weights at epoch 50.
        """),
        md(r"""
        While the flag is on, **every** new network opens a store as it is built. Switch it off
        when done (every later tutorial and test expects it off):
        """),
        code(r"""
        Define._Define__store = False
        cursor.close()
        assert not Define._Define__store
        """),
        md(r"""
        ## Rebuilding the model from the database

        `neural_net.db.load_model(source, run_id, epoch=None)` rebuilds a network from a
        stored snapshot (the latest by default): the layers from the JSON configuration
        (only registered layer, activation and cost names are accepted: nothing stored is
        executed), the weights, the optimizer with its state, the random generator's state,
        the epoch counter and the history. With `store=`, the rebuilt network is stored as a
        new run that names its parent.
        """),
        code(r"""
        twin = neural_net.db.load_model(network.db_path, network['id'], store=network.db_path)
        twin.epoch, network.epoch
        """),
        code(r"""
        all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), network.get_weights()))
        """),
        md(r"""
        Both now continue with 30 epochs of mini-batches of 50 rows in a shuffled order: the
        original in memory, as if nothing had happened, and the twin from the database. The
        twin's generator was restored too, so it draws the same orders, and the two end up
        identical, bit for bit:
        """),
        code(r"""
        network.fit(Xs, y, epochs=30, batch_size=50, verbose=0)
        twin.fit(Xs, y, epochs=30, batch_size=50, verbose=0)
        assert all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), network.get_weights()))
        pandas.testing.assert_frame_equal(twin.history.to_frame(), network.history.to_frame(), check_exact=True)
        twin.history.to_frame().tail(3)
        """),
        md(r"""
        The twin is a run of its own in the same file; its row names its parent and the epoch
        it started from:
        """),
        code(r"""
        %%sql

        SELECT Architecture_id, status, epochs, parent_id, parent_epoch
        FROM Architecture
        WHERE Architecture_id IN ({{network['id']}}, {{twin['id']}})
        ORDER BY created_at
        """),
        md(r"""
        and its stored curve (the history it inherited, then its own 30 epochs) is the
        original's:
        """),
        code(r"""
        original = neural_net.db.history(network.db_path, network['id'])
        resumed = neural_net.db.history(twin.db_path, twin['id'])
        pandas.testing.assert_frame_equal(original, resumed, check_exact=True)

        fig, ax = plt.subplots(figsize=(10, 4))
        ax.plot(original.index, original['loss'], linewidth=4, alpha=0.4, label='original run')
        ax.plot(resumed.index, resumed['loss'], linestyle='--', color='black', label='rebuilt at epoch 200, then trained')
        ax.axvline(200, color='grey', linestyle=':')
        ax.set_xlabel('epoch')
        ax.set_ylabel('loss')
        ax.legend()
        plt.show()
        """),
        md(r"""
        ## Cleaning up

        Close the stores and the engines, and delete the scratch folder. (Skip this cell to
        keep the file: `neural_net.db.list_runs(path)` and the other readers open it again,
        and so does `%sql sqlite:////absolute/path/model<ts>.db`.)
        """),
        code(r"""
        for net in (network, twin, NN):
            net.store.close()
        neural_net.db.dispose()
        shutil.rmtree(workdir)
        assert not Define._Define__store
        """),
    ]


# ============================================================================ notebook 07
def nb07() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 7 · Parameter sweeps, stored in one database

        `neural_net.sweep.sweep(build_fn, grid, X, y, ...)` trains one model per point of a
        grid of parameters, and records each as a run in one database (here a SQLite file):
        its parameters in the run's hyper-parameters, its per-epoch history, its weights. It
        returns the results as a pandas DataFrame, best first, and the database keeps
        everything else, to compare the runs with SQL and to rebuild any of them.

        Trials run one after another, or on any `concurrent.futures` executor: a process pool
        here, a Dask cluster (`client.get_executor()`) the same way. A trial that fails is
        recorded as failed, with its error, and does not stop the others.
        """),
        code(r"""
        import multiprocessing
        import pathlib
        import shutil
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        import numpy
        import pandas
        import matplotlib.pyplot as plt
        from sqlalchemy import text

        import neural_net.db
        from neural_net.architecture import Sequential
        from neural_net.layers import Dense
        from neural_net.optimizers import SGD, Adam
        from neural_net.sweep import expand_grid, sweep

        workdir = pathlib.Path(tempfile.mkdtemp(prefix="sweep_tutorial_", dir="."))  # deleted at the end
        """),
        md(r"""
        ## The problem

        An "XOR" of two coordinates: $y = [x_1 x_2 > 0]$ for $x$ uniform in $[-1, 1]^2$.
        No straight line separates the two classes, so the hidden layer matters; 300 points
        to train on, 200 to validate.
        """),
        code(r"""
        rng = numpy.random.default_rng(0)
        X = rng.uniform(-1, 1, size=(500, 2))
        y = (X[:, 0] * X[:, 1] > 0).reshape(-1, 1).astype(float)
        X_train, y_train, X_val, y_val = X[:300], y[:300], X[300:], y[300:]
        plt.scatter(X_train[:, 0], X_train[:, 1], c=y_train.ravel(), cmap='coolwarm', s=12)
        plt.title('training set')
        plt.show()
        """),
        md(r"""
        ## The model and the grid

        `build_fn(**params)` returns a compiled model for one point of the grid. Seeding it
        makes every trial reproducible: the same point gives the same numbers, in this
        process or in another.

        The grid `{name: [values]}` means every combination of the values (`expand_grid`
        shows them); a list of parameter dicts is taken as it is.
        """),
        code(r"""
        def build(units, optimizer, lr):
            model = Sequential([Dense(units, activation='tanh', input_dim=2),
                                Dense(1, activation='sigmoid')], seed=units)
            opt = SGD(lr=lr) if optimizer == 'sgd' else Adam(lr=lr)
            return model.compile(optimizer=opt, loss='binary_crossentropy', metrics=['accuracy'])


        grid = {'units': [2, 4, 16], 'optimizer': ['sgd', 'adam'], 'lr': [0.01, 0.1]}
        pandas.DataFrame(expand_grid(grid)).T
        """),
        md(r"""
        ## A sweep, serially

        Each run is recorded in `sweep.db` under the name `sweep[<trial>]`. The results are
        ranked by `monitor`, the best epoch of the validation accuracy here (`mode='max'`;
        `'auto'` picks `max` for accuracies and `min` for losses); `loss` is the final
        training loss.
        """),
        code(r"""
        path = str(workdir / "sweep.db")
        results = sweep(build, grid, X_train, y_train, epochs=60, batch_size=32,
                        validation_data=(X_val, y_val), monitor='val_accuracy', mode='max', store=path)
        results.drop(columns=['db_path'])
        """),
        md(r"""
        ## The same sweep on a process pool

        With `executor=`, trials are submitted to the executor and run in parallel; all the
        workers write into the same file (SQLite in WAL mode, writes retried while the file is
        locked; run ids are random, so rows never collide). Worker processes must be able to
        find `build_fn`: a function defined in a notebook reaches them when they are started by
        `fork` (Linux); with `spawn` (macOS, Windows) or Dask, put it in a module.

        Seeded, the pool gives the serial numbers exactly.
        """),
        code(r"""
        if "fork" in multiprocessing.get_all_start_methods():
            with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
                pooled = sweep(build, grid, X_train, y_train, epochs=60, batch_size=32,
                               validation_data=(X_val, y_val), monitor='val_accuracy', store=path,
                               name='pool', executor=pool)
            same = ['units', 'optimizer', 'lr', 'val_accuracy', 'loss']
            pandas.testing.assert_frame_equal(pooled.sort_values('trial')[same].reset_index(drop=True),
                                              results.sort_values('trial')[same].reset_index(drop=True))
            display(pooled.drop(columns=['db_path']))
        else:
            print("no fork start method on this platform: the pooled sweep is skipped")
        """),
        md(r"""
        ## Comparing the runs with SQL
        """),
        jupysql_note("`neural_net.db.open_database(url)` returns one"),
        code(r"""
        %load_ext sql
        %config SqlMagic.displaycon = False
        %config SqlMagic.displaylimit = 30
        url = results.db_path[0]
        engine = neural_net.db.open_database(url)
        %sql engine
        """),
        md(r"""
        `run_summary` has one line per run: its status, epochs, and the final and best losses
        on each split with the epoch of the best. The six best by validation loss (each trial
        appears twice, serial and pooled, with the same numbers):
        """),
        code(r"""
        %%sql

        SELECT name, status, epochs, final_loss, best_val_loss, best_val_epoch
        FROM run_summary
        ORDER BY best_val_loss, name
        LIMIT 6
        """),
        md(r"""
        The grid point of each run is in its hyper-parameters (JSON), under `params`; SQLite's
        `json_extract` reads it, so the summary can be grouped by parameter:
        """),
        code(r"""
        %%sql

        SELECT json_extract(a.hyperparams, '$.params.optimizer') AS optimizer,
               json_extract(a.hyperparams, '$.params.lr') AS lr,
               json_extract(a.hyperparams, '$.params.units') AS units,
               count(*) AS runs,
               MIN(s.best_val_loss) AS best_val_loss
        FROM run_summary AS s
        JOIN Architecture AS a ON a.Architecture_id = s.Architecture_id
        GROUP BY optimizer, lr, units
        ORDER BY best_val_loss
        """),
        md(r"""
        The view `history` holds every logged value, `(Architecture_id, epoch, split, name,
        value)`: here the best validation accuracy of each run of the serial sweep, and the
        epoch it was first reached.
        """),
        code(r"""
        %%sql

        SELECT r.run_name AS name, MAX(h.value) AS best_val_accuracy,
               MIN(CASE WHEN h.value = b.best THEN h.epoch END) AS at_epoch
        FROM history AS h
        JOIN Architecture AS r ON r.Architecture_id = h.Architecture_id
        JOIN (SELECT Architecture_id, MAX(value) AS best FROM history
              WHERE split = 'val' AND name = 'accuracy' GROUP BY Architecture_id) AS b
          ON b.Architecture_id = h.Architecture_id
        WHERE h.split = 'val' AND h.name = 'accuracy' AND r.run_name LIKE 'sweep%'
        GROUP BY r.run_name
        ORDER BY best_val_accuracy DESC, at_epoch
        """),
        md(r"""
        ## … and with pandas

        `neural_net.db.list_runs` is `run_summary` as a DataFrame (with the file each run is
        in); joined with the sweep's results on the run id, it brings back the parameters.
        `pandas.read_sql` reads any query: the validation accuracy of every run and epoch,
        pivoted to one column per run.
        """),
        code(r"""
        runs = neural_net.db.list_runs(url)
        runs.merge(results[['run_id', 'units', 'optimizer', 'lr', 'val_accuracy']], on='run_id')[
            ['name', 'units', 'optimizer', 'lr', 'status', 'epochs', 'final_loss', 'best_val_loss', 'val_accuracy']]
        """),
        code(r"""
        long = pandas.read_sql(
            text('''
                SELECT a.run_name AS name, h.epoch, h.value
                FROM history AS h JOIN Architecture AS a ON a.Architecture_id = h.Architecture_id
                WHERE h.split = 'val' AND h.name = 'accuracy' AND a.run_name LIKE 'sweep%'
            '''),
            engine,
        )
        val_accuracy = long.pivot(index='epoch', columns='name', values='value')

        colors = {('sgd', 0.01): 'tab:blue', ('sgd', 0.1): 'tab:cyan',
                  ('adam', 0.01): 'tab:red', ('adam', 0.1): 'tab:orange'}
        styles = {2: ':', 4: '--', 16: '-'}
        fig, ax = plt.subplots(figsize=(12, 6))
        for r in results.itertuples():  # best first, as ranked by the sweep
            curve = val_accuracy[f"sweep[{r.trial}]"]
            ax.plot(curve.index, curve.values, color=colors[r.optimizer, r.lr], linestyle=styles[r.units],
                    label=f"{r.units} units, {r.optimizer}, lr={r.lr}")
        ax.set_title('validation accuracy of every run (from the database)')
        ax.set_xlabel('epoch')
        ax.set_ylabel('accuracy')
        ax.legend(ncol=2, fontsize='small')
        plt.show()
        """),
        md(r"""
        ## The best run

        The first row of the results is the best; `neural_net.db.history` reads its curves
        from the database.
        """),
        code(r"""
        best = results.iloc[0]
        best[['units', 'optimizer', 'lr', 'val_accuracy', 'run_id']]
        """),
        code(r"""
        h = neural_net.db.history(url, best.run_id)
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(14, 5))
        ax1.plot(h.index, h['loss'], label='training')
        ax1.plot(h.index, h['val_loss'], label='validation')
        ax1.set_title('loss (binary cross-entropy)')
        ax2.plot(h.index, h['accuracy'], label='training')
        ax2.plot(h.index, h['val_accuracy'], label='validation')
        ax2.set_title('accuracy')
        for ax in (ax1, ax2):
            ax.set_xlabel('epoch')
            ax.legend()
        fig.suptitle(f"best run: {best.units} units, {best.optimizer}, lr={best.lr}")
        plt.show()
        """),
        md(r"""
        And the model itself comes back from the database with `load_model` (its final
        snapshot): it scores on the validation set what the last epoch logged.
        """),
        code(r"""
        model = neural_net.db.load_model(url, best.run_id)
        val_loss, val_acc = model.evaluate(X_val, y_val)
        assert numpy.isclose(val_loss, h['val_loss'].iloc[-1]) and numpy.isclose(val_acc, h['val_accuracy'].iloc[-1])
        val_loss, val_acc
        """),
        md(r"""
        ## Sixty-four runs in one pass: `vectorize=True`

        Small networks on small batches spend their time in per-call overhead, paid once per
        model. With `vectorize=True` the sweep groups the grid points whose models share their
        layer widths, activations, cost and optimizer rule, stacks each group's weights along a
        leading axis and trains the group as one `neural_net.ensemble.Ensemble`: one batched
        matrix product per layer for all members. Learning rates, momentum, weight decay,
        dropout rates and seeds may differ within a group.

        Each member draws its shuffles from its own generator and is stored as its own run,
        exactly as trained alone (one more parameter, `ensemble_group`, names its group), so
        the numbers are those of the one-by-one sweep. Here: 16 learning rates × 4 seeds.
        """),
        code(r"""
        import time

        def build64(lr, seed):
            model = Sequential([Dense(8, activation='tanh', input_dim=2),
                                Dense(1, activation='sigmoid')], seed=seed)
            return model.compile(optimizer=SGD(lr=lr), loss='binary_crossentropy', metrics=['accuracy'])


        grid64 = {'lr': list(numpy.geomspace(0.01, 1.0, 16)), 'seed': [0, 1, 2, 3]}
        path64 = str(workdir / "grid64.db")
        started = time.perf_counter()
        stacked = sweep(build64, grid64, X_train, y_train, epochs=30, batch_size=32, validation_data=(X_val, y_val),
                        monitor='val_accuracy', store=path64, name='grid64', vectorize=True)
        print(f"64 runs in {time.perf_counter() - started:.1f} s, one group:",
              neural_net.db.run_info(path64, stacked.run_id[0])['hyperparams']['params']['ensemble_group'])
        stacked.drop(columns=['db_path']).head()
        """),
        md(r"""
        The same grid one by one (a few points, to check): the same losses.
        """),
        code(r"""
        few = [{'lr': grid64['lr'][i], 'seed': s} for i, s in ((0, 0), (7, 2), (15, 3))]
        alone = sweep(build64, few, X_train, y_train, epochs=30, batch_size=32, validation_data=(X_val, y_val),
                      monitor='val_accuracy')
        check = stacked.set_index(['lr', 'seed']).loc[[(p['lr'], p['seed']) for p in few], 'loss']
        numpy.testing.assert_allclose(alone.set_index(['lr', 'seed']).loc[check.index, 'loss'], check, rtol=1e-12)
        check
        """),
        md(r"""
        The learning rate against the best validation accuracy, one line per seed, read back
        from the database:
        """),
        code(r"""
        fig, ax = plt.subplots(figsize=(8, 4))
        for seed, runs in stacked.sort_values('lr').groupby('seed'):
            ax.semilogx(runs.lr, runs.val_accuracy, marker='o', label=f'seed {seed}')
        ax.set_xlabel('learning rate')
        ax.set_ylabel('best validation accuracy')
        ax.legend()
        plt.show()
        """),
        md(r"""
        Every member is a run like any other for the readers, the command line
        (`neural-net runs grid64.db --name 'grid64*'`) and a dashboard pointed at the file;
        its `ensemble_group` parameter tells which runs trained together.
        """),
        md(r"""
        ## Cleaning up

        Close the engine and delete the scratch folder (skip this cell to keep `sweep.db`).
        """),
        code(r"""
        neural_net.db.dispose()
        shutil.rmtree(workdir)
        """),
    ]


NOTEBOOKS = {
    "06_database.ipynb": nb06,
    "07_sweeps.ipynb": nb07,
}


def main(argv: list[str] | None = None) -> int:
    return make_notebooks.main(argv, NOTEBOOKS, "make_store_notebooks.py", __doc__.split("\n")[0])


if __name__ == "__main__":
    sys.exit(main())
