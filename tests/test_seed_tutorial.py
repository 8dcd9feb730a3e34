"""The seed tutorial (``../shared/seeds/004_*.txt``) runs verbatim, cell after cell.

Every ```python cell of the seed document is executed in order in one namespace, in a
temporary working directory (its ``store=True`` networks write ``run/model<ts>.db`` there),
with matplotlib's ``Agg`` backend. Cells with IPython magics (``%``, ``!``) are skipped.
``keras`` is not a dependency: a small MNIST-shaped stand-in module (``keras.datasets.mnist``
with ``load_data()`` returning uint8 images of shape (n, 28, 28) and integer labels) is put
in ``sys.modules``; it is the only thing replaced, the cells themselves run as written.

The test skips when the seeds are absent (they are not part of the package).
"""
from __future__ import annotations

import pathlib
import re
import sys
import types

import numpy as np
import pytest

SEEDS = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
CELL = re.compile(r"```python\n(.*?)```", re.S)


def seed_cells() -> list[str]:
    files = sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    if not files:
        return []
    return CELL.findall(files[0].read_text(encoding="utf-8"))


def has_magic(cell: str) -> bool:
    return any(line.lstrip().startswith(("%", "!")) for line in cell.splitlines())


def mnist_stand_in(n_train: int = 600, n_test: int = 100) -> types.ModuleType:
    """``keras.datasets.mnist`` with the real API and shapes, drawn at random (no download)."""
    def load_data():
        rng = np.random.default_rng(0)
        labels_train = rng.integers(0, 10, n_train).astype(np.uint8)
        labels_test = rng.integers(0, 10, n_test).astype(np.uint8)
        images_train = rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8)
        images_test = rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8)
        for labels in (labels_train, labels_test):  # every digit present, as in MNIST
            labels[:10] = np.arange(10)
        return (images_train, labels_train), (images_test, labels_test)

    keras = types.ModuleType("keras")
    datasets = types.ModuleType("keras.datasets")
    mnist = types.ModuleType("keras.datasets.mnist")
    mnist.load_data = load_data
    keras.datasets, datasets.mnist = datasets, mnist
    return keras


def test_every_python_cell_of_the_seed_tutorial_runs(tmp_path, monkeypatch):
    cells = seed_cells()
    if not cells:
        pytest.skip(f"the seed documents are absent ({SEEDS})")
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keras = mnist_stand_in()
    for name, module in (("keras", keras), ("keras.datasets", keras.datasets),
                         ("keras.datasets.mnist", keras.datasets.mnist)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEURAL_NET_RUN_DIR", raising=False)  # the seed reads run/ under the cwd
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    namespace: dict = {"__name__": "__seed__"}
    ran = 0
    try:
        for i, cell in enumerate(cells):
            if has_magic(cell):
                continue
            try:
                exec(compile(cell, f"<seed cell {i}>", "exec"), namespace)
            except Exception as e:  # pragma: no cover - the failure message is the point
                pytest.fail(f"seed cell {i} raised {type(e).__name__}: {e}\n--- cell ---\n{cell}")
            ran += 1
            plt.close("all")
    finally:
        plt.close("all")
    assert ran >= 250
    stored = sorted((tmp_path / "run").glob("model*.db"))
    assert stored, "the seed's store=True networks wrote no run/model<ts>.db"


def test_class_flag_stores_networks_built_without_store(tmp_path):
    """``Define._Define__store = True`` then ``Sequential(steps, cost)``: stored in a timestamped file."""
    from neural_net.architecture import Sequential
    from neural_net.layers import Fullyconnected, Activation
    from neural_net.init_funcs import zeros
    from neural_net.activation import σ
    from neural_net.cost import BinaryCrossEntropy
    from neural_net.model import Define

    Define._Define__store = True  # restored by conftest
    net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    assert net.store is not None and net.db_path.split("/")[-1].startswith("model")
    explicit = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy, store="sqlite://")
    assert explicit.db_path == "sqlite://"
