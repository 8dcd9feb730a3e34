"""The documentation site: its SQL runs, it builds strictly and offline, and it renders.

* The ten queries of ``docs/sql.md`` (the ```` ```sql ```` blocks after "Ten queries") run
  against a real stored run, on SQLite and — with ``NEURAL_NET_TEST_DATABASE_URL`` — on
  PostgreSQL, and return what the run holds.
* ``mkdocs build --strict`` (once per session, into a temporary directory) succeeds: a
  broken link, a missing reference, a docstring Griffe cannot read or a tutorial cell that
  raises fails it. The build executes the seven tutorials (mkdocs-jupyter, no cache).
* The built HTML, CSS and JavaScript reference nothing outside the site.
* Headless Chromium (Playwright, ``/usr/bin/chromium``) opens the index and a tutorial page
  served from the built site: the tutorial's plots are images in the page, MathJax typeset
  its maths, and no request left the machine.

Skips cleanly when the ``docs`` extra (or Playwright, or Chromium) is missing.
"""
from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import trained

ROOT = pathlib.Path(__file__).resolve().parents[1]
SQL_PAGE = ROOT / "docs" / "sql.md"
CHROMIUM = "/usr/bin/chromium"
EXTERNAL = re.compile(r"googleapis|gstatic|cdnjs|cdn\.jsdelivr|jsdelivr|unpkg|cloudflare|mathjax\.org|polyfill\.io")

pytestmark = pytest.mark.docs


def ten_queries() -> list[str]:
    section = SQL_PAGE.read_text(encoding="utf-8").split("## Ten queries", 1)[1]
    return re.findall(r"```sql\n(.*?)```", section, re.DOTALL)


def test_the_sql_page_has_ten_queries():
    assert len(ten_queries()) == 10


@pytest.fixture
def stored_runs(db_url):
    """A finished run (5 epochs, validation split, initial and final snapshots) and one never trained."""
    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    net = trained(db_url, epochs=5, name="finished-run")
    pending = Sequential([Dense(2, activation="softmax", input_dim=3)], "cross_entropy", store=db_url, seed=1,
                         name="pending-run")
    yield db_url, net, pending
    for model in (net, pending):
        model.store.close()


def _run_queries(url: str, run_id: int) -> list[list[dict]]:
    """Each query's rows, column names in lower case (PostgreSQL folds unquoted names)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            return [[{k.lower(): v for k, v in row.items()}
                     for row in c.execute(text(q), {"run_id": run_id} if ":run_id" in q else {}).mappings()]
                    for q in ten_queries()]
    finally:
        engine.dispose()


def test_the_ten_queries_run_and_return_the_run(stored_runs):
    url, net, pending = stored_runs
    run_id = net["id"]
    runs, curves, side_by_side, gap, best, board, layers, stats, moved, unfinished = _run_queries(url, run_id)

    assert {r["architecture_id"] for r in runs} == {run_id, pending["id"]}
    assert len(curves) == 10 and {r["split"] for r in curves} == {"train", "val"}
    train_loss = [r["loss"] for r in curves if r["split"] == "train"]
    assert train_loss == pytest.approx(list(net.history.history["loss"]))
    assert [r["epoch"] for r in side_by_side] == [1, 2, 3, 4, 5]
    assert [r["val_accuracy"] for r in side_by_side] == pytest.approx(list(net.history.history["val_accuracy"]))
    for row in gap:
        assert row["gap"] == pytest.approx(row["val_loss"] - row["train_loss"])
    val = {r["epoch"]: r["loss"] for r in curves if r["split"] == "val"}
    assert (best[0]["epoch"], best[0]["val_loss"]) == min(val.items(), key=lambda kv: (kv[1], kv[0]))
    assert [r["architecture_id"] for r in board] == [run_id]
    assert board[0]["best_val_accuracy"] == pytest.approx(max(net.history.history["val_accuracy"]))
    assert [(r["n_in"], r["n_out"]) for r in layers if r["neurons"] == "Σ"] == [(3, 5), (5, 2)]
    assert [r["position"] for r in layers] == sorted(r["position"] for r in layers)
    assert sum(r["n_weights"] for r in stats) == sum(W.size for W in net.get_weights())
    assert len(moved) == 2 and all(r["mean_abs_change"] > 0 for r in moved)
    assert [r["architecture_id"] for r in unfinished] == [pending["id"]]
    assert unfinished[0]["status"] != "finished"


# ---------------------------------------------------------------------------- the built site
@pytest.fixture(scope="session")
def site(tmp_path_factory) -> pathlib.Path:
    """The site built by ``mkdocs build --strict`` (once per session); its build time is printed."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocs_jupyter")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("jupyter_server_mathjax")
    out = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if k not in ("NEURAL_NET_DATABASE_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"mkdocs build --strict: {time.perf_counter() - start:.1f} s")
    assert result.returncode == 0, result.stderr[-6000:]
    return out


def test_site_builds_every_page(site):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    for page in ("index.html", "sql/index.html", "cli/index.html", "dashboard/index.html",
                 "benchmarks/index.html", "architecture/index.html", "api/index.html",
                 "api/neural_net.activation/index.html", "api/neural_net.db/index.html"):
        assert page in pages, page
    tutorials = sorted(p for p in pages if p.startswith("tutorials/"))
    assert len(tutorials) == len(list((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))) == 7


def test_generated_content_is_in_the_pages(site):
    sql = (site / "sql" / "index.html").read_text(encoding="utf-8")
    for name in ("Architecture", "weight_matrix", "run_summary", "weight_history", "snapshot"):
        assert f"<code>{name}</code>" in sql
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "neural-net db upgrade" in cli and "usage: neural-net runs" in cli
    api = (site / "api" / "neural_net.activation" / "index.html").read_text(encoding="utf-8")
    assert "LeakyReLU" in api and 'class="arithmatex"' in api and ":math:" not in api


#: An element that makes the browser fetch its ``src``/``href`` when the page loads.
LOADED = re.compile(r"""<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']*)""",
                    re.IGNORECASE)


def test_site_references_nothing_outside_it(site):
    offenders = []
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            offenders += [(where, url) for url in LOADED.findall(text) if re.match(r"(?:[a-z]+:)?//", url, re.I)]
            offenders += [(where, m[0]) for m in EXTERNAL.finditer(text)]
        offenders += [(where, m[0]) for m in re.finditer(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", text)]
    assert not offenders, offenders[:10]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def served_site(site):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")  # one Playwright at a time: the dashboard's browser tests start their own
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _open(browser, url: str, origin: str):
    """Open ``url``; every request is recorded, and any that leaves ``origin`` is aborted."""
    page = browser.new_page()
    requests, outside = [], []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith((origin, "data:", "about:blank")):   # MathJax probes fonts with about:blank
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="networkidle")
    return page, requests, outside


def test_index_renders_offline(browser, served_site):
    page, requests, outside = _open(browser, served_site + "/", served_site)
    try:
        assert "neural_net" in page.title()
        assert page.locator("nav").count() > 0 and page.locator("text=Getting started").count() > 0
        assert any(u.endswith(".css") for u in requests), "the theme's stylesheet was not loaded"
        assert not outside, outside
    finally:
        page.close()


def test_tutorial_page_has_its_plots_and_maths(browser, served_site):
    url = served_site + "/tutorials/01_activations_and_initialization/"
    page, requests, outside = _open(browser, url, served_site)
    try:
        page.wait_for_function("() => document.querySelectorAll('.MathJax, .MathJax_Display, mjx-container').length > 0",
                               timeout=30_000)
        images = page.eval_on_selector_all(
            ".jp-OutputArea-output img",
            "els => els.map(e => ({src: e.src.slice(0, 22), w: e.naturalWidth, h: e.naturalHeight}))")
        plots = [i for i in images if i["src"].startswith("data:image/png") and i["w"] > 100 and i["h"] > 100]
        assert len(plots) >= 5, images
        assert any("assets/mathjax/" in u for u in requests), "MathJax was not served by the site"
        assert not outside, outside
    finally:
        page.close()
