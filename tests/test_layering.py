"""The layering of the package, checked on its source (issue 13).

An AST scan of every module of ``neural_net/`` (migrations excepted) that counts module-level
*and* function-local imports (a local import that dodges a cycle is still a cycle):

* no import cycle (strongly connected components of the import graph);
* no module imports another module's ``_private`` names;
* the engine (``neural_net/*.py`` and ``callbacks/`` outside ``db/``, ``cli``, ``sweep``, ``ui``)
  imports nothing of ``neural_net.db``;
* ``Sequential`` stays a short class (the loop, the store proxies and serialization live
  elsewhere).

The database package is being reorganised separately: the cycles and private imports that lie
entirely inside ``neural_net/db`` and ``neural_net/cli.py`` are listed in ``KNOWN_STORE`` and
their test is marked ``xfail(strict=False)``; everything else must be clean now.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "neural_net"
FRONT = ("neural_net.db", "neural_net.cli", "neural_net.sweep", "neural_net.ui", "neural_net.__main__")


def modules() -> dict[str, pathlib.Path]:
    mods = {}
    for f in ROOT.rglob("*.py"):
        if "migrations" in f.relative_to(ROOT).parts:
            continue
        name = ".".join(("neural_net", *f.relative_to(ROOT).with_suffix("").parts))
        mods[name.removesuffix(".__init__")] = f
    return mods


MODS = modules()


def scan() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """``(edges, private)``: the modules each module imports, and ``(module, imported name)``
    for every ``_private`` name imported from another module."""
    edges: dict[str, set[str]] = {m: set() for m in MODS}
    private: list[tuple[str, str]] = []
    for cur, f in MODS.items():
        package = cur if f.name == "__init__.py" else cur.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[cur].update(a.name for a in node.names if a.name.startswith("neural_net"))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package
                    for _ in range(node.level - 1):
                        base = base.rsplit(".", 1)[0]
                    target = f"{base}.{node.module}" if node.module else base
                else:
                    target = node.module or ""
                if not target.startswith("neural_net"):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in MODS:
                        edges[cur].add(sub)
                        continue
                    edges[cur].add(target)
                    if alias.name.startswith("_") and not alias.name.startswith("__") and target != cur:
                        private.append((cur, f"{target}.{alias.name}"))
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root] & MODS.keys())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w] & MODS.keys()))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def in_store(module: str) -> bool:
    return module.startswith(("neural_net.db", "neural_net.cli"))


EDGES, PRIVATE = scan()
CYCLES = cycles(EDGES)

#: Cycles and private imports entirely inside neural_net/db and neural_net/cli.py, left to the
#: reorganisation of the store (see the module docstring).
KNOWN_STORE = {
    "cycles": [c for c in CYCLES if all(in_store(m) for m in c)],
    "private": [p for p in PRIVATE if in_store(p[0]) and in_store(p[1])],
}


def test_the_scan_sees_the_package():
    assert {"neural_net.architecture", "neural_net.loop", "neural_net.callbacks.base",
            "neural_net.db.store"} <= MODS.keys()
    assert "neural_net.callbacks.base" in EDGES["neural_net.loop"]  # module-level imports
    assert "neural_net.architecture" in EDGES["neural_net.callbacks.checkpoint"]


def test_the_scan_counts_function_local_imports():
    # load_model imports Sequential inside the function body: the edge must be seen
    source = MODS["neural_net.db.readers"].read_text(encoding="utf-8")
    assert "    from ..architecture import Sequential" in source
    assert "neural_net.architecture" in EDGES["neural_net.db.readers"]


def test_no_import_cycle_outside_the_store():
    outside = [c for c in CYCLES if c not in KNOWN_STORE["cycles"]]
    assert outside == []


def test_no_private_import_outside_the_store():
    outside = [p for p in PRIVATE if p not in KNOWN_STORE["private"]]
    assert outside == []


def test_the_engine_imports_nothing_of_the_store():
    engine = [m for m in MODS if m != "neural_net" and not m.startswith(FRONT)]
    assert "neural_net.architecture" in engine and "neural_net.callbacks.lr" in engine
    leaks = sorted((m, t) for m in engine for t in EDGES[m] if t.startswith("neural_net.db"))
    assert leaks == []


def test_schedules_import_nothing_of_the_callbacks():
    assert not any(t.startswith("neural_net.callbacks") for t in EDGES["neural_net.schedules"])


def test_sequential_is_a_short_class():
    tree = ast.parse(MODS["neural_net.architecture"].read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Sequential")
    assert cls.end_lineno - cls.lineno + 1 <= 200


@pytest.mark.xfail(strict=False, reason="the store's own cycles (e.g. db.store <-> db.recorder, "
                                        "db.readers <-> db.catalogue) and cli's private imports of db.readers / "
                                        "db.engine are being removed by the reorganisation of neural_net/db")
def test_no_cycle_and_no_private_import_inside_the_store():
    assert KNOWN_STORE == {"cycles": [], "private": []}


def test_the_seed_import_paths_still_work():
    from neural_net.activation import Σ, σ  # noqa: F401
    from neural_net.callbacks import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau  # noqa: F401
    from neural_net.model import Define  # noqa: F401
    from neural_net.schedules import ReduceLROnPlateau as old  # the old address of a moved class
    from neural_net.utils import Boostrap, HouseDatasetDownloader, IrisDatasetDownloader, Pearson  # noqa: F401
    from neural_net.utils import make_circle_data  # noqa: F401

    assert old is ReduceLROnPlateau
