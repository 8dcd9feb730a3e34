"""The command line finds the best run (issue 11, "Command line"): ``runs`` with parameters and
metrics as columns, sorted, filtered and limited, the same types in table, csv and json; run
references by unique id prefix, ``latest`` or name; ``rename`` and ``delete``."""
from __future__ import annotations

import csv
import io
import json
import os

import pytest

import neural_net.db as db
from neural_net.cli import main

from test_store_api import sweep_like


@pytest.fixture
def sweep_file(tmp_path):
    path = str(tmp_path / "sweep.db")
    return path, sweep_like(path)


def out_of(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_sorted_filtered_with_metric_and_parameter_columns(sweep_file, capsys):
    path, nets = sweep_file
    code, out, err = out_of(capsys, "runs", path, "--sort", "-val_accuracy", "--where", "optimizer=adam",
                            "--columns", "name,optimizer.lr,units,loss,val_accuracy,best_val_epoch", "--limit", "1",
                            "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    adam = [n for n in nets if n.optimizer.name == "adam"]
    best = max(adam, key=lambda n: n.history.history["val_accuracy"][-1])
    assert len(rows) == 1 and rows[0]["name"] == best.run_name
    assert rows[0]["val_accuracy"] == pytest.approx(best.history.history["val_accuracy"][-1])
    assert rows[0]["units"] == best.steps[0].n_out and isinstance(rows[0]["best_val_epoch"], int)
    code, out, _ = out_of(capsys, "runs", path, "--where", "optimizer=adam", "--columns",
                          "run_id,units,best_val_epoch", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert len(parsed) == 2 and all(r["best_val_epoch"].isdigit() for r in parsed)  # 3, not 3.0
    code, out, _ = out_of(capsys, "runs", path, "--sort", "units", "--columns", "name,units,val_accuracy")
    lines = out.splitlines()
    assert lines[0].split() == ["name", "units", "val_accuracy"] and len(lines) == 5
    assert [int(ln.split()[1]) for ln in lines[1:]] == sorted(int(ln.split()[1]) for ln in lines[1:])
    code, _, err = out_of(capsys, "runs", path, "--columns", "nope")
    assert code == 2 and err.count("\n") == 1 and "nope" in err
    code, _, err = out_of(capsys, "runs", path, "--where", "units=")
    assert code == 0


def test_runs_filters_on_tags_and_shows_layer_widths(sweep_file, capsys):
    path, nets = sweep_file
    code, _, err = out_of(capsys, "tag", str(nets[1]["id"]), "dataset=iris", "--from", path)
    assert code == 0, err
    code, out, err = out_of(capsys, "runs", path, "--where", "tag.dataset=iris", "--columns", "name,layers,tag.dataset",
                            "--format", "json")
    assert code == 0, err
    widths = "-".join(str(w) for w in [nets[1].steps[0].n_in] + [s.n_out for s in nets[1].steps if hasattr(s, "n_out")])
    assert json.loads(out) == [{"name": nets[1].run_name, "layers": widths, "tag.dataset": "iris"}]
    untagged = db.runs(path, where="tag.dataset!=iris")
    assert len(untagged) == len(nets) - 1 and untagged["tag.dataset"].isna().all()


def test_run_references_prefix_latest_and_name(sweep_file, capsys):
    path, nets = sweep_file
    last = nets[-1]
    for ref in (str(last["id"]), str(last["id"])[:10], "latest", last.run_name):
        code, out, err = out_of(capsys, "history", ref, "--from", path, "--format", "json")
        assert code == 0, (ref, err)
        assert [r["loss"] for r in json.loads(out)] == pytest.approx(last.history.history["loss"])
    code, _, err = out_of(capsys, "show", "no-such-name", "--from", path)
    assert code == 1 and "no run 'no-such-name'" in err and err.count("\n") == 1


def test_rename_and_delete(sweep_file, capsys, monkeypatch):
    path, nets = sweep_file
    code, out, _ = out_of(capsys, "rename", str(nets[0]["id"]), "baseline", "--from", path)
    assert code == 0 and db.open_run(path, nets[0]["id"]).name == "baseline"
    code, out, _ = out_of(capsys, "history", "baseline", "--from", path)
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = out_of(capsys, "delete", "baseline", "--from", path)
    assert code == 2 and "--yes" in err and len(db.list_runs(path)) == 4
    for net in nets[:-1]:
        assert out_of(capsys, "delete", str(net["id"]), "--from", path, "--yes")[0] == 0
    assert db.list_runs(path).run_id.tolist() == [nets[-1]["id"]] and os.path.exists(path)
    code, out, _ = out_of(capsys, "delete", "latest", "--from", path, "--yes")
    assert code == 0 and "removed" in out
    assert not os.path.exists(path) and not os.path.exists(path + "-wal")


def test_runs_shows_each_file_as_its_resolved_path(tmp_path, capsys):
    """The db_path column is display_url of each file (resolved), symbolic links included."""
    from neural_net.cli.output import display_url
    from neural_net.cli.runs import shown_paths
    from neural_net.db.engine import sources

    real = tmp_path / "real"
    real.mkdir()
    sweep_like(str(real / "a.db"), optimizers=("sgd",), units=(2,))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sweep_like(str(elsewhere / "b.db"), optimizers=("adam",), units=(2,))
    (real / "link.db").symlink_to(elsewhere / "b.db")
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    urls = sources(tmp_path / "alias") + ["sqlite:///" + str(tmp_path / "alias" / "a.db"),
                                          "sqlite:///" + str(tmp_path / "alias" / ".." / "real" / "a.db")]
    assert shown_paths(urls) == [display_url(u) for u in urls]
    code, out, err = out_of(capsys, "runs", str(tmp_path / "alias"), "--format", "json")
    assert code == 0, err
    assert sorted(r["db_path"] for r in json.loads(out)) == sorted([str(elsewhere.resolve() / "b.db"),
                                                                     str(real.resolve() / "a.db")])
