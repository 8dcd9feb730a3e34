"""Speed and memory of the dashboard (not a test): ``neural-net ui`` over a run directory of
1,000 run files and a run of 10,000 epochs with 20 snapshots. Prints a table.

Setup: the 1,000 files of ``bench_catalogue.make_run_dir`` (four real runs copied with new
ids; + two unusable files the runs page must list), and one run trained by the library for
``--epochs`` epochs with a snapshot every ``epochs / 20``.

Timed, against a real server (``python -m neural_net ui DIR --port 0`` in its own process):

* start-up: process start to the URL printed (imports + the runs table read once);
* the runs page (``/``, 50 rows of 1,000): time to first byte and to the full page, first
  request and median; also the first request of a cold in-process app (no start-up read);
* the run page of the long run: first byte and full page (curves downsampled on the server
  to ≈ 2,000 points each); ``/api/runs/ID/histograms`` (a histogram per layer per snapshot,
  fetched by the page after its curves are drawn); ``/api/runs/ID/curves?full=1`` (every
  epoch); the bytes of the page, of that JSON and of plotly.js as sent with and without gzip;
* the cold read of the runs table (every file, in process): one read-only connection per
  file (what the dashboard does) against the public ``list_runs`` of the directory plus one
  connection per file for the parameters and final metrics (what it did before);
* with Chromium (``/usr/bin/chromium``, Playwright; the first visit has an empty cache, the
  later ones the browser's cache): the runs table usable (``load``); the long run's curves
  drawn (its loss chart present) and everything drawn (+ the histograms and the heat map),
  from navigation start;
* memory: the server's resident set size (``VmRSS``) after start-up, then every 100 run
  pages while all 1,000 runs' pages are opened one after another.

Targets (issue 12): runs page first byte ≤ 0.5 s, usable ≤ 2 s; long run drawn ≤ 2 s;
memory flat while browsing.

The load average is printed before and after: on a shared machine, say so with the figures.

``--runs-page-only``: the runs page of a server just started (its runs table not read yet)
over ``--files`` run files and over a PostgreSQL database of ``--pg-runs`` runs × ``--pg-epochs``
epochs (rows bulk-copied on the server; ``$NEURAL_NET_TEST_DATABASE_URL``): start-up to URL,
first byte and whole page of the first request, later requests, and Chromium's time from
navigation to the table's rows.

Run: ``PYTHONPATH=. python benchmarks/bench_ui.py [--files 1000] [--epochs 10000] [--repeat 5]``
or ``PYTHONPATH=. python benchmarks/bench_ui.py --runs-page-only [--files 1000] [--pg-runs 10000]``
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

import neural_net.db as db  # noqa: E402
from bench_catalogue import make_run_dir  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.layers import Dense  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def long_run(directory: Path, epochs: int) -> int:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    net = Sequential([Dense(16, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                     store={"path": str(directory / "long.db"), "checkpoint_every": max(1, epochs // 20)}, seed=0,
                     name="long")
    net.compile("adam", metrics=["accuracy"])
    net.fit(X, y, epochs=epochs, batch_size=8, validation_data=(X, y), verbose=0)
    db.dispose()
    return net["id"]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[float, float, int, bytes]:
    """(seconds to the first byte, to the whole body, status, body as sent) of GET path."""
    t = time.perf_counter()
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    con.request("GET", path, headers=headers or {})
    r = con.getresponse()
    first = r.read(1)
    t_first = time.perf_counter() - t
    body = first + r.read()
    t_all = time.perf_counter() - t
    con.close()
    return t_first, t_all, r.status, body


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser_times(url: str, long_id: int, repeat: int) -> list[tuple[str, float, float]]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [("browser: skipped (playwright not installed)", float("nan"), float("nan"))]
    if not Path(CHROMIUM).exists():
        return [(f"browser: skipped (no {CHROMIUM})", float("nan"), float("nan"))]
    rows = []
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = b.new_page(viewport={"width": 1400, "height": 900})
        runs_ready = "document.querySelectorAll('#runs tbody tr').length"
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            page.goto(url, wait_until="load")
            page.wait_for_function(runs_ready, timeout=60_000)
            times.append(time.perf_counter() - t)
        rows.append(("browser: runs table usable (load event)", times[0], statistics.median(times)))
        curves, everything = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            page.goto(f"{url}runs/{long_id}", wait_until="commit")
            page.wait_for_function("window.dashboard && window.dashboard.charts.loss", timeout=60_000, polling=10)
            curves.append(time.perf_counter() - t)
            page.wait_for_function("window.dashboard.heatmap && document.getElementById('hist-1') && "
                                   "document.getElementById('hist-1').data", timeout=60_000, polling=10)
            everything.append(time.perf_counter() - t)
        rows.append((f"browser: long run's curves drawn ({long_id})", curves[0], statistics.median(curves)))
        rows.append(("browser: ... and its histograms and heat map drawn", everything[0],
                     statistics.median(everything)))
        b.close()
    return rows


def cold_reads(directory: Path) -> list[tuple[str, float, float]]:
    """Seconds to read the runs table of every file of ``directory`` once (a new
    :class:`~neural_net.ui.data.Source` each time: no file known yet), through ``db.runs``."""
    from neural_net.ui import data

    times = []
    for _ in range(3):
        db.dispose()
        t = time.perf_counter()
        data.Source(directory).runs()
        times.append(time.perf_counter() - t)
    return [("runs table, cold read of every file (db.runs: one read-only connection per file)", times[0],
             statistics.median(times))]


def start_server(source: str) -> tuple[subprocess.Popen, float, int]:
    """``python -m neural_net ui SOURCE --port 0`` in its own process: (process, seconds from its
    start to the URL printed, port)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "neural_net", "ui", source, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    startup = time.perf_counter() - t
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise RuntimeError(line + proc.stderr.read())
    return proc, startup, int(m.group(1))


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(2)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def cold_runs_page(source: str, label: str, expected_rows: int, browser: bool) -> list[tuple[str, float, float]]:
    """The runs page of a server just started on ``source`` (its runs table not read yet): the
    first request's first byte and whole page, from the moment the URL is printed; and, with a
    new server, Chromium's time from navigation to the table's rows present (usable)."""
    rows = []
    proc, startup, port = start_server(source)
    try:
        first, whole, status, body = get(port, "/")
        # the whole table's rows (a first page read on its own, ``runs-first``, precedes them when streamed)
        whole_table = re.sub(rb'<div id="runs-first">.*?<!-- /runs-first -->', b"", body, flags=re.S)
        assert status == 200 and whole_table.count(b'<tr data-run="') == min(50, expected_rows), body[-500:]
        again = statistics.median(get(port, "/")[1] for _ in range(3))
    finally:
        stop_server(proc)
    rows += [(f"{label}: server start-up to URL", startup, float("nan")),
             (f"{label}: runs page, first request: first byte", first, float("nan")),
             (f"{label}: runs page, first request: whole page", whole, float("nan")),
             (f"{label}: runs page, later requests: whole page (median of 3)", again, float("nan"))]
    if not browser:
        return rows
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return rows + [(f"{label}: browser skipped (playwright not installed)", float("nan"), float("nan"))]
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = b.new_page(viewport={"width": 1400, "height": 900})
        proc, _, port = start_server(source)
        try:
            t = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
            page.wait_for_function("document.querySelectorAll('#runs tbody tr').length > 0", timeout=120_000,
                                   polling=10)
            usable = time.perf_counter() - t
        finally:
            stop_server(proc)
            b.close()
    return rows + [(f"{label}: browser, cold server: navigation to the table's rows", usable, float("nan"))]


def postgres_source(url: str, n_runs: int, epochs: int) -> tuple[str, Any]:
    """A database made for the purpose on the server of ``url`` holding ``n_runs`` runs of
    ``epochs`` epochs (one run trained by the library, its rows copied on the server by
    ``bench_catalogue._copy_runs``); returns its URL and a function that drops it."""
    import psycopg
    from bench_catalogue import _copy_runs, _server_url

    name = f"nn_bench_ui_{os.getpid()}"
    admin = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    target = _server_url(url, name)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 4))
    y = np.eye(3)[rng.integers(0, 3, 40)]
    net = Sequential([Dense(4, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                     store=target, seed=0, name="template")
    net.compile("adam", metrics=["accuracy"])
    net.fit(X, y, epochs=epochs, batch_size=20, validation_split=0.25, verbose=0)
    db.dispose()
    with psycopg.connect(_server_url(admin, name), autocommit=True) as c:
        _copy_runs(c, n_runs)
        c.execute("VACUUM ANALYZE")

    def drop() -> None:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return target, drop


def runs_page_only(args: argparse.Namespace) -> None:
    """``--runs-page-only``: the cold runs page over ``--files`` run files and over a PostgreSQL
    database of ``--pg-runs`` runs (targets: first byte ≤ 0.5 s, usable ≤ 2 s)."""
    load_before = load_average()
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "run"
        directory.mkdir()
        make_run_dir(directory, args.files)
        rows += cold_runs_page(str(directory), f"{args.files} run files", args.files + 1, not args.no_browser)
    url = os.environ.get("NEURAL_NET_TEST_DATABASE_URL", "")
    if args.pg_runs and url.startswith("postgresql"):
        t = time.perf_counter()
        target, drop = postgres_source(url, args.pg_runs, args.pg_epochs)
        print(f"PostgreSQL: {args.pg_runs} runs x {args.pg_epochs} epochs made in {time.perf_counter() - t:.1f} s")
        try:
            rows += cold_runs_page(target, f"PostgreSQL, {args.pg_runs} runs", args.pg_runs, not args.no_browser)
        finally:
            drop()
    elif args.pg_runs:
        print("PostgreSQL part skipped: NEURAL_NET_TEST_DATABASE_URL is not a postgresql URL")
    print(f"runs page, cold — {date.today()}, {os.cpu_count()} CPUs; load average {load_before} at the start, "
          f"{load_average()} at the end")
    width = max(len(r[0]) for r in rows)
    print(f"{'seconds':{width}}  {'first':>8}")
    for name, first, _ in rows:
        print(f"{name:{width}}  {first:8.3f}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--browse", type=int, default=None, help="run pages opened for the memory series (default: all)")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    ap.add_argument("--runs-page-only", action="store_true",
                    help="only the cold runs page: --files run files and a PostgreSQL database of --pg-runs runs")
    ap.add_argument("--pg-runs", type=int, default=10_000, help="runs in the PostgreSQL database (0: none; "
                    "the server of $NEURAL_NET_TEST_DATABASE_URL)")
    ap.add_argument("--pg-epochs", type=int, default=100)
    args = ap.parse_args()
    if args.runs_page_only:
        runs_page_only(args)
        return

    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "run"
        directory.mkdir()
        t = time.perf_counter()
        make_run_dir(directory, args.files)
        long_id = long_run(directory, args.epochs)
        setup = time.perf_counter() - t
        n_snapshots = len(db.snapshots(str(directory / "long.db"), long_id))

        # a cold in-process app: the first request reads every file
        from starlette.testclient import TestClient

        from neural_net.ui.app import create_app

        with TestClient(create_app(directory)) as c:
            t = time.perf_counter()
            assert c.get("/").status_code == 200
            cold = time.perf_counter() - t

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "neural_net", "ui", str(directory), "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        rows: list[tuple[str, float, float]] = []
        memory: list[tuple[int, float]] = []
        try:
            line = proc.stdout.readline()
            startup = time.perf_counter() - t
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            assert m, line + proc.stderr.read()
            port = int(m.group(1))
            url = f"http://127.0.0.1:{port}/"
            memory.append((0, rss_mb(proc.pid)))
            rows.append(("server start-up to URL (reads the runs table once)", startup, float("nan")))
            rows.append(("runs page, cold in-process app: first request", cold, float("nan")))
            rows += cold_reads(directory)
            for label, path in [(f"runs page / ({args.files} runs)", "/"),
                                ("runs page sorted by final_val_loss, last page",
                                 f"/?sort=-final_val_loss&page={-(-(args.files + 1) // 50)}"),
                                (f"run page, {args.epochs} epochs, {n_snapshots} snapshots", f"/runs/{long_id}"),
                                ("its histograms (JSON fetched after the curves)", f"/api/runs/{long_id}/histograms"),
                                ("curves of that run, full (?full=1)", f"/api/runs/{long_id}/curves?full=1")]:
                firsts, alls = [], []
                for _ in range(args.repeat):
                    f, a, status, body = get(port, path)
                    if status == 404 and "histograms" in path:
                        break  # an older dashboard drew the histograms into the page itself
                    assert status == 200, (path, status, body[:300])
                    firsts.append(f)
                    alls.append(a)
                if not firsts:
                    continue
                rows.append((f"{label}: first byte", firsts[0], statistics.median(firsts)))
                rows.append((f"{label}: full page ({len(body) / 1e3:.0f} kB)", alls[0], statistics.median(alls)))
                if path == "/":
                    assert body.count(b'<tr data-run="') == min(50, args.files + 1) and b"2 files could not be read" in body
            sizes = []
            for label, path in [("run page", f"/runs/{long_id}"), ("full curves", f"/api/runs/{long_id}/curves?full=1"),
                                ("plotly-cartesian.min.js", "/static/plotly-cartesian.min.js")]:
                plain = len(get(port, path)[3])
                zipped = len(get(port, path, {"Accept-Encoding": "gzip"})[3])
                sizes.append(f"{label} {plain / 1e3:.0f} kB → {zipped / 1e3:.0f} kB")
            if not args.no_browser:
                rows += browser_times(url, long_id, args.repeat)
            ids = [int(r) for r in db.list_runs(directory, on_skip=lambda p, r: None)["run_id"]]
            ids = ids[: args.browse] if args.browse else ids
            t = time.perf_counter()
            for i, rid in enumerate(ids, 1):
                status = get(port, f"/runs/{rid}")[2]
                assert status == 200, (rid, status)
                if i % 100 == 0 or i == len(ids):
                    memory.append((i, rss_mb(proc.pid)))
            browse = time.perf_counter() - t
            rows.append((f"{len(ids)} run pages one after another (each)", browse / len(ids), float("nan")))
        finally:
            proc.send_signal(2)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    print(f"dashboard over {args.files} run files (+2 unusable) and one run of {args.epochs} epochs / {n_snapshots} "
          f"snapshots — {date.today()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; setup {setup:.1f} s; load average "
          f"(1, 5, 15 min) {load_before} at the start, {load_average()} at the end")
    width = max(len(r[0]) for r in rows)
    print(f"{'seconds':{width}}  {'first':>8}  {'median':>8}")
    for name, first, med in rows:
        print(f"{name:{width}}  {first:8.3f}  {med:8.3f}" if med == med else f"{name:{width}}  {first:8.3f}")
    print("bytes sent, plain → gzip: " + ", ".join(sizes))
    print("server RSS (MB) after N run pages: " + ", ".join(f"{n}: {mb:.0f}" for n, mb in memory))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "memory": memory}, indent=1))


if __name__ == "__main__":
    main()
