"""Execute every tutorial notebook (``tutorials/*.ipynb``) and fail if any cell raises.

The notebooks run in a fresh ``python3`` kernel, in a temporary working directory, with the
repository root on ``PYTHONPATH`` (so ``import neural_net`` works without installing the
package) and matplotlib's non-interactive ``Agg`` backend. They are slow-ish (seconds each)
and carry the ``notebook`` marker: select them with ``pytest -m notebook``, skip them with
``pytest -m "not notebook"``.

No tutorial may touch a database (storage has its own tutorial): after the last cell, a guard
cell run by the test only asserts that no network of the notebook opened a store, and no
``*.db`` file may appear in the working directory.

Two quick checks (no kernel) also run: the committed notebooks carry no outputs, and they are
what ``tutorials/make_notebooks.py`` generates.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))

pytestmark = pytest.mark.notebook

CELL_TIMEOUT = 300  # seconds, per cell

#: Appended to each notebook by the test (never committed): no network may hold a store.
NO_DATABASE_GUARD = """
from neural_net.architecture import Sequential as _Sequential
from neural_net.model import Define as _Define
_stored = [_name for _name, _value in list(globals().items())
           if isinstance(_value, _Sequential) and _value.store is not None]
assert not _stored, f"these networks opened a database store: {_stored}"
assert not _Define._Define__store, "Define._Define__store was switched on"
"""


def _kernel_env(tmp_path: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["MPLBACKEND"] = "Agg"
    env.pop("NEURAL_NET_DATABASE_URL", None)
    # Should a notebook ever store a network, its database goes to the temporary directory.
    env["NEURAL_NET_RUN_DIR"] = str(tmp_path / "run")
    return env


def test_tutorials_exist():
    assert len(NOTEBOOKS) >= 4, f"expected the tutorial notebooks in {TUTORIALS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: pathlib.Path, tmp_path: pathlib.Path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(NO_DATABASE_GUARD))
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    # A failing cell raises nbclient.exceptions.CellExecutionError with its traceback.
    client.execute(env=_kernel_env(tmp_path), cwd=str(tmp_path))
    assert not sorted(tmp_path.rglob("*.db")), "a notebook created a database file"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: pathlib.Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(nb["cells"])
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; regenerate with tutorials/make_notebooks.py"


def test_notebooks_match_generator():
    pytest.importorskip("nbformat")
    result = subprocess.run(
        [sys.executable, str(TUTORIALS / "make_notebooks.py"), "--check"],
        capture_output=True, text=True, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stderr
