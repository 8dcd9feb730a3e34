"""The dashboard's pages and endpoints through Starlette's TestClient, its error pages, its
read-only access, the `neural-net ui` command and `neural_net.ui.serve`."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette", reason="the dashboard needs the ui extra (pip install -e '.[ui]')")
try:  # Starlette's TestClient needs httpx2 (newer Starlette) or httpx
    import httpx2  # noqa: F401
except ImportError:
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx2 or httpx")

from conftest import trained  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from ui_fixtures import hold_whole_table, store  # noqa: E402,F401 (store: a fixture)

import neural_net.db as db  # noqa: E402
from neural_net.cli import main  # noqa: E402
from neural_net.ui import charts, command, serve  # noqa: E402
from neural_net.ui.app import create_app  # noqa: E402
from neural_net.ui.data import Source  # noqa: E402
from neural_net.ui.readonly import read_only, select_rows  # noqa: E402


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(store[0])) as c:
        yield c


def run_rows(html: str) -> list[str]:
    """The run ids of the whole table's rows (not of a first page sent before it: ``runs-first``)."""
    return re.findall(r'<tr data-run="(\d+)"', re.sub(r'<div id="runs-first">.*?<!-- /runs-first -->', "", html,
                                                       flags=re.S))


def first_page_rows(html: str) -> list[str] | None:
    """The run ids of the first page streamed before the whole table, or None if there is none."""
    m = re.search(r'<div id="runs-first">(.*?)<!-- /runs-first -->', html, flags=re.S)
    return None if m is None else re.findall(r'<tr data-run="(\d+)"', m.group(1))


def digest(directory) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.db"))}


# ----- runs table ------------------------------------------------------------------------------
def test_runs_page_lists_every_run_with_parameters_and_metrics(client, store):
    d, ids = store
    r = client.get("/")
    assert r.status_code == 200
    assert sorted(run_rows(r.text)) == sorted(str(i) for i in ids.values())
    for column in ("final_loss", "best_val_loss", "final_val_accuracy", "param.optimizer", "param.layers"):
        assert f'data-col="{column}"' in r.text
    assert "2-6-1" in r.text  # the architecture as a parameter


def test_runs_page_shows_times_in_local_time_with_the_zone(store, monkeypatch):
    d, ids = store
    started = db.runs(str(d)).set_index("run_id").loc[ids["sgd-s0"], "started_at"]
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30, no daylight saving
    time.tzset()
    try:
        with TestClient(create_app(d)) as c:
            html = c.get("/").text
    finally:
        monkeypatch.undo()
        time.tzset()
    utc = pd.Timestamp(started)
    utc = utc.tz_localize("UTC") if utc.tzinfo is None else utc.tz_convert("UTC")
    local = (utc + pd.Timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{local} IST" in html
    assert utc.strftime("%Y-%m-%d %H:%M:%S") + "<" not in html  # not the UTC time without its zone


def test_runs_filter_sort_and_pages(client, store):
    d, ids = store
    listed = db.list_runs(d).set_index("run_id")
    assert run_rows(client.get("/?where=optimizer=sgd").text) == [str(ids["sgd-s0"])]
    assert run_rows(client.get("/?where=seed=1").text) == [str(ids["adam-s1"])]
    assert sorted(run_rows(client.get("/?q=ADAM").text)) == sorted([str(ids["adam-s0"]), str(ids["adam-s1"])])
    assert run_rows(client.get("/?status=failed").text) == []
    by_loss = [str(i) for i in listed["final_loss"].sort_values().index]
    assert run_rows(client.get("/?sort=final_loss").text) == by_loss
    assert run_rows(client.get("/?sort=-final_loss").text) == by_loss[::-1]
    assert run_rows(client.get("/?sort=name").text) == [str(ids[n]) for n in sorted(ids)]
    pages = [run_rows(client.get(f"/?sort=name&per=2&page={p}").text) for p in (1, 2)]
    assert pages == [[str(ids["adam-s0"]), str(ids["adam-s1"])], [str(ids["sgd-s0"])]]
    assert "Page 2 of 2" in client.get("/?per=2&page=2").text


@pytest.mark.parametrize("query, words", [("?where=nonsense", "key=value"), ("?where=nope=1", "unknown column"),
                                          ("?sort=nope", "unknown column"), ("?status=lost", "status must be"),
                                          ("?page=9", "page must be between"), ("?per=x", "per must be an integer")])
def test_runs_page_bad_query_is_a_400_page(client, query, words):
    r = client.get("/" + query)
    assert r.status_code == 400 and words in r.text and "Traceback" not in r.text


def test_runs_csv_has_the_filtered_rows_with_their_values(client, store):
    d, ids = store
    r = client.get("/runs.csv?where=optimizer=adam&sort=name")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["name"] for row in rows] == ["adam-s0", "adam-s1"]
    listed = db.list_runs(d).set_index("run_id")
    for row in rows:
        assert float(row["final_loss"]) == pytest.approx(listed.loc[int(row["run_id"]), "final_loss"], rel=1e-12)
        assert row["param.optimizer"] == "adam" and row["param.batch_size"] == "16"
    history = db.history(d, ids["adam-s0"])
    assert float(rows[0]["final_val_accuracy"]) == pytest.approx(history["val_accuracy"].iloc[-1])
    assert float(rows[0]["best_accuracy"]) == pytest.approx(history["accuracy"].max())


def test_a_new_run_file_shows_without_restarting(tmp_path):
    trained(str(tmp_path / "a.db"), epochs=2, name="first")
    with TestClient(create_app(tmp_path)) as c:
        assert len(run_rows(c.get("/").text)) == 1
        net = trained(str(tmp_path / "b.db"), epochs=2, name="second")
        assert str(net["id"]) in run_rows(c.get("/").text)
        trained(str(tmp_path / "a.db"), epochs=2, name="third")  # a second run in a known file
        assert len(run_rows(c.get("/").text)) == 3


# ----- one run -----------------------------------------------------------------------------------
def test_run_page_shows_parameters_lineage_architecture_and_sql(client, store):
    d, ids = store
    rid = ids["adam-s0"]
    r = client.get(f"/runs/{rid}")
    assert r.status_code == 200
    assert "Fullyconnected 2 → 6 · 18 params" in r.text and "Fullyconnected 6 → 1 · 7 params" in r.text
    assert "25 parameters" in r.text and "no parent run" in r.text
    assert f"FROM history WHERE Architecture_id = {rid}" in r.text
    assert re.search(r"<th>optimizer</th><td>adam</td>", r.text)
    payload = re.search(r'<script id="payload" type="application/json">(.*?)</script>', r.text, re.S).group(1)
    assert f'"run_id":"{rid}"' in payload


def test_run_page_shows_the_children_of_a_resumed_run(tmp_path):
    parent = trained(str(tmp_path / "p.db"), epochs=3, name="parent")
    child = db.load_model(str(tmp_path / "p.db"), parent["id"], store=str(tmp_path / "c.db"))
    child.fit(np.zeros((4, 3)), np.eye(2)[[0, 1, 0, 1]], epochs=2, verbose=0)
    with TestClient(create_app(tmp_path)) as c:
        page = c.get(f"/runs/{parent['id']}").text
        assert f'href="/runs/{child["id"]}"' in page and "from epoch 3" in page
        assert f'continued from <a href="/runs/{parent["id"]}">' in c.get(f"/runs/{child['id']}").text


def test_curves_endpoint_has_every_stored_epoch(client, store):
    d, ids = store
    rid = ids["adam-s0"]
    history = db.history(d, rid)
    got = client.get(f"/api/runs/{rid}/curves").json()
    assert got["epochs"] == len(history) and not got["downsampled"]
    assert set(got["series"]) == set(history.columns)
    assert got["series"]["val_loss"]["x"] == history.index.tolist()
    np.testing.assert_allclose(got["series"]["val_loss"]["y"], history["val_loss"].to_numpy())
    t = got["series"]["loss"]["t"]
    assert t[0] == 0 and all(b >= a for a, b in zip(t, t[1:]))


def test_weights_endpoint_gives_a_matrix_and_a_change(client, store):
    d, ids = store
    rid = ids["adam-s0"]
    W12, W0 = db.weight_matrices(d, rid, 12)[1], db.weight_matrices(d, rid, 0)[1]
    got = client.get(f"/api/runs/{rid}/weights?layer=1&epoch=12").json()
    np.testing.assert_array_equal(np.array(got["z"]), W12)
    assert got["stats"]["norm"] == pytest.approx(np.linalg.norm(W12))
    change = client.get(f"/api/runs/{rid}/weights?layer=1&epoch=12&base=0").json()
    np.testing.assert_allclose(np.array(change["z"]), W12 - W0)
    assert client.get(f"/api/runs/{rid}/weights?layer=5").status_code == 400
    missing = client.get(f"/api/runs/{rid}/weights?layer=0&epoch=3")
    assert missing.status_code == 404 and "stored epochs: [0, 4, 8, 12]" in missing.json()["error"]


def test_histograms_endpoint_covers_every_snapshot_and_the_page_does_not_wait_for_it(client, store):
    d, ids = store
    rid = ids["adam-s1"]
    page = client.get(f"/runs/{rid}").text
    payload = re.search(r'<script id="payload" type="application/json">(.*?)</script>', page, re.S).group(1)
    import json

    assert "histograms" not in json.loads(payload.replace("<\\/", "</"))  # fetched after the curves are drawn
    hist = client.get(f"/api/runs/{rid}/histograms").json()
    assert [h["epochs"] for h in hist] == [[0, 4, 8, 12]] * 2
    W = db.weight_matrices(d, rid, 8)
    assert [sum(h["counts"][2]) for h in hist] == [w.size for w in W]
    assert client.get("/api/runs/12345/histograms").status_code == 404


# ----- compare and live ---------------------------------------------------------------------------
def test_compare_page_groups_and_differences(client, store):
    d, ids = store
    runs = "&".join(f"run={ids[n]}" for n in ("adam-s0", "adam-s1", "sgd-s0"))
    r = client.get(f"/compare?{runs}&metric=loss&group=optimizer")
    assert r.status_code == 200
    payload = re.search(r'<script id="payload" type="application/json">(.*?)</script>', r.text, re.S).group(1)
    import json

    got = json.loads(payload)
    adam = next(g for g in got["groups"] if g["group"] == "adam")
    h0, h1 = db.history(d, ids["adam-s0"])["loss"], db.history(d, ids["adam-s1"])["loss"]
    assert adam["runs"] == 2
    np.testing.assert_allclose(adam["mean"], (h0 + h1).to_numpy() / 2)
    np.testing.assert_allclose(adam["std"], np.abs(h0 - h1).to_numpy() / 2)
    assert re.search(r'<tr class="differs"><th>optimizer</th>', r.text)
    assert re.search(r'<tr class=""><th>seed</th>', r.text) is None  # seeds differ across these three
    assert [len(run["curves"]["series"]["loss"]["x"]) for run in got["runs"]] == [12, 12, 9]


@pytest.mark.parametrize("query, status", [("", 400), ("?run=abc", 400), ("?run=1", 404),
                                           ("?run={a}&metric=nope", 400), ("?run={a}&group=nope", 400)])
def test_compare_bad_selection(client, store, query, status):
    r = client.get("/compare" + query.format(a=store[1]["adam-s0"]))
    assert r.status_code == status and "Traceback" not in r.text


def test_live_page_and_poll_endpoint(client, store):
    d, ids = store
    rid = ids["sgd-s0"]
    assert client.get(f"/live/{rid}").status_code == 200
    history = db.history(d, rid)
    got = client.get(f"/api/runs/{rid}/poll?after=6").json()
    assert got["status"] == "finished" and got["epochs"] == 9 and got["last"] == 9
    assert got["series"]["val_loss"]["x"] == [7, 8, 9]
    np.testing.assert_allclose(got["series"]["accuracy"]["y"], history["accuracy"].loc[7:].to_numpy())
    assert client.get(f"/api/runs/{rid}/poll?after=9").json()["series"] == {}


def test_poll_sees_epochs_committed_after_the_page_opened(tmp_path):
    net = trained(str(tmp_path / "grow.db"), epochs=2)
    with TestClient(create_app(tmp_path)) as c:
        assert c.get(f"/api/runs/{net['id']}/poll?after=0").json()["last"] == 2
        X = np.random.default_rng(0).normal(size=(40, 3))
        net.fit(X, np.eye(2)[(X[:, 0] > 0).astype(int)], epochs=3, batch_size=10, verbose=0)
        got = c.get(f"/api/runs/{net['id']}/poll?after=2").json()
        assert got["series"]["loss"]["x"] == [3, 4, 5] and got["epochs"] == 5


# ----- errors ----------------------------------------------------------------------------------------
def test_missing_run_and_page_are_404_pages(client):
    for url in ("/runs/12345", "/live/12345", "/nowhere"):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Traceback" not in r.text
    assert "no run 12345 in" in client.get("/runs/12345").text
    assert client.get("/api/runs/12345/curves").json()["error"].startswith("no run 12345")


def test_unreadable_files_are_listed_and_the_others_shown(tmp_path):
    net = trained(str(tmp_path / "good.db"), epochs=2)
    (tmp_path / "junk.db").write_text("not a database")
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.commit()
    with TestClient(create_app(tmp_path)) as c:
        r = c.get("/")
    assert r.status_code == 200 and run_rows(r.text) == [str(net["id"])]
    skipped = re.search(r'<div class="warning" id="skipped">(.*?)</div>', r.text, re.S).group(1)
    assert "2 files could not be read" in skipped
    assert f"{tmp_path / 'junk.db'}</code>: " in skipped and "not a SQLite database" in skipped
    assert f"{tmp_path / 'other.db'}</code>: " in skipped


def test_old_schema_is_a_page_naming_the_upgrade_command(tmp_path):
    old = tmp_path / "old.db"
    db.upgrade(str(old), revision="0001")
    with TestClient(create_app(old)) as c:
        r = c.get("/")
    assert r.status_code == 409 and "Traceback" not in r.text
    assert re.search(r'<pre id="error-command">neural-net db upgrade [^<]*old.db</pre>', r.text)
    trained(str(tmp_path / "new.db"), epochs=1)
    with TestClient(create_app(tmp_path)) as c:
        r = c.get("/")
    assert r.status_code == 200 and len(run_rows(r.text)) == 1
    assert "neural-net db upgrade" in re.search(r'id="skipped">(.*?)</div>', r.text, re.S).group(1)


def test_missing_source_and_internal_errors_are_pages(tmp_path, monkeypatch):
    with TestClient(create_app(tmp_path / "nothing-here")) as c:
        r = c.get("/")
    assert r.status_code == 404 and "no database file or run directory" in r.text
    net = trained(str(tmp_path / "x.db"), epochs=1)

    def broken(self, run_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Source, "history", broken)
    with TestClient(create_app(tmp_path), raise_server_exceptions=False) as c:
        r = c.get(f"/runs/{net['id']}")
    assert r.status_code == 500 and "RuntimeError: disk on fire" in r.text and "Traceback" not in r.text


# ----- read-only ---------------------------------------------------------------------------------------
def test_browsing_changes_no_file_and_connections_cannot_write(client, store):
    d, ids = store
    db.dispose()  # forget the engines that wrote these files: the dashboard makes its own, read-only
    before = digest(d)
    for url in ["/", "/runs.csv", f"/compare?run={ids['adam-s0']}&run={ids['sgd-s0']}&group=optimizer"] + \
               [f"/runs/{i}" for i in ids.values()] + [f"/api/runs/{i}/poll?after=0" for i in ids.values()]:
        assert client.get(url).status_code == 200
    assert digest(d) == before
    url = "sqlite:///" + str(d / "adam-s0.db")
    assert url not in db.ENGINES  # each read's engine is disposed
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        select_rows(url, "DELETE FROM Architecture")
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with read_only(url), pytest.raises(OperationalError, match="readonly"):
        with db.ENGINES[url].begin() as c:
            c.execute(text("DELETE FROM Architecture"))
    assert len(db.list_runs(url)) == 1


def files_of(directory) -> dict[str, str]:
    """Every file of the directory (``-wal``, ``-shm`` too) with a digest of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def browse_everything(directory, ids) -> None:
    with TestClient(create_app(directory)) as c:
        for url in ["/", "/runs.csv"] + [f"/runs/{i}" for i in ids] + \
                   [f"/api/runs/{i}/{what}" for i in ids for what in ("curves", "histograms", "weights", "poll")]:
            assert c.get(url).status_code == 200, url


def test_reading_a_closed_file_leaves_no_wal_or_shm_beside_it(tmp_path):
    net = trained(str(tmp_path / "a.db"), epochs=3)
    db.dispose()
    before = files_of(tmp_path)
    assert list(before) == ["a.db"]  # the store's file in WAL mode, its writer gone
    browse_everything(tmp_path, [net["id"]])
    assert files_of(tmp_path) == before  # no -wal / -shm left (mode=ro would leave both), bytes unchanged


def test_a_wal_left_by_a_killed_writer_is_read_and_never_checkpointed(tmp_path):
    """A writer killed mid-run leaves committed epochs in the -wal only: the dashboard shows
    them and leaves the .db and the -wal byte for byte (a PRAGMA query_only connection would
    checkpoint them into the .db and delete the -wal when it closes)."""
    src = tmp_path / "src"
    src.mkdir()
    net = trained(str(src / "a.db"), epochs=2)
    db.dispose()
    w = sqlite3.connect(src / "a.db")  # a writer that commits and is then "killed": copy its files
    w.execute("UPDATE Architecture SET name = 'renamed in the wal'")
    w.commit()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal", "-shm"):
        (crashed / f"a.db{suffix}").write_bytes((src / f"a.db{suffix}").read_bytes())
    w.close()
    before = files_of(crashed)
    assert set(before) == {"a.db", "a.db-wal", "a.db-shm"} and (crashed / "a.db-wal").stat().st_size > 0
    browse_everything(crashed, [net["id"]])
    with TestClient(create_app(crashed)) as c:
        assert "renamed in the wal" in c.get("/").text
    after = files_of(crashed)
    assert set(after) == set(before)
    # the data, byte for byte; the -shm is SQLite's shared-memory index of the -wal, in which
    # every WAL reader (mode=ro too) marks what it reads, rebuilt from the -wal when needed
    assert {k: after[k] for k in ("a.db", "a.db-wal")} == {k: before[k] for k in ("a.db", "a.db-wal")}


def test_the_runs_table_is_what_db_runs_reads_fast_path_or_engines(store, monkeypatch):
    d, ids = store
    import neural_net.db.catalogue_rows as catalogue

    public = db.runs(d).set_index("run_id")
    fast = Source(d).runs().table.set_index("run_id")
    assert sorted(fast.index) == sorted(ids.values()) == sorted(public.index)
    for rid in ids.values():
        row, want = fast.loc[rid], public.loc[rid]
        assert (row["name"], row["status"], row["epochs"]) == (want["name"], want["status"], want["epochs"])
        assert row["final_loss"] == want["loss"] and row["best_val_loss"] == want["best_val_loss"]
        assert row["param.optimizer"] == want["optimizer"] and row["param.layers"] == want["layers"] == "2-6-1"
        assert row["final_val_accuracy"] == want["val_accuracy"]

    # every file through SQLAlchemy (the catalogue's fast path declines them all): the same table,
    # read through the dashboard's read-only engines, every file left as it was
    monkeypatch.setattr(catalogue, "fast_read", lambda *a: None)
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    slow = Source(d).runs().table.set_index("run_id")
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before
    assert sorted(fast.columns) == sorted(slow.columns)
    pd.testing.assert_frame_equal(fast.sort_index()[sorted(slow.columns)], slow.sort_index()[sorted(slow.columns)],
                                  check_dtype=False)


def test_a_run_stored_as_running_whose_process_is_gone_is_interrupted(tmp_path):
    net = trained(str(tmp_path / "a.db"), epochs=2)
    other = trained(str(tmp_path / "b.db"), epochs=2, seed=1)
    db.dispose()
    host = db.run_info(tmp_path / "a.db", net["id"])["hostname"]
    for name, pid in (("a.db", 4194000), ("b.db", os.getpid())):  # a dead process; this one, alive
        con = sqlite3.connect(tmp_path / name)
        con.execute("UPDATE Architecture SET status = 'running', pid = ?, hostname = ?, process_token = NULL",
                    (pid, host))
        con.commit()
        con.close()
    db.dispose()
    table = Source(tmp_path).runs().table.set_index("run_id")["status"]
    expected = db.list_runs(tmp_path).set_index("run_id")["status"]
    assert table.to_dict() == expected.to_dict() == {net["id"]: "interrupted", other["id"]: "running"}


def test_pages_are_gzipped_and_static_files_cached_for_a_year_under_a_versioned_url(client, store):
    from neural_net.ui.app import STATIC_TOKEN

    d, ids = store
    page = client.get(f"/runs/{ids['adam-s0']}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    scripts = re.findall(r'<script defer src="(/static/[^"]+)"', page.text)
    assert scripts == [f"/static/plotly-cartesian.min.js?v={STATIC_TOKEN}", f"/static/dashboard.js?v={STATIC_TOKEN}"]
    js = client.get(scripts[0], headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip"
    assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert js.num_bytes_downloaded < 0.5 * len(js.content)  # what came over the wire: compressed
    assert client.get("/static/dashboard.js?v=old").headers["cache-control"] == "no-cache"
    assert client.get(f"/api/runs/{ids['adam-s0']}/curves?full=1",
                      headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == "gzip"


def test_the_dashboard_reads_a_database_server_or_file(db_url):
    net = trained(db_url, epochs=4, name="served")
    db.dispose(db_url)  # the writer's engine: without it the dashboard makes its own, read-only
    with TestClient(create_app(db_url)) as c:
        assert run_rows(c.get("/").text) == [str(net["id"])]
        assert c.get(f"/runs/{net['id']}").status_code == 200
        assert c.get(f"/api/runs/{net['id']}/poll?after=2").json()["series"]["loss"]["x"] == [3, 4]
        other = trained(db_url, epochs=1, name="later")  # the cached table is read again: it changed
        db.dispose(db_url)
        assert sorted(run_rows(c.get("/").text)) == sorted([str(net["id"]), str(other["id"])])
        db.set_tag(db_url, other["id"], "kind", "late")
        db.dispose(db_url)
        assert run_rows(c.get("/?tag=kind:late").text) == [str(other["id"])]
    assert db_url not in db.ENGINES
    if db_url.startswith("postgresql"):
        from sqlalchemy import text
        from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError

        with read_only(db_url), pytest.raises((InternalError, OperationalError, ProgrammingError),
                                              match="read-only"):
            with db.ENGINES[db_url].begin() as c:
                c.execute(text("DELETE FROM cost"))


# ----- charts -------------------------------------------------------------------------------------------
def test_long_curves_are_downsampled_keeping_extremes_and_full_on_request():
    n = 10_000
    y = np.sin(np.arange(n) / 300.0)
    y[7777] = 5.0
    y[1234] = np.nan
    h = pd.DataFrame({"loss": y}, index=pd.Index(np.arange(1, n + 1), name="epoch"))
    got = charts.curves(h, max_points=1000)
    s = got["series"]["loss"]
    assert got["downsampled"] and len(s["x"]) <= 1002
    assert 7778 in s["x"] and s["y"][s["x"].index(7778)] == 5.0
    assert s["x"][0] == 1 and s["x"][-1] == n
    assert max(v for v in s["y"] if v is not None) == 5.0
    full = charts.curves(h, full=True)["series"]["loss"]
    assert len(full["x"]) == n and full["y"][1234] is None


def test_downsample_rejects_bad_sizes():
    with pytest.raises(ValueError, match="max_points must be an integer >= 4, got 2"):
        charts.downsample(np.zeros(10), 2)


def test_matrix_view_averages_blocks_of_a_large_matrix():
    W = np.arange(500 * 30, dtype=np.float32).reshape(500, 30)
    v = charts.matrix_view(W, max_side=100)
    assert v["block"] == [5, 1] and np.array(v["z"]).shape == (100, 30)
    np.testing.assert_allclose(v["z"][0], W[:5].mean(axis=0))
    assert v["stats"]["max"] == W.max()


# ----- command line and serve -----------------------------------------------------------------------------
def test_cli_without_the_extra_says_which_to_install(monkeypatch, capsys):
    monkeypatch.setattr(command, "missing", lambda: ["starlette"])
    assert main(["ui", "run/"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["neural-net: the dashboard needs the ui extra (starlette missing): "
                   "python -m pip install 'neural-net-numpy[ui]'"]


def test_cli_refuses_a_missing_source(tmp_path, capsys):
    assert main(["ui", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.strip() == f"neural-net: no database file or run directory at {tmp_path / 'nowhere'}"


def test_cli_serves_on_127_0_0_1_and_stops_on_ctrl_c(store):
    d, ids = store
    proc = subprocess.Popen([sys.executable, "-m", "neural_net", "ui", str(d), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"on (http://127\.0\.0\.1:\d+/)", line).group(1)
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and str(ids["adam-s0"]).encode() in r.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_serve_in_a_thread_and_a_busy_port(store):
    dash = serve(store[0], port=0, block=False)
    try:
        assert dash.url.startswith("http://127.0.0.1:")
        port = int(dash.url.rsplit(":", 1)[1].strip("/"))
        with urllib.request.urlopen(dash.url + "static/plotly.min.js", timeout=10) as r:
            assert r.read(40).startswith(b"/**\n* plotly.js")
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(store[0], port=port, block=False)
    finally:
        dash.stop()
    assert not dash.running
    with socket.socket() as s:  # the port is free again
        s.bind(("127.0.0.1", port))


def test_source_must_be_a_path_or_url():
    with pytest.raises(TypeError, match="source must be a run directory, a .db path or a database URL, got 3"):
        Source(3)


def test_no_page_refers_outside_the_server(client, store):
    d, ids = store
    for url in ["/", f"/runs/{ids['adam-s0']}", f"/compare?run={ids['adam-s0']}", f"/live/{ids['adam-s0']}"]:
        html = client.get(url).text
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert refs and all(r.startswith(("/", "?", "data:")) or r == "" for r in refs), refs
    assert os.path.getsize(os.path.join(os.path.dirname(charts.__file__), "static", "PLOTLY-LICENSE.txt")) > 500


# ----- tags ----------------------------------------------------------------------------------------
def test_runs_page_has_a_tags_column_and_filters_by_tag(tmp_path):
    a = trained(str(tmp_path / "a.db"), epochs=2, name="a")
    b = trained(str(tmp_path / "b.db"), epochs=2, name="b", seed=1)
    c_ = trained(str(tmp_path / "c.db"), epochs=2, name="c", seed=2)
    db.set_tag(str(tmp_path / "a.db"), a["id"], "dataset", "iris")
    db.set_tag(str(tmp_path / "a.db"), a["id"], "best", "yes")
    db.set_tag(str(tmp_path / "b.db"), b["id"], "dataset", "digits")
    db.set_note(str(tmp_path / "a.db"), a["id"], "the one to beat")
    db.dispose()
    with TestClient(create_app(tmp_path)) as c:
        page = c.get("/").text
        assert 'href="/?tag=dataset%3Airis">dataset=iris</a>' in page and 'data-col="tags"' in page
        assert run_rows(c.get("/?tag=dataset:iris").text) == [str(a["id"])]
        assert run_rows(c.get("/?tag=dataset=digits").text) == [str(b["id"])]
        assert sorted(run_rows(c.get("/?tag=dataset").text)) == sorted([str(a["id"]), str(b["id"])])
        assert run_rows(c.get("/?tag=dataset:iris&tag=best:yes").text) == [str(a["id"])]
        assert run_rows(c.get("/?tag=dataset:iris&tag=best:no").text) == []
        assert run_rows(c.get("/?tag=nobody").text) == []
        assert run_rows(c.get("/?where=dataset=digits").text) == [str(b["id"])]  # a tag as a where key
        assert run_rows(c.get("/?q=digits").text) == [str(b["id"])]
        assert c.get("/?tag=:x").status_code == 400
        assert run_rows(c.get("/?sort=tags").text)[-1] == str(c_["id"])  # untagged last
        rows = list(csv.DictReader(io.StringIO(c.get("/runs.csv?tag=dataset").text)))
        assert {r["run_id"]: r["tags"] for r in rows} == {str(a["id"]): "best=yes, dataset=iris",
                                                          str(b["id"]): "dataset=digits"}
        run = c.get(f"/runs/{a['id']}").text
        assert re.search(r'id="tags"><tr><th>best</th><td>yes</td></tr><tr><th>dataset</th><td>iris</td>', run)
        assert '<p class="note">the one to beat</p>' in run
        # a tag set while the dashboard runs shows on the next request (the file changed)
        db.set_tag(str(tmp_path / "c.db"), c_["id"], "dataset", "iris")
        db.dispose()
        assert sorted(run_rows(c.get("/?tag=dataset:iris").text)) == sorted([str(a["id"]), str(c_["id"])])


def test_a_slow_runs_table_is_streamed_after_the_head_of_the_page(tmp_path, monkeypatch):
    import threading
    import time

    from neural_net.ui import runs_page

    net = trained(str(tmp_path / "a.db"), epochs=2, name="slow")
    db.dispose()
    release = hold_whole_table(monkeypatch)
    with TestClient(create_app(tmp_path)) as c:
        with c.stream("GET", "/") as r:
            chunks = r.iter_text()
            head = next(chunks)  # sent while the table is still being read
            assert r.status_code == 200 and head.rstrip().endswith("<main>") and "<title>Runs" in head
            release.set()
            rest = "".join(chunks)
        assert run_rows(rest) == [str(net["id"])] and rest.rstrip().endswith("</html>")
        release.clear()
        threading.Timer(0.2, release.set).start()
        bad = c.get("/?sort=nope")  # the page has begun: the error is in it
        assert bad.status_code == 200 and "unknown column &#x27;nope&#x27;" in bad.text and "Traceback" not in bad.text


def test_a_servers_first_page_is_sent_before_the_whole_table_and_sorting_uses_every_run(db_url, monkeypatch):
    import threading

    from neural_net.ui import runs_page

    nets = [trained(db_url, epochs=e, seed=e, name=f"r{e}") for e in (3, 1, 4, 2, 5)]
    db.dispose(db_url)
    oldest_first = [str(n["id"]) for n in nets]  # made one after another
    expected = db.runs(db_url)
    assert [str(i) for i in expected.run_id] == oldest_first
    release = hold_whole_table(monkeypatch)
    server = "://" in db_url and not db_url.startswith("sqlite")
    with TestClient(create_app(db_url)) as c:
        if server:  # a database server: streamed, its first page read alone and sent first
            with c.stream("GET", "/?per=2") as r:
                chunks = r.iter_text()
                head = next(chunks)
                first = next(chunks)  # sent while the whole table is still being read
                assert head.rstrip().endswith("<main>")
                assert first_page_rows(first) == oldest_first[:2]
                assert "2 of 5 in" not in first and "5 of 5 in" in first and "Page 1 of 3" in first
                assert 'data-col="param.optimizer"' in first and 'id="reading"' in first
                release.set()
                rest = "".join(chunks)
            assert rest.startswith('<script>document.getElementById("runs-first").remove()</script>')
            assert run_rows(rest) == oldest_first[:2] and 'id="reading"' not in rest
        else:  # one SQLite file: read whole at once, no first page
            release.set()
            page = c.get("/?per=2").text
            assert first_page_rows(page) is None and run_rows(page) == oldest_first[:2]
        release.set()
        # sorting, later pages and filters: over every run, never the first page alone
        by_loss = [str(i) for i in expected.sort_values("final_loss").run_id]
        for page in (1, 2, 3):
            html = c.get(f"/?per=2&sort=final_loss&page={page}").text
            assert first_page_rows(html) is None and run_rows(html) == by_loss[2 * page - 2: 2 * page]
        assert run_rows(c.get("/?per=2&page=3").text) == oldest_first[4:]
        rows = list(csv.DictReader(io.StringIO(c.get("/runs.csv?sort=-final_loss").text)))
        assert [r["run_id"] for r in rows] == by_loss[::-1]


def test_runs_limit_reads_the_first_runs_of_the_catalogue(db_url):
    nets = [trained(db_url, epochs=2, seed=s, name=f"n{s}") for s in range(3)]
    db.dispose(db_url)
    got = db.runs(db_url, limit=2)
    assert got.run_id.tolist() == [n["id"] for n in nets[:2]]
    assert got.columns.tolist() == db.runs(db_url).columns.tolist()
    assert db.runs(db_url, limit=0).empty and len(db.runs(db_url, limit=10)) == 3
    with pytest.raises(ValueError, match="limit must be a non-negative integer, got -1"):
        db.runs(db_url, limit=-1)
    with pytest.raises(ValueError, match="without where and order_by"):
        db.runs(db_url, limit=1, order_by="loss")


def test_a_servers_first_page_is_read_again_once_older_than_first_fresh(db_url, monkeypatch):
    from neural_net.ui import data

    nets = [trained(db_url, epochs=2, seed=s, name=f"f{s}") for s in range(2)]
    db.dispose(db_url)
    src = Source(db_url)
    if db_url.startswith("sqlite"):  # a file has no first page of its own: it is read whole
        assert src.first_runs(1) is None
        return
    runs, count = src.first_runs(1)
    assert runs.table.run_id.tolist() == [nets[0]["id"]] and count == 2
    trained(db_url, epochs=2, seed=5, name="later")
    db.dispose(db_url)
    assert src.first_runs(1)[1] == 2  # the start-up's read, used again while fresh
    monkeypatch.setattr(data, "FIRST_FRESH", 0.0)
    runs, count = src.first_runs(1)
    assert runs.table.run_id.tolist() == [nets[0]["id"]] and count == 3


def test_a_sweep_parameter_named_lr_is_a_parameter_column_and_groups_the_compare_page(tmp_path):
    """A grid value named ``lr`` (as the learning-rate metric is) stays a parameter of the runs
    table (``db.runs`` names its columns' kinds in ``attrs``), so the compare page groups by it."""
    from neural_net.architecture import Sequential
    from neural_net.layers import Dense
    from neural_net.optimizers import SGD
    from neural_net.sweep import sweep

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)); y = (X[:, :1] > 0).astype(float)

    def build(lr, seed):
        net = Sequential([Dense(3, activation="relu", input_dim=2), Dense(1, activation="sigmoid")], "bce", seed=seed)
        return net.compile(SGD(lr=lr))

    path = str(tmp_path / "grid.db")
    sweep(build, {"lr": [0.1, 0.2], "seed": [0, 1]}, X, y, epochs=2, batch_size=8, store=path, name="g", vectorize=True)
    table = Source(path).runs().table
    assert sorted(table["param.lr"]) == [0.1, 0.1, 0.2, 0.2] and set(table["param.seed"]) == {0, 1}
    assert db.runs(path).attrs["parameters"][:1] == ["layers"] and "lr" in db.runs(path).attrs["parameters"]
    ids = "&".join(f"run={r}" for r in table["run_id"])
    with TestClient(create_app(path)) as c:
        page = c.get(f"/compare?metric=loss&group=lr&{ids}")
    assert page.status_code == 200, page.text[:500]


def test_a_run_file_whose_name_holds_url_characters_is_listed_and_opened(tmp_path):
    """The dashboard names a directory's files by the store's own URLs (``?`` and ``%``
    escaped): a file called ``odd?name%20.db`` is a run like the others, not "no database
    file at .../odd"."""
    odd = trained(str(tmp_path / "odd?name%20.db"), epochs=2)
    plain = trained(str(tmp_path / "plain.db"), epochs=2, seed=1)
    db.dispose()
    runs = Source(tmp_path).runs()
    assert runs.skipped == {} and sorted(runs.table["run_id"]) == sorted([odd["id"], plain["id"]])
    with TestClient(create_app(str(tmp_path))) as c:
        page = c.get(f"/runs/{odd['id']}")
    assert page.status_code == 200 and sorted(p.name for p in tmp_path.iterdir()) == ["odd?name%20.db", "plain.db"]
