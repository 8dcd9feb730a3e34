"""The catalogue's cache per run directory (issue 11, speed of ``neural-net runs DIR``): an
unchanged file is not read again, a changed or deleted one is, and the cache is input like a
file — a corrupt, foreign or tampered cache is ignored, never an error; writing it may fail."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
import pytest

import neural_net.db as db
from neural_net.cli import main
from neural_net.db.catalogue import catalogue

from conftest import sqlite_exec, trained


def age(directory: Path, seconds: float = 60) -> None:
    """Set the modification time of every file of ``directory`` ``seconds`` back (files written
    just now are not kept in the cache: they could change again within the same timestamp)."""
    old = time.time_ns() - int(seconds * 1e9)
    for p in directory.iterdir():
        os.utime(p, ns=(old, old))


@pytest.fixture
def run_dir(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    for name in ("alpha", "beta", "gamma"):
        trained(str(d / f"{name}.db"), epochs=3, name=name)
    db.dispose()
    age(d)
    return d


def listing(capsys, directory, *extra) -> list[dict]:
    code = main(["runs", str(directory), "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert code == 0 and err == "", err
    return json.loads(out)


def cache_file() -> Path:
    files = list(Path(os.environ["NEURAL_NET_CACHE_DIR"]).glob("catalogue-*.json"))
    assert len(files) == 1, files
    return files[0]


def edit_cache(edit) -> None:
    path = cache_file()
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


def entry_of(doc: dict, name: str) -> dict:
    return next(e for path, e in doc["files"].items() if path.endswith(f"/{name}.db"))


NAME = 1  # index of the name in a cached row (RUN_KEYS)


def test_a_warm_listing_is_the_listing_of_the_files(run_dir, capsys):
    cold = listing(capsys, run_dir, "--sort", "name", "--columns", "name,status,epochs,val_accuracy,optimizer")
    warm = listing(capsys, run_dir, "--sort", "name", "--columns", "name,status,epochs,val_accuracy,optimizer")
    assert warm == cold and [r["name"] for r in cold] == ["alpha", "beta", "gamma"]
    assert all(r["val_accuracy"] is not None and r["optimizer"] == "sgd" for r in cold)
    # the library with cache=True, cold then warm, returns the frames read from the files
    quiet = {"on_skip": lambda p, r: None}
    for _ in range(2):
        pd.testing.assert_frame_equal(catalogue(run_dir, cache=True, **quiet), catalogue(run_dir, **quiet))
        pd.testing.assert_frame_equal(db.runs(run_dir, order_by="-val_accuracy", cache=True),
                                      db.runs(run_dir, order_by="-val_accuracy"))


def test_an_unchanged_file_is_not_read_again(run_dir, capsys):
    listing(capsys, run_dir)
    edit_cache(lambda doc: entry_of(doc, "beta")["rows"][0].__setitem__(NAME, "from-the-cache"))
    names = sorted(r["name"] for r in listing(capsys, run_dir))
    assert names == ["alpha", "from-the-cache", "gamma"]  # the cached row, the file left unopened


def test_a_changed_file_is_read_again_and_its_new_metric_shows(run_dir, capsys):
    columns = ("--sort", "name", "--columns", "name,val_accuracy,epochs")
    before = listing(capsys, run_dir, *columns)
    edit_cache(lambda doc: entry_of(doc, "beta")["rows"][0].__setitem__(NAME, "stale"))
    sqlite_exec(str(run_dir / "beta.db"),
                "UPDATE run_metric SET last_value = 0.125 WHERE source = 'metric' AND split = 'val' "
                "AND name = 'accuracy'")
    after = listing(capsys, run_dir, *columns)
    assert [r["name"] for r in after] == ["alpha", "beta", "gamma"]  # beta read from its file
    assert after[1]["val_accuracy"] == 0.125 and after[0] == before[0] and after[2] == before[2]
    # modified just now: not kept (racily clean), so a second change is seen at once too
    assert not any(p.endswith("/beta.db") for p in json.loads(cache_file().read_text())["files"])
    sqlite_exec(str(run_dir / "beta.db"), "UPDATE Architecture SET run_name = 'beta-2'")
    assert [r["name"] for r in listing(capsys, run_dir, *columns)] == ["alpha", "beta-2", "gamma"]


def test_a_deleted_file_disappears_from_the_listing_and_the_cache(run_dir, capsys):
    listing(capsys, run_dir)
    (run_dir / "gamma.db").unlink()
    assert sorted(r["name"] for r in listing(capsys, run_dir)) == ["alpha", "beta"]
    assert not any(p.endswith("/gamma.db") for p in json.loads(cache_file().read_text())["files"])


@pytest.mark.parametrize("garbage", [b"\x00\xffnot json{", b"[1, 2, 3]", b'{"format": 1, "files": []}', b""])
def test_a_corrupt_cache_is_ignored_and_rewritten(run_dir, capsys, garbage):
    expected = listing(capsys, run_dir)
    path = cache_file()
    path.write_bytes(garbage)
    assert listing(capsys, run_dir) == expected
    assert len(json.loads(path.read_text())["files"]) == 3  # rewritten


@pytest.mark.parametrize("column, bad", [(3, "many"), (3, 2.5), (NAME, 5), (NAME, ["a"]), (10, "not a time"),
                                         (4, True), (4, {"x": 1})])
def test_a_cache_value_of_a_bad_type_is_refused(run_dir, capsys, column, bad):
    expected = listing(capsys, run_dir, "--sort", "name")
    edit_cache(lambda doc: entry_of(doc, "beta")["rows"][0].__setitem__(column, bad))
    assert listing(capsys, run_dir, "--sort", "name") == expected  # beta read from its file, no error


def test_a_tampered_cached_metric_or_parameter_is_refused(run_dir, capsys):
    columns = ("--sort", "name", "--columns", "name,optimizer,val_accuracy")
    expected = listing(capsys, run_dir, *columns)

    def tamper(doc):
        entry = entry_of(doc, "beta")
        entry["hyper"][0][1] = 12  # hyper-parameters that are not JSON text
        entry["metrics"][0][3] = "high"

    edit_cache(tamper)
    assert listing(capsys, run_dir, *columns) == expected


def test_a_cache_of_another_format_or_directory_is_ignored(run_dir, capsys, tmp_path):
    listing(capsys, run_dir)
    for key, value in (("format", 999), ("head", "9999"), ("directory", str(tmp_path))):
        def tamper(doc, key=key, value=value):
            doc[key] = value
            entry_of(doc, "alpha")["rows"][0][NAME] = "foreign"

        edit_cache(tamper)
        assert "foreign" not in {r["name"] for r in listing(capsys, run_dir)}


def test_a_running_run_gets_its_live_status_at_each_call(run_dir, capsys):
    sqlite_exec(str(run_dir / "beta.db"), "UPDATE Architecture SET status = 'running', hostname = 'elsewhere', "
                                          "pid = 4242, updated_at = '2024-03-04 18:00:00.000000'")
    age(run_dir)
    listing(capsys, run_dir)  # cached: stored 'running', heartbeat in 2024

    def status(*extra):
        return {r["name"]: r["status"] for r in listing(capsys, run_dir, *extra)}["beta"]

    assert status("--stale-after", str(10 * 365 * 86400)) == "running"
    assert status("--stale-after", "60") == "interrupted"
    assert status() == "running"  # no heartbeat rule: another host's run is taken as running


def test_a_cache_that_cannot_be_written_is_silent(run_dir, capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NEURAL_NET_CACHE_DIR", str(blocker / "cache"))
    assert sorted(r["name"] for r in listing(capsys, run_dir)) == ["alpha", "beta", "gamma"]
    monkeypatch.setenv("NEURAL_NET_CACHE_DIR", "")  # no cache
    assert sorted(r["name"] for r in listing(capsys, run_dir)) == ["alpha", "beta", "gamma"]


def test_unusable_files_are_still_reported_with_a_warm_cache(run_dir, capsys):
    (run_dir / "notes.db").write_text("not a database")
    for _ in range(2):
        code = main(["runs", str(run_dir), "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0 and len(json.loads(out)) == 3
        assert "skipping" in err and "notes.db" in err


def test_the_catalogue_never_checkpoints_a_killed_writers_wal(tmp_path):
    """A writer killed with frames in its ``-wal`` (a child that exits without closing): reading
    the directory, cold and warm, leaves the ``-wal`` and the file's bytes as they were (a
    ``mode=ro`` connection), and still lists the run with its committed epochs."""
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "run.db"
    code = textwrap.dedent(f"""
        import os, numpy as np
        from neural_net.architecture import Sequential
        from neural_net.layers import Dense
        net = Sequential([Dense(1, input_dim=2)], 'mse', store={str(path)!r}, name='killed', seed=0)
        net.compile('sgd').fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
        os._exit(0)  # no close, no checkpoint: the epochs are in the -wal only
    """)
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "NEURAL_NET_CACHE_DIR": ""})
    wal = tmp_path / "run.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    before = (path.read_bytes(), wal.read_bytes())
    for _ in range(2):
        runs = db.runs(str(tmp_path))
        assert runs.name.tolist() == ["killed"] and runs.epochs.tolist() == [3]
        assert (path.read_bytes(), wal.read_bytes()) == before
