"""``neural-net compare`` (issue 11): parameters side by side with the differences marked, final
and best metrics, the best run by --metric, the curves on one chart with --plot."""
from __future__ import annotations

import json
import sys

import pytest

from test_cli_runs import out_of
from test_store_api import sweep_like


@pytest.fixture
def nets(db_url):
    return db_url, {n.run_name: n for n in sweep_like(db_url)}


def test_compare_marks_differing_parameters_and_gives_final_and_best_metrics(nets, capsys):
    url, by_name = nets
    code, out, err = out_of(capsys, "compare", "sgd-2", "adam-4", "--from", url, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["label"] for r in doc["runs"]] == ["sgd-2", "adam-4"]
    assert [r["run_id"] for r in doc["runs"]] == [by_name["sgd-2"]["id"], by_name["adam-4"]["id"]]
    p = doc["params"]
    assert p["optimizer"] == {"sgd-2": "sgd", "adam-4": "adam", "differs": True}
    assert p["units"] == {"sgd-2": 2, "adam-4": 4, "differs": True}
    assert p["batch_size"]["differs"] is False and p["net.depth"]["differs"] is False
    assert p["optimizer.momentum"]["adam-4"] is None and p["optimizer.momentum"]["differs"] is True
    for name in ("sgd-2", "adam-4"):
        h = by_name[name].history.history
        m = doc["metrics"]
        assert m["final_val_loss"][name] == pytest.approx(h["val_loss"][-1])
        assert m["best_val_loss"][name] == pytest.approx(min(h["val_loss"]))
        assert m["best_val_loss_epoch"][name] == 1 + h["val_loss"].index(min(h["val_loss"]))
        assert m["best_accuracy"][name] == pytest.approx(max(h["accuracy"]))
    assert "final_lr" not in doc["metrics"]
    code, out, err = out_of(capsys, "compare", "sgd-2", "adam-4", "sgd-4", "--from", url, "--metric", "val_loss")
    assert code == 0, err
    lines = out.splitlines()
    unit_line = next(ln for ln in lines if ln.split()[:2] == ["*", "units"])
    assert unit_line.split()[2:] == ["2", "4", "4"]
    assert any(ln.split()[:1] == ["batch_size"] for ln in lines)  # the same everywhere: no mark
    assert not any(ln.startswith("final_loss") for ln in lines)  # --metric keeps one metric
    vals = {n: min(by_name[n].history.history["val_loss"]) for n in ("sgd-2", "adam-4", "sgd-4")}
    winner = min(vals, key=vals.get)
    assert any(ln.startswith(f"best val_loss: {winner} (") for ln in lines)


def test_compare_bad_arguments_are_one_line_errors(nets, capsys):
    url, _ = nets
    for argv, words in [(["sgd-2"], "at least two"), (["sgd-2", "sgd-2"], "twice"),
                        (["sgd-2", "adam-4", "--metric", "nope"], "nope"), (["sgd-2", "missing-run"], "missing-run")]:
        code, out, err = out_of(capsys, "compare", *argv, "--from", url)
        assert code in (1, 2) and err.count("\n") == 1 and words in err, (argv, err)


def test_compare_plot_draws_each_runs_curve(nets, capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    url, by_name = nets
    drawn = {}
    real_savefig = Figure.savefig

    def savefig(fig, path, *a, **k):  # what was on the chart when it was written
        drawn.update({ln.get_label(): ln.get_ydata().tolist() for ln in fig.axes[0].lines})
        return real_savefig(fig, path, *a, **k)

    monkeypatch.setattr(Figure, "savefig", savefig)
    png = tmp_path / "curves.png"
    code, out, err = out_of(capsys, "compare", "sgd-2", "adam-4", "--from", url, "--metric", "val_accuracy",
                            "--plot", str(png))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn == {n: pytest.approx(by_name[n].history.history["val_accuracy"]) for n in ("sgd-2", "adam-4")}
    code, _, err = out_of(capsys, "compare", "sgd-2", "adam-4", "--from", url, "--plot",
                          str(tmp_path / "no" / "dir" / "x.png"))
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err


def test_compare_plot_without_matplotlib_is_a_clear_one_line_error(nets, capsys, monkeypatch, tmp_path):
    url, _ = nets
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    code, out, err = out_of(capsys, "compare", "sgd-2", "adam-4", "--from", url, "--plot", str(tmp_path / "c.png"))
    assert code == 2 and err.count("\n") == 1
    assert "needs matplotlib" in err and "neural-net-numpy[plot]" in err
    assert not (tmp_path / "c.png").exists()
