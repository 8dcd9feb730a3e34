"""Execute every tutorial and check that each one's two files say the same thing.

Each tutorial is a jupytext pair in ``tutorials/``: a percent-format Python file
(``01_activations_and_initialization.py``, the text people edit and diff) and its notebook
(``.ipynb``, what Jupyter opens; ``jupytext.formats: ipynb,py:percent`` in its metadata keeps
the two in sync whenever either is saved in Jupyter, or with ``jupytext --sync``).

The tutorials run from their ``.py`` source in a fresh ``python3`` kernel, in a temporary
working directory, with the repository root on ``PYTHONPATH`` (so ``import neural_net`` works
without installing the package) and matplotlib's non-interactive ``Agg`` backend. They are
slow-ish (seconds each) and carry the ``notebook`` marker: select them with
``pytest -m notebook``, skip them with ``pytest -m "not notebook"``.

No tutorial but the database ones may touch a database: after the last cell, a guard cell
run by the test asserts that no network of the notebook opened a store, and no ``*.db`` file
may appear in the working directory. The database tutorials (``DATABASE_TUTORIALS``) store
networks on purpose; their guard only asserts that the seed's class flag
``Define._Define__store`` was switched off again by the end.

Quick checks (no kernel) also run: every ``.py`` has its ``.ipynb`` and the other way round,
their cells (kind and source) are equal as jupytext reads them, the notebook declares the
pairing, and the committed notebooks carry no outputs (the documentation site, built by
``mkdocs build``, is where the executed tutorials with their plots are read).
"""
from __future__ import annotations

import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))

pytestmark = pytest.mark.notebook

CELL_TIMEOUT = 300  # seconds, per cell

#: The tutorials that open stores and write ``*.db`` files on purpose.
DATABASE_TUTORIALS = frozenset({"06_database", "07_sweeps"})

#: Appended to each notebook by the test (never committed): no network may hold a store.
NO_DATABASE_GUARD = """
from neural_net.architecture import Sequential as _Sequential
from neural_net.model import Define as _Define
_stored = [_name for _name, _value in list(globals().items())
           if isinstance(_value, _Sequential) and _value.store is not None]
assert not _stored, f"these networks opened a database store: {_stored}"
assert not _Define._Define__store, "Define._Define__store was switched on"
"""

#: Appended to the database notebooks instead: the class flag must be off again at the end.
STORE_FLAG_GUARD = """
from neural_net.model import Define as _Define
assert not _Define._Define__store, "Define._Define__store was left switched on"
"""


def _kernel_env(tmp_path: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    # the library without installing it, and the tutorials' shared helpers (tutorial_plots)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), str(TUTORIALS), env.get("PYTHONPATH", "")) if p)
    env["MPLBACKEND"] = "Agg"
    env.pop("NEURAL_NET_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)  # jupysql would connect to it by default
    # jupysql needs no network; keep ploomber-core's statistics and version check off anyway
    env["PLOOMBER_STATS_ENABLED"] = "false"
    env["PLOOMBER_VERSION_CHECK_DISABLED"] = "1"
    # Should a notebook ever store a network, its database goes to the temporary directory.
    env["NEURAL_NET_RUN_DIR"] = str(tmp_path / "run")
    return env


def _cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def test_tutorials_exist():
    assert len(SOURCES) >= 7, f"expected the tutorial sources in {TUTORIALS}"
    assert DATABASE_TUTORIALS <= {p.stem for p in SOURCES}


def test_tutorial_plots_examples():
    """The shared plotting helpers' docstring examples run (with the Agg backend)."""
    import doctest
    import importlib.util
    import sys

    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("tutorial_plots", TUTORIALS / "tutorial_plots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tutorial_plots"] = module
    try:
        spec.loader.exec_module(module)
        failed, attempted = doctest.testmod(module)
    finally:
        sys.modules.pop("tutorial_plots", None)
    assert attempted >= 2 and failed == 0


def test_every_tutorial_is_a_pair():
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("source", SOURCES, ids=[p.name for p in SOURCES])
def test_pair_is_in_sync(source: pathlib.Path):
    jupytext = pytest.importorskip("jupytext")
    notebook = source.with_suffix(".ipynb")
    text, nb = jupytext.read(source), jupytext.read(notebook)
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent", (
        f"{notebook.name} does not declare its pairing with {source.name}")
    assert text.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert _cells(text) == _cells(nb), (
        f"{source.name} and {notebook.name} differ: run `jupytext --sync {source.relative_to(ROOT)}`")


@pytest.mark.parametrize("source", SOURCES, ids=[p.name for p in SOURCES])
def test_tutorial_executes(source: pathlib.Path, tmp_path: pathlib.Path):
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    stores = source.stem in DATABASE_TUTORIALS
    nb = jupytext.read(source)
    nb.cells.append(nbformat.v4.new_code_cell(STORE_FLAG_GUARD if stores else NO_DATABASE_GUARD))
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    # A failing cell raises nbclient.exceptions.CellExecutionError with its traceback.
    client.execute(env=_kernel_env(tmp_path), cwd=str(tmp_path))
    if not stores:
        assert not sorted(tmp_path.rglob("*.db")), "a notebook created a database file"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: pathlib.Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(nb["cells"])
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} carry outputs; clear them "
                       f"(`jupyter nbconvert --clear-output --inplace {path.name}`): "
                       "the documentation site shows the executed tutorials")
