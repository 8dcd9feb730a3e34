"""The benchmark scripts run, and what they compare is comparable.

Small sizes only (a few seconds in all) and no wall-clock threshold: speed is judged by the
full runs recorded in benchmarks/README.md. What is asserted here is what would make those
runs wrong: the library and scikit-learn, started from the same weights on the same batches,
must reach the same training loss (float64: to the last digits), float32 and float64 must
train alike, the store comparison must really write a database, and training must stay within
the memory target.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"

pytestmark = pytest.mark.skipif(not (BENCH / "common.py").exists(), reason="benchmarks/ not present")


def run(script: str, *args: str, tmp_path: Path) -> dict:
    out = tmp_path / "result.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), NEURAL_NET_RUN_DIR=str(tmp_path / "runs"))
    proc = subprocess.run([sys.executable, str(BENCH / script), *args, "--json", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return json.loads(out.read_text())


def rows_by_label(result: dict) -> dict[tuple, dict]:
    return {(*r["label"], r["batch"]): r for r in result["rows"]}


def test_training_benchmark_library_matches_sklearn_from_the_same_weights(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    result = run("bench_training.py", "--quick", "--no-torch", tmp_path=tmp_path)
    rows = rows_by_label(result)
    sk = "fit(max_iter=1), warm_start"
    for B in (128, 500):
        for dtype in ("float32", "float64"):
            for door in ("train", "fit"):
                r = rows[("W1", "neural_net", door, dtype, B)]
                assert r["skipped"] is None and len(r["times"]) == result["args"]["epochs"]
                assert all(t > 0 for t in r["times"])
        lib64, sk64 = rows[("W1", "neural_net", "train", "float64", B)], rows[("W1", "sklearn", sk, "float64", B)]
        assert lib64["loss"] == pytest.approx(sk64["loss"], rel=1e-12)  # same weights, same batches
        lib32, sk32 = rows[("W1", "neural_net", "train", "float32", B)], rows[("W1", "sklearn", sk, "float32", B)]
        assert lib32["loss"] == pytest.approx(sk32["loss"], rel=1e-6)
        assert lib32["loss"] == pytest.approx(lib64["loss"], rel=1e-6)
        fit32, fit64 = rows[("W1", "neural_net", "fit", "float32", B)], rows[("W1", "neural_net", "fit", "float64", B)]
        assert fit32["loss"] == pytest.approx(fit64["loss"], rel=1e-6)  # the same shuffles in both dtypes
    w2 = rows[("W2", "neural_net", "train", "float64", 1000)]
    assert w2["loss"] == pytest.approx(rows[("W2", "sklearn", "fit(max_iter=epochs)", "float64", 1000)]["loss"],
                                       rel=1e-12)
    assert rows[("W2", "neural_net", "fit", "float64", 1000)]["loss"] == pytest.approx(w2["loss"], rel=1e-12)


def test_training_benchmark_store_comparison_writes_a_database(tmp_path: Path) -> None:
    result = run("bench_training.py", "--quick", "--no-torch", "--no-sklearn", "--only", "store", tmp_path=tmp_path)
    store = result["store"]
    assert "skipped" not in store, store
    assert any(f.endswith(".db") for f in store["files"]) and store["db_bytes"] > 0
    assert len(store["hooks"]["on_epoch_end"]) == store["epochs_per_call"] * store["reps"]
    assert len(store["True"]["total"]) == len(store["False"]["total"]) == store["reps"]


def test_memory_benchmark_stays_within_the_target(tmp_path: Path) -> None:
    result = run("bench_memory.py", "--quick", "--no-torch", "--n", "3000", tmp_path=tmp_path)
    measured = {tuple(cfg): r for cfg, r in result["results"]}
    for config in ("train", "fit"):
        r = measured[(config, "float32", 128)]
        assert r["epoch_s"], r
        assert r["peak_mb"] - r["data_mb"] <= 150, r


def test_ideas_benchmark_prints_every_variant(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(BENCH / "bench_ideas.py"), "--n", "3000", "--reps", "1",
                           "--batch", "128"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "| 128 " in line]
    assert len(table) == 12
    assert all(float(line.rsplit("|", 2)[1]) > 0 for line in table)


def test_dashboard_benchmark_serves_every_page(tmp_path: Path) -> None:
    pytest.importorskip("starlette", reason="the dashboard needs the ui extra")
    result = run("bench_ui.py", "--files", "8", "--epochs", "40", "--repeat", "1", "--no-browser", tmp_path=tmp_path)
    labels = [r[0] for r in result["rows"]]
    assert any(label.startswith("runs page / (8 runs): first byte") for label in labels)
    assert any("run page, 40 epochs, 21 snapshots" in label for label in labels)
    assert [n for n, _ in result["memory"]] == [0, 9]  # after start-up, after every run's page


def test_interop_benchmark_streams_every_value(tmp_path: Path) -> None:
    result = run("bench_interop.py", "--epochs", "30,300", "--without", "mlflow", tmp_path=tmp_path)
    rows = [r for r in result["rows"] if "skipped" not in r]
    paths = {r["path"] for r in rows}
    assert {"import_history(DataFrame)", "db.history (one DataFrame)", "iter_history (chunks)"} <= paths
    assert all(r["values"] == 4 * r["epochs"] and r["rows_per_s"] > 0 for r in rows)
    assert all(r["peak_mb"] > 0 for r in rows if r["path"] != "import_history(DataFrame)")


def test_ensemble_benchmark_times_the_same_training(tmp_path: Path) -> None:
    """bench_ensemble.py: the stacked ensemble, the one-by-one runs and (when installed) the
    torch.func vmap ensemble start from the same weights on the same batches, so their mean
    final losses agree; the store row really writes every member."""
    result = run("bench_ensemble.py", "--quick", "--alone", "0", tmp_path=tmp_path)
    assert [r["workload"] for r in result["rows"]] == ["W3", "W4", "W2"]
    for r in result["rows"]:
        assert r["ensemble_s"] > 0 and r["alone_s"] > 0 and r["alone_measured"] == r["K"]
        assert r["ensemble_loss"] == pytest.approx(r["alone_loss"], rel=1e-12)
        if r["torch_loss"] is not None:
            assert r["torch_loss"] == pytest.approx(r["ensemble_loss"], rel=1e-9)
    assert result["store"]["stored_s"] > 0 and result["store"]["stored_runs"] == result["rows"][0]["K"]
    assert result["memory"]["traced_peak"] > 0


def test_catalogue_benchmark_runs_at_a_small_size(tmp_path: Path) -> None:
    """bench_catalogue.py checks what it times (the fast and engine catalogues equal, ``db.runs``
    sorted by val_accuracy with parameter and metric columns, on files and on PostgreSQL, the
    command's output) and fails otherwise; here at 8 files and, with the PostgreSQL variable
    set, 20 runs × 5 epochs in a database it creates and drops."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(BENCH / "bench_catalogue.py"), "--files", "8", "--repeat", "1",
                           "--pg-runs", "20", "--pg-epochs", "5"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "runs(dir, order_by='-val_accuracy')" in proc.stdout
    assert "--sort -val_accuracy --columns" in proc.stdout
    if os.environ.get("NEURAL_NET_TEST_DATABASE_URL", "").startswith("postgresql"):
        assert "runs(server, order_by='-val_accuracy'): 20 runs x 5 epochs" in proc.stdout, proc.stdout
        assert "'architecture': 20, 'cost': " in proc.stdout
        made = re.search(r"PostgreSQL database (nn_bench_catalogue_\d+):", proc.stdout).group(1)
        assert made not in _databases(os.environ["NEURAL_NET_TEST_DATABASE_URL"]).split()  # dropped


def _databases(url: str) -> str:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as c:
            return " ".join(r[0] for r in c.execute(sqlalchemy.text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def test_store_layout_benchmark_stores_every_epoch_in_each_layout() -> None:
    """The script checks itself that each index layout kept every epoch of every run (it exits
    non-zero otherwise) and prints both tables."""
    proc = subprocess.run([sys.executable, str(BENCH / "store_layout.py"), "--members", "4", "--epochs", "6",
                           "--fit-epochs", "3", "--rounds", "1"], capture_output=True, text=True, timeout=600,
                          cwd=BENCH.parent, env={**os.environ, "PYTHONPATH": str(BENCH.parent)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for line in ("| 6      | per run", "| 6      | none", "| 6      | generation", "| 3      | stored, no per-run index"):
        assert line in proc.stdout, proc.stdout
