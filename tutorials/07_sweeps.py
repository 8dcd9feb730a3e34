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
# # 7 · Parameter sweeps, stored in one database
#
# `neural_net.sweep.sweep(build_fn, grid, X, y, ...)` trains one model per point of a
# grid of parameters, and records each as a run in one database (here a SQLite file):
# its parameters in the run's hyper-parameters, its per-epoch history, its weights. It
# returns the results as a pandas DataFrame, best first, and the database keeps
# everything else, to compare the runs with SQL and to rebuild any of them.
#
# Trials run one after another, or on any `concurrent.futures` executor: a process pool
# here, a Dask cluster (`client.get_executor()`) the same way. A trial that fails is
# recorded as failed, with its error, and does not stop the others.

# %%
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

# %% [markdown]
# ## The problem
#
# An "XOR" of two coordinates: $y = [x_1 x_2 > 0]$ for $x$ uniform in $[-1, 1]^2$.
# No straight line separates the two classes, so the hidden layer matters; 300 points
# to train on, 200 to validate.

# %%
rng = numpy.random.default_rng(0)
X = rng.uniform(-1, 1, size=(500, 2))
y = (X[:, 0] * X[:, 1] > 0).reshape(-1, 1).astype(float)
X_train, y_train, X_val, y_val = X[:300], y[:300], X[300:], y[300:]
plt.scatter(X_train[:, 0], X_train[:, 1], c=y_train.ravel(), cmap='coolwarm', s=12)
plt.title('training set')
plt.show()


# %% [markdown]
# ## The model and the grid
#
# `build_fn(**params)` returns a compiled model for one point of the grid. Seeding it
# makes every trial reproducible: the same point gives the same numbers, in this
# process or in another.
#
# The grid `{name: [values]}` means every combination of the values (`expand_grid`
# shows them); a list of parameter dicts is taken as it is.

# %%
def build(units, optimizer, lr):
    model = Sequential([Dense(units, activation='tanh', input_dim=2),
                        Dense(1, activation='sigmoid')], seed=units)
    opt = SGD(lr=lr) if optimizer == 'sgd' else Adam(lr=lr)
    return model.compile(optimizer=opt, loss='binary_crossentropy', metrics=['accuracy'])


grid = {'units': [2, 4, 16], 'optimizer': ['sgd', 'adam'], 'lr': [0.01, 0.1]}
pandas.DataFrame(expand_grid(grid)).T

# %% [markdown]
# ## A sweep, serially
#
# Each run is recorded in `sweep.db` under a name made of its grid values (`units=16,optimizer=adam,lr=0.01`). The results are
# ranked by `monitor`, the best epoch of the validation accuracy here (`mode='max'`;
# `'auto'` picks `max` for accuracies and `min` for losses); `loss` is the final
# training loss.

# %%
path = str(workdir / "sweep.db")
results = sweep(build, grid, X_train, y_train, epochs=60, batch_size=32,
                validation_data=(X_val, y_val), monitor='val_accuracy', mode='max', store=path)
results.drop(columns=['db_path'])

# %% [markdown]
# ## The same sweep on a process pool
#
# With `executor=`, trials are submitted to the executor and run in parallel; all the
# workers write into the same file (SQLite in WAL mode, writes retried while the file is
# locked; run ids are random, so rows never collide). Worker processes must be able to
# find `build_fn`: a function defined in a notebook reaches them when they are started by
# `fork` (Linux); with `spawn` (macOS, Windows) or Dask, put it in a module.
#
# Seeded, the pool gives the serial numbers exactly.

# %%
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

# %% [markdown]
# ## Comparing the runs with SQL

# %% [markdown]
# > **`%sql $network.db_path` and jupysql 0.10+.** The seed connected with
# > `%sql $network.db_path`. That relied on IPython's `$variable` expansion, which the
# > `%sql` magic of current jupysql (0.10 and later; 0.11 here) switches off: it reads
# > `$network.db_path` as a literal connection string and answers *"No active
# > connection"*. Its replacement, `{{network.db_path}}`, is expanded inside queries
# > but not in the connection argument. What `%sql` accepts is **the name of a variable
# > holding a SQLAlchemy engine** — `neural_net.db.open_database(url)` returns one — or a literal URL such as
# > `%sql sqlite:////absolute/path/run/model1709575905.db`. Inside queries, `{{ ... }}`
# > is rendered with Jinja from the notebook's variables, so the seed's hard-coded ids
# > (`WHERE Architecture_id = 140379603024400`) become `{{network['id']}}`.

# %%
# %load_ext sql
# %config SqlMagic.displaycon = False
# %config SqlMagic.displaylimit = 30
url = results.db_path[0]
engine = neural_net.db.open_database(url)
# %sql engine

# %% [markdown]
# `run_summary` has one line per run: its status, epochs, and the final and best losses
# on each split with the epoch of the best. The six best by validation loss (each trial
# appears twice, serial and pooled, with the same numbers):

# %% language="sql"
#
# SELECT name, status, epochs, final_loss, best_val_loss, best_val_epoch
# FROM run_summary
# ORDER BY best_val_loss, name
# LIMIT 6

# %% [markdown]
# The grid point of each run is also stored as rows of the table `param`, one per
# parameter (`key`; `value` as JSON text, so the optimizer's name shows in quotes;
# `number` when it is a number; the optimizer's settings under dotted keys such as
# `optimizer.lr`), so the summary can be joined to it and grouped by parameter — the same
# SQL on SQLite and on PostgreSQL:

# %% language="sql"
#
# SELECT o.value AS optimizer, l.number AS lr, u.number AS units,
#        count(*) AS runs,
#        MIN(s.best_val_loss) AS best_val_loss
# FROM run_summary AS s
# JOIN param AS o ON o.Architecture_id = s.Architecture_id AND o.key = 'optimizer'
# JOIN param AS l ON l.Architecture_id = s.Architecture_id AND l.key = 'lr'
# JOIN param AS u ON u.Architecture_id = s.Architecture_id AND u.key = 'units'
# GROUP BY o.value, l.number, u.number
# ORDER BY best_val_loss

# %% [markdown]
# The view `history` holds every logged value, `(Architecture_id, epoch, split, name,
# value)`: here the best validation accuracy of each run of the serial sweep, and the
# epoch it was first reached.

# %% language="sql"
#
# SELECT r.run_name AS name, MAX(h.value) AS best_val_accuracy,
#        MIN(CASE WHEN h.value = b.best THEN h.epoch END) AS at_epoch
# FROM history AS h
# JOIN Architecture AS r ON r.Architecture_id = h.Architecture_id
# JOIN (SELECT Architecture_id, MAX(value) AS best FROM history
#       WHERE split = 'val' AND name = 'accuracy' GROUP BY Architecture_id) AS b
#   ON b.Architecture_id = h.Architecture_id
# WHERE h.split = 'val' AND h.name = 'accuracy' AND r.run_name LIKE 'units=%'
# GROUP BY r.run_name
# ORDER BY best_val_accuracy DESC, at_epoch

# %% [markdown]
# ## … and with pandas
#
# `neural_net.db.runs(source, where=..., order_by=...)` is the catalogue: one row per
# run, with its parameters and its final and best metrics as columns (`val_accuracy` is
# the last epoch's, `best_val_accuracy` the best). The best Adam runs (serial and pooled),
# best first — what `neural-net runs sweep.db --where optimizer=adam --sort
# -best_val_accuracy` prints from the shell:

# %%
catalogue = neural_net.db.runs(url, where="optimizer=adam", order_by=["-best_val_accuracy", "name"])
catalogue = catalogue[catalogue.name.str.startswith('units=')]
assert len(catalogue) and (catalogue.optimizer == 'adam').all() and catalogue.best_val_accuracy.is_monotonic_decreasing
catalogue[['name', 'units', 'optimizer', 'lr', 'status', 'epochs', 'val_loss', 'val_accuracy', 'best_val_accuracy']].head(6)

# %% [markdown]
# `pandas.read_sql` reads any query: the validation accuracy of every run and epoch,
# pivoted to one column per run.

# %%
long = pandas.read_sql(
    text('''
        SELECT a.Architecture_id AS run_id, h.epoch, h.value
        FROM history AS h JOIN Architecture AS a ON a.Architecture_id = h.Architecture_id
        WHERE h.split = 'val' AND h.name = 'accuracy' AND a.run_name LIKE 'units=%'
    '''),
    engine,
)
val_accuracy = long.pivot(index='epoch', columns='run_id', values='value')

colors = {('sgd', 0.01): 'tab:blue', ('sgd', 0.1): 'tab:cyan',
          ('adam', 0.01): 'tab:red', ('adam', 0.1): 'tab:orange'}
styles = {2: ':', 4: '--', 16: '-'}
fig, ax = plt.subplots(figsize=(12, 6))
for r in results.itertuples():  # best first, as ranked by the sweep
    curve = val_accuracy[r.run_id]
    ax.plot(curve.index, curve.values, color=colors[r.optimizer, r.lr], linestyle=styles[r.units],
            label=f"{r.units} units, {r.optimizer}, lr={r.lr}")
ax.set_title('validation accuracy of every run (from the database)')
ax.set_xlabel('epoch')
ax.set_ylabel('accuracy')
ax.legend(ncol=2, fontsize='small')
plt.show()

# %% [markdown]
# ## The best run
#
# The first row of the results is the best; `neural_net.db.open_run` finds it in the
# database, and its `history()` reads its curves.

# %%
best = results.iloc[0]
best_run = neural_net.db.open_run(url, best.run_id)
print(best_run)
best[['units', 'optimizer', 'lr', 'val_accuracy', 'run_id']]

# %%
h = best_run.history()
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

# %% [markdown]
# And the model itself comes back from the database with `load_model()` (its final
# snapshot): it scores on the validation set what the last epoch logged.

# %%
model = best_run.load_model()
val_loss, val_acc = model.evaluate(X_val, y_val)
assert numpy.isclose(val_loss, h['val_loss'].iloc[-1]) and numpy.isclose(val_acc, h['val_accuracy'].iloc[-1])
val_loss, val_acc

# %% [markdown]
# ## Sixty-four runs in one pass: `vectorize=True`
#
# Small networks on small batches spend their time in per-call overhead, paid once per
# model. With `vectorize=True` the sweep groups the grid points whose models share their
# layer widths, activations, cost and optimizer rule, stacks each group's weights along a
# leading axis and trains the group as one `neural_net.ensemble.Ensemble`: one batched
# matrix product per layer for all members. Learning rates, momentum, weight decay,
# dropout rates and seeds may differ within a group.
#
# Each member draws its shuffles from its own generator and is stored as its own run,
# exactly as trained alone (one more parameter, `ensemble_group`, names its group), so
# the numbers are those of the one-by-one sweep. Here: 16 learning rates × 4 seeds.

# %%
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
      neural_net.db.open_run(path64, stacked.run_id[0]).params['ensemble_group'])
stacked.drop(columns=['db_path']).head()

# %% [markdown]
# The same grid one by one (a few points, to check): the same losses.

# %%
few = [{'lr': grid64['lr'][i], 'seed': s} for i, s in ((0, 0), (7, 2), (15, 3))]
alone = sweep(build64, few, X_train, y_train, epochs=30, batch_size=32, validation_data=(X_val, y_val),
              monitor='val_accuracy')
check = stacked.set_index(['lr', 'seed']).loc[[(p['lr'], p['seed']) for p in few], 'loss']
numpy.testing.assert_allclose(alone.set_index(['lr', 'seed']).loc[check.index, 'loss'], check, rtol=1e-12)
check

# %% [markdown]
# The learning rate against the best validation accuracy, one line per seed, read back
# from the database:

# %%
fig, ax = plt.subplots(figsize=(8, 4))
for seed, runs in stacked.sort_values('lr').groupby('seed'):
    ax.semilogx(runs.lr, runs.val_accuracy, marker='o', label=f'seed {seed}')
ax.set_xlabel('learning rate')
ax.set_ylabel('best validation accuracy')
ax.legend()
plt.show()

# %% [markdown]
# Every member is a run like any other for the readers — the catalogue sorts the 64 by
# their best validation accuracy, as `neural-net runs grid64.db --sort -best_val_accuracy
# --limit 5` does from the shell:

# %%
grid_runs = neural_net.db.runs(path64, order_by=['-best_val_accuracy', 'name'])
assert len(grid_runs) == 64 and grid_runs.ensemble_group.nunique() == 1
grid_runs[['name', 'lr', 'seed', 'epochs', 'val_accuracy', 'best_val_accuracy']].head(5)

# %% [markdown]
# ## The 64 runs in the dashboard
#
# `neural-net ui grid64.db` (with the `ui` extra) lists the 64 runs with `lr`, `seed` and
# their metrics as columns; select runs and *Compare* overlays their curves, and
# *group by* `lr` draws the mean ± spread over the four seeds, next to a scatter of each
# parameter against the metric. Inside a notebook, `neural_net.ui.notebook(...)` runs
# the dashboard in a thread of the kernel; `frame` as the last line of a cell shows it
# there. (This page, a built copy of the notebook, has no server behind it, so the cell
# below opens the Compare page — every other learning rate, 8 × 4 seeds = 32 runs, grouped
# by `lr` — and checks that it lists them.)

# %%
import urllib.request
import neural_net.ui

chosen = grid_runs[grid_runs.lr.isin(grid64['lr'][::2])].sort_values(['lr', 'seed']).run_id.tolist()
frame = neural_net.ui.notebook(path64, height=700)
compare = (frame.dashboard.url.rstrip('/') + '/compare?metric=val_accuracy&group=lr&'
           + '&'.join(f'run={r}' for r in chosen))
page = urllib.request.urlopen(compare).read().decode()
assert len(chosen) == 32 and all(str(r) in page for r in chosen)
print(compare.split('?')[0], 'compares', len(chosen), 'runs grouped by lr')

# %% [markdown]
# ## Handing the sweep on to MLflow
#
# A team that keeps its runs in an MLflow tracking server loses nothing: `db.to_mlflow`
# sends each run — its parameters (flattened as in the `param` rows), every epoch's metrics
# with `step=epoch` and the stored wall time, status, times, tags and note, the architecture
# and, if asked, weights as `.npz` artifacts — to any tracking URI (here a SQLite file;
# `neural-net export RUN... --to mlflow:URI` does the same from the shell). Exporting again
# sends only what is new. MLflow's own client then reads them back:

# %%
try:
    from mlflow.tracking import MlflowClient  # the mlflow extra: pip install -e ".[mlflow]"
except ImportError:
    MlflowClient = None
    print("MLflow is not installed here: pip install -e '.[mlflow]' runs this cell")

if MlflowClient is not None:
    tracking = f"sqlite:///{workdir / 'mlruns.db'}"
    best4 = stacked.sort_values('val_accuracy', ascending=False).run_id[:4].tolist()
    neural_net.db.to_mlflow(path64, best4, tracking, experiment='grid64', snapshots='none')
    client = MlflowClient(tracking)
    experiment = client.get_experiment_by_name('grid64')
    exported = client.search_runs([experiment.experiment_id], order_by=['metrics.val_accuracy DESC'])
    steps = [m.step for m in client.get_metric_history(exported[0].info.run_id, 'val_accuracy')]
    assert len(exported) == 4 and steps == list(range(1, 31))
    print([(r.data.params['lr'][:6], r.data.params['seed'], round(r.data.metrics['val_accuracy'], 3))
           for r in exported])

# %% [markdown]
# ## Cleaning up
#
# Stop the dashboard, close the engine and delete the scratch folder (skip this cell to
# keep `sweep.db` and `grid64.db`).

# %%
frame.dashboard.stop()
neural_net.db.dispose()
shutil.rmtree(workdir)
