# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6 · The database: runs, weights and training histories in SQL
#
# A network of `neural_net` can write itself to a SQL database while it trains: its
# architecture, its layers and the neurons they hold, its cost, one row per epoch for
# the loss and for every metric, and snapshots of its weights. This tutorial follows the
# database chapters of the original tutorial:
#
# 1. **Adding Database** — build a network with `store=True` and look at what it opened
#    (`session`, `db_path`, `engines`) and at the tables of the new SQLite file;
# 2. **Exploring database** — query it with SQL through the `%sql` magic of
#    [jupysql](https://jupysql.ploomber.io) and through pandas;
# 3. **View weights changes on db** — one gradient step by hand, then `updateW()` and
#    `commit()` store the new weights;
# 4. **Training** — every epoch is written as it ends; the loss curve is read back from
#    the database and plotted;
# 5. **Storing weights** — the seed's class flag `Define._Define__store` stores a
#    network that was built without a database;
# 6. **Rebuilding** — `neural_net.db.open_run(...).load_model()` rebuilds the network
#    from the database, and the rebuilt one continues training exactly like the original;
# 7. **The dashboard** — the same runs in a browser.
#
# The tables keep the seed's names and columns, with a few additions for tracking runs:
#
# | table / view | one row per |
# |---|---|
# | `Architecture` | run (a stored `Sequential`): status, epochs, configuration, hyper-parameters |
# | `Layer` | layer of a run (`n_in`, `n_out` for a `Fullyconnected`) |
# | `Neurons` | function a layer holds (`Σ` for a linear layer, the activation otherwise) |
# | `Cost` | the cost: one definition row, then one row per epoch and split with the loss |
# | `metric` | other per-epoch values (`accuracy`, `lr`, ...) per split |
# | `snapshot`, `weight_matrix` | saved weights (one JSON matrix per layer), optimizer and generator state |
# | view `Weight` | each weight of the latest snapshot, with the seed's columns (`value`, `Neurons_id`, `Weight_id`, ...) |
# | view `weight_history` | each weight of every snapshot |
# | view `history` | `(Architecture_id, epoch, split, name, value)`: the loss and every metric |
# | view `run_summary` | run: status, epochs, final and best loss |

# %%
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

# %% [markdown]
# `store=True` creates a new SQLite file `model<unix-seconds>.db` in the folder named by
# the environment variable `NEURAL_NET_RUN_DIR`, by default `./run`. (It can also be a
# `.db` path, a folder, or any SQLAlchemy URL such as
# `postgresql+psycopg://user@host/db`.) This tutorial keeps its files in a scratch
# folder of the current directory, deleted at the end.

# %%
workdir = pathlib.Path(tempfile.mkdtemp(prefix="db_tutorial_", dir="."))
os.environ["NEURAL_NET_RUN_DIR"] = str(workdir / "run")
os.environ["NEURAL_NET_RUN_DIR"]

# %% [markdown]
# ## Adding Database
#
# The network of the seed: two inputs, 50 sigmoid units, zero-initialized weights, a
# sigmoid output and the binary cross-entropy. (The seed's output layer had two units;
# we train on one label column, so ours has one.)

# %%
network = Sequential(
        [
        Fullyconnected(2,50,zeros),
        Activation(σ),
        Fullyconnected(50,1,zeros),
        Activation(σ)
        ]
    ,BinaryCrossEntropy,store=True)

# %% [markdown]
# Building it already wrote the run: the architecture, its four layers, their neurons,
# the cost, and a first snapshot of the weights (tag `'initial'`), in one transaction.
# `network.session` is the SQLAlchemy session of the store:

# %%
network.session

# %% [markdown]
# `network.db_path` is the SQLAlchemy URL of the file; its name carries the time it was
# created, in seconds since 1970-01-01 UTC:

# %%
network.db_path

# %%
utc_ts = network.db_path.split('/')[-1][5:-3]
utc_ts

# %%
datetime.datetime.fromtimestamp(int(utc_ts)).isoformat()

# %%
db_folder = '/'.join(network.db_path.split('/')[3:-1])
db_folder

# %%
# %ls $db_folder

# %% [markdown]
# `network.engines` maps every database URL this Python process opened to its SQLAlchemy
# `Engine` (shared by all the networks stored there):

# %%
network.engines

# %%
network.engines.get(network.db_path)

# %%
cursor = network.engines.get(network.db_path).connect()

# %% [markdown]
# SQLite lists what a file holds in `sqlite_schema`: the seven tables, their indexes,
# the four views, and `alembic_version`, the revision of the schema (the store creates
# and upgrades it with Alembic migrations; `neural-net db upgrade PATH` upgrades an old
# file).

# %%
res = cursor.execute(text('''

        SELECT type, name, tbl_name
        FROM
        sqlite_schema

'''))
pandas.DataFrame(res.fetchall())

# %% [markdown]
# ## Exploring database
#
# We query the file with the `%sql` magic of jupysql. `displaycon = False` leaves out the
# connection banner above each result. (jupysql 0.11 sends no usage statistics and
# needs no network connection.)

# %% [markdown]
# > **`%sql $network.db_path` and jupysql 0.10+.** The seed connected with
# > `%sql $network.db_path`. That relied on IPython's `$variable` expansion, which the
# > `%sql` magic of current jupysql (0.10 and later; 0.11 here) switches off: it reads
# > `$network.db_path` as a literal connection string and answers *"No active
# > connection"*. Its replacement, `{{network.db_path}}`, is expanded inside queries
# > but not in the connection argument. What `%sql` accepts is **the name of a variable
# > holding a SQLAlchemy engine** — `network.engines.get(network.db_path)` is exactly that — or a literal URL such as
# > `%sql sqlite:////absolute/path/run/model1709575905.db`. Inside queries, `{{ ... }}`
# > is rendered with Jinja from the notebook's variables, so the seed's hard-coded ids
# > (`WHERE Architecture_id = 140379603024400`) become `{{network['id']}}`.

# %%
# %load_ext sql
# %config SqlMagic.displaycon = False
engine = network.engines.get(network.db_path)
# %sql engine

# %% [markdown]
# ### Architecture
#
# One row per run. Besides the seed's five columns (`id, created_at, updated_at, name,
# Architecture_id`), it records the status (`created`, `running`, `finished`, `failed`,
# `interrupted`), the number of epochs trained, the process that writes it, the
# configuration as JSON (the layers and the cost: enough to rebuild the network) and
# the hyper-parameters of the last training.

# %% language="sql"
#
# SELECT *
# FROM Architecture

# %% [markdown]
# Its `Architecture_id` is the network's id, a random 63-bit integer (unique across
# processes and files):

# %%
network['id']

# %% [markdown]
# ### Costs
#
# The definition row of the cost (`value`, `epoch` and `split` NULL); the losses of
# each epoch will be added below it as the network trains.

# %% language="sql"
#
# SELECT *
# FROM cost
# WHERE Architecture_id = {{network['id']}}

# %% [markdown]
# ### Layers

# %% language="sql"
#
# SELECT *
# FROM layer
# WHERE Architecture_id={{network['id']}}

# %% [markdown]
# ### Neurons
#
# The function held by the first layer: the linear map $\Sigma(x) = [x\ 1]\,W$.

# %%
network['steps'][0]['id'], network['steps'][0].func['id']

# %% language="sql"
#
# SELECT *
# FROM neurons
# WHERE layer_id={{network['steps'][0]['id']}}

# %% [markdown]
# ### Weights
#
# The view `Weight` shows each value of the latest snapshot of every `Neurons` with the
# seed's columns: `Weight_id` is `'<row>_<column>'` of the matrix $W$, whose last row is
# the bias, and `epoch` says when the snapshot was taken.

# %% language="sql"
#
# SELECT *
# FROM
# weight WHERE neurons_id = {{network['steps'][0].func['id']}}
# LIMIT 10

# %% [markdown]
# The first layer has $(2 + 1) \times 50 = 150$ weights, all zero:

# %% language="sql"
#
# SELECT count(*) n_neurons, AVG(value) mean_value
# FROM
# weight WHERE neurons_id = {{network['steps'][0].func['id']}}

# %% [markdown]
# ## View weights changes on db
#
# The seed's linearly separable data: 300 points of $[-100, 100]^2$, labelled 1 below a
# line. We standardize each column, $z_{ij} = (x_{ij} - \mu_j) / \sigma_j$, before
# training.

# %%
n,k = 300,2
X = numpy.random.uniform(-100,100,size=(n,k))
y = (X.sum(axis=1) < numpy.random.uniform(.3,.37,(len(X),))).reshape(-1,1)+0
Xs = scaler(X)
plt.scatter(x=X[:,0],y=X[:,1],c=y)

# %% [markdown]
# One step of gradient descent by hand, as in the seed: forward, the cost's gradient
# $\Delta_0 = \partial J / \partial p$, and `update` backpropagates
# $\alpha\,\Delta_0$ through every step, changing the weights in memory.
#
# With every weight at zero, only the last linear layer moves on this first step: the
# gradient reaching the first layer is multiplied by the last layer's weights, still
# 0. We follow the last linear layer, `network['steps'][2]`.

# %%
α = 2
network.predict(Xs)
network['cost'].compute(y, network.out)

# %%
Δ0 = network['cost'].pr()
_ = network.update(α * Δ0)
last = network['steps'][2].func
last.W[:3], last['id']

# %% [markdown]
# The database still has the zeros: weights are written when a snapshot is taken.
# `updateW()` stages a snapshot of every weight matrix (with the optimizer's and the
# random generator's state), and `commit()` writes it:

# %% language="sql"
#
# SELECT *
# FROM
# weight WHERE neurons_id = {{last['id']}}
# LIMIT 3

# %%
network.updateW()
network.commit()

# %% language="sql"
#
# SELECT *
# FROM
# weight WHERE neurons_id = {{last['id']}}
# LIMIT 3

# %% [markdown]
# Snapshots are never overwritten: the table `snapshot` lists them, and the view
# `weight_history` holds every value of every snapshot, so we can follow a weight
# through them (`seq` numbers the snapshots of a run from 0).

# %% language="sql"
#
# SELECT seq, epoch, tag, n_params, created_at
# FROM snapshot
# WHERE Architecture_id = {{network['id']}}
# ORDER BY seq

# %% language="sql"
#
# SELECT seq, Weight_id, value
# FROM weight_history
# WHERE neurons_id = {{last['id']}} AND Weight_id IN ('0_0', '1_0', '50_0')
# ORDER BY Weight_id, seq

# %% [markdown]
# ## Training
#
# `train(X, y, epochs=, α=, metrics=)` runs full-batch gradient descent. With a store,
# a callback writes each epoch when it ends, in one short transaction: its loss in
# `Cost` (split `'train'`), its accuracy and learning rate in `metric`, the epoch count
# and a heartbeat in `Architecture`. At the end of training a final snapshot is taken
# (tag `'final'`) and the status becomes `finished`.

# %%
network.train(Xs, y, epochs=200, α=α, metrics=accuracy, verbose=False)
network.history.to_frame().tail(3)

# %% [markdown]
# The view `history` puts the loss and the metrics in one long table:

# %% language="sql"
#
# SELECT *
# FROM history
# WHERE Architecture_id = {{network['id']}} AND epoch <= 2
# ORDER BY epoch, name

# %% [markdown]
# and `run_summary` gives one line per run, with the final and the best loss (and the
# epoch of the best):

# %% language="sql"
#
# SELECT name, status, epochs, final_loss, best_loss, best_epoch, started_at, finished_at
# FROM run_summary

# %% [markdown]
# A query's result can be kept in a variable (`name << SELECT ...`) and turned into a
# pandas DataFrame:

# %% magic_args="per_split <<" language="sql"
# SELECT split, count(*) AS n_epochs, MIN(value) AS lowest, MAX(value) AS highest
# FROM Cost
# WHERE Architecture_id = {{network['id']}} AND epoch IS NOT NULL
# GROUP BY split

# %%
per_split.DataFrame()

# %% [markdown]
# ### The loss curve, from the database
#
# pandas reads a query straight into a DataFrame with `read_sql`; bound parameters
# (`:run`) keep values out of the SQL text. (The loss first jumps up: with zero
# initialization the 50 hidden units are identical and move together, and the first
# steps of $\alpha = 2$ overshoot before the descent settles.)

# %%
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

# %%
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

# %% [markdown]
# They are the values the network kept in memory, to the last bit. The read API's one
# entry, `neural_net.db.open_run(source, run_id)`, returns a `StoredRun`: its `info`,
# `params`, `tags` and `note`, and `history()`, `snapshots()`, `weights(epoch)` and
# `load_model(epoch)`. Its `history()` builds the same table for any run, with one column
# per value logged:

# %%
stored_run = neural_net.db.open_run(network.db_path, network['id'])
print(stored_run)
stored = stored_run.history()
pandas.testing.assert_frame_equal(stored, network.history.to_frame(), check_exact=True)
numpy.testing.assert_array_equal(curves['loss'], network.history.history['loss'])
stored.tail(3)

# %% [markdown]
# The final snapshot holds the trained weights of the first layer too. With zero
# initialization all 50 hidden units receive the same gradient, so they stay equal to
# each other (the zeros of the seed make this a one-hidden-unit network in disguise),
# but they have moved away from 0:

# %% language="sql"
#
# SELECT s.seq, s.epoch, s.tag, count(*) AS n_weights, AVG(w.value) AS mean_value,
#        MIN(w.value) AS min_value, MAX(w.value) AS max_value
# FROM weight_history AS w
# JOIN snapshot AS s ON s.id = w.snapshot_id
# WHERE w.neurons_id = {{network['steps'][0].func['id']}}
# GROUP BY s.seq, s.epoch, s.tag
# ORDER BY s.seq

# %% [markdown]
# ## Storing weights
#
# The seed switches storing on for every network at once with a class flag of `Define`,
# the base class of every engine object. We train a network on the iris data without a
# database, then turn the flag on: the first database call of the network (`updateW()`)
# opens a store for it, which writes the run with the history of the epochs already
# trained, and the snapshot is then committed.

# %%
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

# %%
Define._Define__store = True

# %%
NN.updateW()

# %%
NN.commit()

# %%
NN.db_path

# %%
cursor = NN.engines.get(NN.db_path).connect()
res = cursor.execute(text('''

        SELECT *
        FROM
        Weight
        WHERE Architecture_id = :run

'''), {"run": NN['id']})
pandas.DataFrame(res.fetchall())

# %%
neural_net.db.runs(NN.db_path)[['run_id', 'name', 'status', 'epochs', 'final_loss', 'best_loss']]

# %% [markdown]
# Its status is `created`: it was stored after its training, which the store recorded
# from the network's history (50 epochs), with its weights at epoch 50.

# %% [markdown]
# While the flag is on, **every** new network opens a store as it is built. Switch it off
# when done (every later tutorial and test expects it off):

# %%
Define._Define__store = False
cursor.close()
assert not Define._Define__store

# %% [markdown]
# ## Rebuilding the model from the database
#
# `StoredRun.load_model(epoch=None)` (also `neural_net.db.load_model(source, run_id,
# epoch=None)`) rebuilds a network from a stored snapshot (the latest by default): the layers from the JSON configuration
# (only registered layer, activation and cost names are accepted: nothing stored is
# executed), the weights, the optimizer with its state, the random generator's state,
# the epoch counter and the history. With `store=`, the rebuilt network is stored as a
# new run that names its parent.

# %%
twin = stored_run.load_model(store=network.db_path)
twin.epoch, network.epoch

# %%
all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), network.get_weights()))

# %% [markdown]
# Both now continue with 30 epochs of mini-batches of 50 rows in a shuffled order: the
# original in memory, as if nothing had happened, and the twin from the database. The
# twin's generator was restored too, so it draws the same orders, and the two end up
# identical, bit for bit:

# %%
network.fit(Xs, y, epochs=30, batch_size=50, verbose=0)
twin.fit(Xs, y, epochs=30, batch_size=50, verbose=0)
assert all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), network.get_weights()))
pandas.testing.assert_frame_equal(twin.history.to_frame(), network.history.to_frame(), check_exact=True)
twin.history.to_frame().tail(3)

# %% [markdown]
# The twin is a run of its own in the same file; its row names its parent and the epoch
# it started from:

# %% language="sql"
#
# SELECT Architecture_id, status, epochs, parent_id, parent_epoch
# FROM Architecture
# WHERE Architecture_id IN ({{network['id']}}, {{twin['id']}})
# ORDER BY created_at

# %% [markdown]
# and its stored curve (the history it inherited, then its own 30 epochs) is the
# original's:

# %%
original = neural_net.db.open_run(network.db_path, network['id']).history()
resumed = neural_net.db.open_run(twin.db_path, twin['id']).history()
pandas.testing.assert_frame_equal(original, resumed, check_exact=True)

fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(original.index, original['loss'], linewidth=4, alpha=0.4, label='original run')
ax.plot(resumed.index, resumed['loss'], linestyle='--', color='black', label='rebuilt at epoch 200, then trained')
ax.axvline(200, color='grey', linestyle=':')
ax.set_xlabel('epoch')
ax.set_ylabel('loss')
ax.legend()
plt.show()

# %% [markdown]
# ## Opening it in the dashboard
#
# Everything above is also a page in a browser: `neural-net ui run/` (with the `ui`
# extra) serves a read-only dashboard on http://127.0.0.1:5150/ — the runs with their
# parameters and metrics, each run's curves and weights, runs compared. Inside a
# notebook, `neural_net.ui.notebook(...)` runs it in a thread of the kernel; `frame` as
# the last line of a cell shows it there (this page, a built copy of the notebook, has no
# server behind it, so the cell below only checks that the runs page lists our runs):

# %%
import urllib.request
import neural_net.ui

frame = neural_net.ui.notebook(workdir / "run", height=600)
page = urllib.request.urlopen(frame.dashboard.url).read().decode()
assert str(network['id']) in page and str(twin['id']) in page
print(frame.dashboard.url.startswith("http://127.0.0.1:"), "runs page lists both runs")

# %% [markdown]
# ## Cleaning up
#
# Stop the dashboard, close the stores and the engines, and delete the scratch folder.
# (Skip this cell to keep the file: `neural_net.db.runs(path)`, `neural_net.db.open_run(path,
# run_id)` and `neural-net runs path` open it again, and so does `%sql sqlite:////absolute/path/model<ts>.db`.)

# %%
frame.dashboard.stop()
for net in (network, twin, NN):
    net.store.close()
neural_net.db.dispose()
shutil.rmtree(workdir)
assert not Define._Define__store
