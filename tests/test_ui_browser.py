"""The dashboard in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

Each test records every request the page makes and checks that all go to the dashboard's own
server on 127.0.0.1, and writes a screenshot of its page under its temporary directory (with
``NEURAL_NET_SCREENSHOTS=DIR`` also into DIR: ``NEURAL_NET_SCREENSHOTS=docs/images`` remakes
the README's pictures). Skipped, with the reason, only where Chromium or Playwright is absent.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the dashboard needs the ui extra (pip install -e '.[ui]')")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from ui_fixtures import hold_whole_table, start_training, store  # noqa: E402,F401 (store: a fixture)

import neural_net.db as db  # noqa: E402
from neural_net.ui import serve  # noqa: E402

CHROMIUM = os.environ.get("NEURAL_NET_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)", allow_module_level=True)


@pytest.fixture(scope="module")
def dashboard(store):
    dash = serve(store[0], port=0, block=False, poll_ms=250)
    assert dash is not None and dash.running
    yield dash
    dash.stop()
    assert not dash.running


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, dashboard):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.requests = requests  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert requests, "the page made no request"
    outside = [u for u in requests if not u.startswith(dashboard.url)]
    assert not outside, f"requests outside {dashboard.url}: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def screenshot(pg, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"ui-{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    target = os.environ.get("NEURAL_NET_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def drawn_points(pg, quantity: str) -> int:
    """Markers of the first trace of a curve chart as drawn in the SVG (short curves have markers)."""
    return pg.evaluate(f"() => document.querySelectorAll('#curve-{quantity} .scatterlayer .trace:first-child "
                       f".point').length")


def cells(pg, column: str) -> list[str]:
    return pg.eval_on_selector_all(f'#runs tbody td[data-col="{column}"]', "tds => tds.map(t => t.textContent.trim())")


def test_runs_table_shows_the_runs_and_sorts(page, dashboard, store, tmp_path):
    d, ids = store
    page.goto(dashboard.url)
    rows = page.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)")
    assert sorted(rows) == sorted(str(i) for i in ids.values())
    assert sorted(cells(page, "name")) == sorted(ids)
    expected = {str(r.run_id): r.final_loss for r in db.list_runs(d).itertuples()}
    page.click('th a[data-col="final_loss"]')
    page.wait_for_url("**sort=final_loss**")
    order = page.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)")
    assert order == sorted(expected, key=expected.get)
    page.click('th a[data-col="final_loss"]')
    page.wait_for_url("**sort=-final_loss**")
    order = page.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)")
    assert order == sorted(expected, key=expected.get, reverse=True)
    page.fill('input[name="q"]', "sgd")
    page.click('form.filters button[type="submit"]')
    page.wait_for_url("**q=sgd**")
    assert cells(page, "name") == ["sgd-s0"]
    page.goto(dashboard.url)
    screenshot(page, tmp_path, "runs")


def test_run_page_draws_every_stored_epoch(page, dashboard, store, tmp_path):
    d, ids = store
    rid = ids["adam-s0"]
    history = db.history(d, rid)
    page.goto(f"{dashboard.url}runs/{rid}")
    # the curves come with the page; the histograms and the heat map are fetched once they are drawn
    page.wait_for_function("window.dashboard && window.dashboard.charts.loss && window.dashboard.heatmap"
                           " && document.getElementById('hist-1') && document.getElementById('hist-1').data")
    counts = page.evaluate("""() => Object.fromEntries(Object.entries(window.dashboard.charts).map(
        ([q, gd]) => [q, gd.data.map(t => [t.name, t.x.length])]))""")
    assert dict(counts["loss"]) == {"loss": len(history), "val_loss": len(history)}
    assert dict(counts["accuracy"]) == {"accuracy": len(history), "val_accuracy": len(history)}
    assert page.evaluate("() => document.querySelectorAll('#curve-loss .scatterlayer .trace').length") == 2
    assert drawn_points(page, "loss") == len(history)  # markers drawn in the SVG, one per epoch
    n_snapshots = len(db.snapshots(d, rid))
    assert page.evaluate("() => document.getElementById('hist-0').data[0].z.length") == n_snapshots
    W = db.weight_matrices(d, rid)[0]
    assert page.evaluate("() => window.dashboard.heatmap.shape") == list(W.shape)
    lr = float(history["lr"].iloc[0])  # a constant curve: its value in the middle of the axis
    assert page.evaluate("() => window.dashboard.charts.lr.layout.yaxis.range") == pytest.approx([lr / 2, 1.5 * lr])
    page.check("#logy")
    assert page.evaluate("() => window.dashboard.charts.loss.layout.yaxis.type") == "log"
    page.uncheck("#logy")
    screenshot(page, tmp_path, "run")


def test_compare_overlays_two_runs(page, dashboard, store, tmp_path):
    d, ids = store
    page.goto(dashboard.url)
    page.check(f'input[name="run"][value="{ids["adam-s0"]}"]')
    page.check(f'input[name="run"][value="{ids["sgd-s0"]}"]')
    page.click("#compare-button")
    page.wait_for_url("**/compare?**")
    page.wait_for_function("window.dashboard && window.dashboard.charts.overlay")
    traces = page.evaluate("() => window.dashboard.charts.overlay.data.map(t => t.x.length)")
    assert traces == [len(db.history(d, ids["adam-s0"])), len(db.history(d, ids["sgd-s0"]))]
    differs = page.eval_on_selector_all("#differences tr.differs th", "ths => ths.map(t => t.textContent)")
    assert {"optimizer", "epochs"} <= set(differs) and not {"seed", "batch_size"} & set(differs)
    page.select_option("#group", "optimizer")
    page.wait_for_function("window.dashboard && window.dashboard.charts.groups")
    # three runs grouped by optimizer: the two adam seeds make a mean with a band
    page.goto(f"{dashboard.url}compare?" + "&".join(f"run={i}" for i in ids.values()) + "&group=optimizer")
    page.wait_for_function("window.dashboard && window.dashboard.charts.groups")
    names = page.evaluate("() => window.dashboard.charts.groups.data.filter(t => t.name).map(t => t.name)")
    assert sorted(names) == ["optimizer=adam (2 runs)", "optimizer=sgd (1 run)"]
    screenshot(page, tmp_path, "compare")


def test_live_page_gains_points_while_a_child_trains(page, dashboard, store, tmp_path):
    d, _ = store
    proc, rid = start_training(d / "live.db", epochs=40, pause=0.3)
    try:
        page.goto(f"{dashboard.url}live/{rid}")
        page.wait_for_function("window.dashboard && window.dashboard.polls >= 1", timeout=10_000)
        first = drawn_points(page, "loss")
        page.wait_for_function(f"() => document.querySelectorAll('#curve-loss .scatterlayer .trace:first-child "
                               f".point').length >= {first + 3}", timeout=20_000)
        assert page.text_content("#live-status") in ("running", "created")
        screenshot(page, tmp_path, "live")
        proc.wait(60)
        assert proc.returncode == 0
        page.wait_for_function("() => document.getElementById('live-status').textContent === 'finished'",
                               timeout=10_000)
        page.wait_for_function("() => document.querySelectorAll('#curve-loss .scatterlayer .trace:first-child "
                               ".point').length === 40", timeout=10_000)
        assert page.evaluate("() => window.dashboard.charts.loss.data[0].x") == list(range(1, 41))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_runs_table_filters_by_tag(page, dashboard, store, tmp_path):
    d, ids = store
    db.set_tag(str(d / "adam-s0.db"), ids["adam-s0"], "dataset", "xor")
    db.set_tag(str(d / "sgd-s0.db"), ids["sgd-s0"], "dataset", "xor")
    db.set_tag(str(d / "adam-s1.db"), ids["adam-s1"], "dataset", "and")
    db.dispose()
    try:
        page.goto(dashboard.url)
        page.fill('input[name="tag"]', "dataset:xor")
        page.click('form.filters button[type="submit"]')
        page.wait_for_url("**tag=dataset%3Axor**")
        shown = page.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)")
        assert sorted(shown) == sorted([str(ids["adam-s0"]), str(ids["sgd-s0"])])
        page.click(f'#runs tbody tr[data-run="{ids["adam-s0"]}"] a.tag')  # a tag links to its filter
        page.wait_for_load_state()
        assert page.input_value('input[name="tag"]') == "dataset:xor"
        page.goto(dashboard.url + "?tag=dataset=and")
        assert page.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)") == [
            str(ids["adam-s1"])]
        screenshot(page, tmp_path, "runs-tag")
    finally:
        for name in ("adam-s0", "sgd-s0", "adam-s1"):
            db.set_tag(str(d / f"{name}.db"), ids[name], "dataset", None)
        db.dispose()


def shown_runs(pg) -> list[str]:
    return pg.eval_on_selector_all("#runs tbody tr", "trs => trs.map(t => t.dataset.run)")


def test_runs_table_first_rows_in_the_default_order_and_sorted_across_pages(page, dashboard, store):
    d, ids = store
    runs = db.list_runs(d)
    oldest_first = [str(i) for i in runs.run_id]
    page.goto(dashboard.url + "?per=2")
    assert shown_runs(page) == oldest_first[:2]
    page.click("#next")
    page.wait_for_url("**page=2**")
    assert shown_runs(page) == oldest_first[2:]
    page.goto(dashboard.url + "?per=2")
    page.click('th a[data-col="final_val_loss"]')
    page.wait_for_url("**sort=final_val_loss**")
    by_loss = [str(i) for i in runs.sort_values("final_val_loss").run_id]
    assert shown_runs(page) == by_loss[:2]
    page.click("#next")
    page.wait_for_url("**page=2**")
    assert shown_runs(page) == by_loss[2:]
    assert page.locator("#runs").count() == 1


def test_a_servers_first_rows_show_before_the_whole_table_replaces_them(browser, db_url, monkeypatch):
    import threading

    from conftest import trained

    from neural_net.ui import runs_page
    from neural_net.ui.data import Source

    nets = [trained(db_url, epochs=e, seed=e, name=f"r{e}") for e in (3, 1, 4)]
    db.dispose(db_url)
    oldest_first = [str(n["id"]) for n in nets]
    release = hold_whole_table(monkeypatch, 20)
    dash = serve(db_url, port=0, block=False)
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        server = not db_url.startswith("sqlite")
        pg.goto(dash.url + "?per=2", wait_until="commit")
        pg.wait_for_function("document.querySelectorAll('#runs tbody tr').length > 0")
        if server:  # the first page, read alone, is usable while the whole table is read
            assert shown_runs(pg) == oldest_first[:2] and pg.locator("#reading").count() == 1
        release.set()
        pg.wait_for_load_state("load")
        assert pg.locator("#reading").count() == 0 and pg.locator("#runs").count() == 1
        assert shown_runs(pg) == oldest_first[:2]
        pg.click('th a[data-col="epochs"]')
        pg.wait_for_url("**sort=epochs**")
        assert shown_runs(pg) == [str(nets[1]["id"]), str(nets[0]["id"])]
        pg.click("#next")
        pg.wait_for_url("**page=2**")
        assert shown_runs(pg) == [str(nets[2]["id"])]
        assert not errors, errors
    finally:
        release.set()
        context.close()
        dash.stop()
        db.dispose(db_url)
