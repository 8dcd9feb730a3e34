"""Training speed of neural_net against PyTorch (CPU) and scikit-learn, in one run.

W1  MNIST-shaped: X 60000x784 float32 (synthetic, fixed seed; labels = argmax of a fixed
    random linear teacher), 784-300-100-10 ReLU, softmax + cross-entropy, plain SGD lr 0.01,
    batch 128 and 500. Seconds per epoch, median of --epochs epochs.
W2  tiny: 1000 2-D points on two noisy circles, 2-50-1 sigmoid, BCE, full batch, SGD lr 0.5,
    1000 epochs. Total seconds, median of --w2-reps trainings.
store  W1 B=128 float32 through train(metrics=["accuracy"]), store=<tmp dir> (cost and accuracy
    recorded every epoch) against store=False (skipped when
    the database store is unavailable).

Library rows go through the seed-style ``train`` (W1: ``Batch`` without shuffle; W2:
``train(X, y, epochs, α)``) and the Keras-style ``compile``/``fit`` (shuffle=True, verbose=0),
in float32 and float64. PyTorch and scikit-learn start from the library's initial weights
(copied into ``Linear.weight``/``bias`` and into ``coefs_``/``intercepts_``), so the
"loss" column (training loss of the first epoch, W2: of the last epoch) should agree between
rows with the same data order and dtype.

Every unit (an epoch for W1, a whole training for W2) runs round-robin over the rows, so
a change in the machine's load hits all rows alike; each row's ratio is to PyTorch float32
with the same data order (train rows and sklearn: slices in order; fit rows: shuffled).

Usage (from the repository root):
    PYTHONPATH=. python benchmarks/bench_training.py            # full run, < 10 min
    PYTHONPATH=. python benchmarks/bench_training.py --quick    # smoke run, ~1 min
    PYTHONPATH=. python benchmarks/bench_training.py --only w2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. python benchmarks/bench_training.py
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

TARGETS = {
    "w1_128": 0.75,
    "w1_500": 0.95,
    "w2": 0.5,
    "f64_f32": 2.2,
    "store": 0.03,
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def find(cases: list[C.Case], workload: str, impl: str, door: str, dtype: str, batch: int | None = None) -> C.Case | None:
    for c in cases:
        if (c.workload, c.impl, c.door, c.dtype.name) == (workload, impl, door, dtype) and \
                (batch is None or c.batch == batch) and c.skipped is None and c.times:
            return c
    return None


def ratio(a: C.Case | None, b: C.Case | None) -> float:
    if a is None or b is None or not a.times or not b.times:
        return float("nan")
    return C.median(a.times) / C.median(b.times)


# --------------------------------------------------------------------------- W1
def build_w1(args: argparse.Namespace, torch: Any, sk: Any) -> tuple[list[C.Case], list[str]]:
    notes: list[str] = []
    X32, y32, labels = C.w1_data(n=args.n)
    data = {"float32": (X32, y32)}
    if "float64" in args.dtypes:
        data["float64"] = (X32.astype(np.float64), y32.astype(np.float64))
    W0 = C.lib_w1().get_weights()
    cases: list[C.Case] = []
    for B in args.batch_sizes:
        for door in ("train", "fit"):
            for dt in args.dtypes:
                cases.append(C.LibW1(*data[dt], W0, B, dt, door))
        if torch is not None:
            for dt in args.dtypes:
                cases.append(C.TorchW1(torch, data[dt][0], labels, W0, B, dt, shuffle=False))
            cases.append(C.TorchW1(torch, X32, labels, W0, B, "float32", shuffle=True))
            if not args.threads and (os.cpu_count() or 1) > 1:
                cases.append(C.TorchW1(torch, X32, labels, W0, B, "float32", shuffle=False, threads=1))
        if sk is not None:
            for dt in args.dtypes:
                cases.append(C.SkW1(data[dt][0], labels, W0, B, dt))
    if torch is None:
        notes.append(f"W1 torch: skipped: {args.torch_skip}")
    if sk is None:
        notes.append(f"W1 sklearn: skipped: {args.sklearn_skip}")
    for c in cases:
        if c.impl == "neural_net" and c.door == "fit":
            c.baseline = find_base(cases, c.batch, shuffled=True)
        else:
            c.baseline = find_base(cases, c.batch, shuffled=False)
    return cases, notes


def find_base(cases: list[C.Case], batch: int | None, shuffled: bool) -> C.Case | None:
    door = "loop, shuffled" if shuffled else "loop, slices"
    for c in cases:
        if c.impl == "torch" and c.door == door and c.dtype.name == "float32" and c.batch == batch:
            return c
    return None


# --------------------------------------------------------------------------- W2
def build_w2(args: argparse.Namespace, torch: Any, sk: Any) -> tuple[list[C.Case], list[str]]:
    notes: list[str] = []
    X, y = C.w2_data()
    W0 = C.lib_w2().get_weights()
    cases: list[C.Case] = []
    for door in ("train", "fit"):
        for dt in args.dtypes:
            cases.append(C.LibW2(X, y, W0, dt, door, args.w2_epochs))
    if torch is not None:
        for dt in args.dtypes:
            cases.append(C.TorchW2(torch, X, y, W0, dt, args.w2_epochs))
        if not args.threads and (os.cpu_count() or 1) > 1:
            cases.append(C.TorchW2(torch, X, y, W0, "float32", args.w2_epochs, threads=1))
    else:
        notes.append(f"W2 torch: skipped: {args.torch_skip}")
    if sk is not None:
        for dt in args.dtypes:
            cases.append(C.SkW2(X, y, W0, dt, args.w2_epochs))
    else:
        notes.append(f"W2 sklearn: skipped: {args.sklearn_skip}")
    base = next((c for c in cases if c.impl == "torch" and c.dtype.name == "float32" and not c.threads), None)
    for c in cases:
        c.baseline = base
    return cases, notes


# --------------------------------------------------------------------------- store
class BeginTimer(C.Callback):
    """Times between consecutive on_epoch_begin calls: each includes the end-of-epoch work of
    every callback, the store's recorder (appended after the user's callbacks) included."""

    def __init__(self) -> None:
        self.begins: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.begins.append(C.clock())


def _timed(fn: Any, sink: list[float]) -> Any:
    def wrapper(*a: Any, **k: Any) -> Any:
        t = C.clock()
        try:
            return fn(*a, **k)
        finally:
            sink.append(C.clock() - t)
    return wrapper


def run_store(args: argparse.Namespace) -> dict[str, Any]:
    """See _run_store; always on the wall clock (the store waits on I/O, which CPU time misses)."""
    prev = C.CLOCK_NAME
    C.set_clock("wall")
    tmp = tempfile.mkdtemp(prefix="nn_bench_store_")
    try:
        return _run_store(args, tmp)
    finally:
        C.set_clock(prev)
        shutil.rmtree(tmp, ignore_errors=True)


def _run_store(args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """store=<tmp dir> against store=False on W1 (train with accuracy, B=128, float32).

    Two measures: the wall time of interleaved train() calls with and without the store, and
    the time spent inside the store's recorder hooks (timed on the recorder instance), which
    a busy machine disturbs much less. The database is written in ``tmp``."""
    os.environ.setdefault("NEURAL_NET_RUN_DIR", tmp)
    try:
        import neural_net  # noqa: F401 - registers the store factory, when there is one
        from neural_net import stored as _stored
        if _stored.STORE_FACTORY is None:
            try:
                import neural_net.db  # noqa: F401
            except Exception as e:  # noqa: BLE001
                return {"skipped": f"skipped: store unavailable ({type(e).__name__}: {e})"}
        t = C.clock()
        net_store = C.lib_w1(store=tmp)
        open_s = C.clock() - t
        rec = net_store.store.recorder
    except Exception as e:  # noqa: BLE001
        return {"skipped": f"skipped: store unavailable ({type(e).__name__}: {e})"}
    hooks: dict[str, list[float]] = {"on_train_begin": [], "on_epoch_end": [], "on_train_end": []}
    for name, sink in hooks.items():
        setattr(rec, name, _timed(getattr(rec, name), sink))
    X, y, _ = C.w1_data(n=args.n)
    W0 = C.lib_w1().get_weights()
    net_plain = C.lib_w1()
    for net in (net_plain, net_store):
        net.set_weights(W0)
    B, E = 128, max(2, args.epochs)
    res: dict[str, Any] = {"epochs_per_call": E, "reps": args.store_reps, "batch": B, "open_s": open_s,
                           "False": {"total": [], "epochs": []}, "True": {"total": [], "epochs": []}}
    try:
        for r in range(args.store_reps):
            for flag, net in (("False", net_plain), ("True", net_store)):
                timer = BeginTimer()
                t = C.clock()
                net.train(batch=C.Batch(B, len(X), lambda: X, lambda: y), epochs=E, α=C.W1_LR, verbose=False,
                          metrics=["accuracy"], callbacks=[timer])
                total = C.clock() - t
                res[flag]["total"].append(total)
                res[flag]["epochs"] += list(np.diff(timer.begins))
                log(f"  store rep {r + 1}/{args.store_reps} store={flag}: {total:.2f} s for {E} epochs")
    except Exception as e:  # noqa: BLE001
        return {"skipped": f"skipped: store unavailable (training with store failed: {type(e).__name__}: {e})"}
    finally:
        net_store.store.close()
    files = sorted(os.listdir(tmp))
    res["files"] = files
    res["db_bytes"] = sum(os.path.getsize(os.path.join(tmp, f)) for f in files if os.path.isfile(os.path.join(tmp, f)))
    res["hooks"] = hooks
    # the fastest call each way: the one that other processes disturbed least (the machine's
    # noise comes in bursts of seconds that a sum or a median of 3 calls does not average out)
    res["overhead_total"] = min(res["True"]["total"]) / min(res["False"]["total"]) - 1
    res["overhead_epoch"] = C.median(res["True"]["epochs"]) / C.median(res["False"]["epochs"]) - 1
    # the recorder's own time against the plain run's time
    epoch_plain = C.median(res["False"]["epochs"] or [t / E for t in res["False"]["total"]])
    per_epoch = C.median(hooks["on_epoch_end"])
    per_call = C.median(hooks["on_train_begin"]) + C.median(hooks["on_train_end"])
    res["recorder_epoch_s"], res["recorder_call_s"] = per_epoch, per_call
    res["overhead_recorder_epoch"] = per_epoch / epoch_plain
    res["overhead_recorder_call"] = (per_call + E * per_epoch) / (E * epoch_plain)
    return res


# --------------------------------------------------------------------------- report
def fmt(x: float, nd: int = 3) -> str:
    return "-" if x != x else f"{x:.{nd}f}"


def rows_for(cases: list[C.Case]) -> list[list[str]]:
    out = []
    for c in cases:
        if c.skipped:
            out.append([c.workload, c.impl, c.door, c.dtype.name, str(c.batch), "-", "-", "-", "-", c.skipped])
            continue
        note = c.note
        if c.call_overheads:
            note = (note + " " if note else "") + f"+{C.median(c.call_overheads):.3f} s per call outside the epoch"
        out.append([c.workload, c.impl, c.door, c.dtype.name, str(c.batch), fmt(C.median(c.times)),
                    fmt(min(c.times)), fmt(ratio(c, c.baseline), 2), "-" if c.loss is None else f"{c.loss:.6f}", note])
    return out


def targets(w1: list[C.Case], w2: list[C.Case], store: dict[str, Any] | None) -> list[list[str]]:
    rows = []

    def add(figure: str, value: float, target: float, how: str, pct: bool = False) -> None:
        if value != value:
            rows.append([figure, "-", f"≤ {target:g}", "not measured", how])
            return
        ok = value <= target
        shown = f"{100 * value:+.1f} %" if pct else f"{value:.2f}"
        tshown = f"≤ {100 * target:g} %" if pct else f"≤ {target:g}"
        miss = "met" if ok else (f"missed by {100 * (value - target):.1f} points" if pct else
                                 f"missed: {value / target:.2f}x the target")
        rows.append([figure, shown, tshown, miss, how])

    for B, key in ((128, "w1_128"), (500, "w1_500")) if w1 else ():
        lib = find(w1, "W1", "neural_net", "train", "float32", B)
        add(f"W1 B={B} epoch, train() f32 / torch f32", ratio(lib, find_base(w1, B, False)), TARGETS[key],
            "slices in order on both sides")
        lib = find(w1, "W1", "neural_net", "fit", "float32", B)
        add(f"W1 B={B} epoch, fit() f32 / torch f32 shuffled", ratio(lib, find_base(w1, B, True)), TARGETS[key],
            "shuffled on both sides")
    for door, how in (("train", "1000 full-batch epochs"),
                      ("fit", "shuffle=True, but one batch holds every row: no reordering")) if w2 else ():
        lib = find(w2, "W2", "neural_net", door, "float32")
        add(f"W2 total, {door}() f32 / torch f32", ratio(lib, lib and lib.baseline), TARGETS["w2"], how)
    for c in w1 + w2:
        if c.impl == "torch" and c.threads == 1 and c.times:
            lib = find(w1 + w2, c.workload, "neural_net", "train", "float32", c.batch)
            rows.append([f"(reference) {c.workload} B={c.batch} train() f32 / torch f32 1 thread",
                         fmt(ratio(lib, c), 2), "-", "no target", "torch.set_num_threads(1)"])
    for B in sorted({c.batch for c in w1}):
        for door in ("train", "fit"):
            add(f"W1 B={B} library {door}() f64 / f32",
                ratio(find(w1, "W1", "neural_net", door, "float64", B), find(w1, "W1", "neural_net", door, "float32", B)),
                TARGETS["f64_f32"], "same front door")
    if store is not None:
        if "skipped" in store:
            rows.append(["store=True overhead, W1", "-", f"≤ {100 * TARGETS['store']:g} %", store["skipped"], ""])
        else:
            E = store["epochs_per_call"]
            add(f"store=True overhead, W1, recorder time / plain time ({E}-epoch train())",
                store["overhead_recorder_call"], TARGETS["store"],
                f"time inside the recorder's hooks: {1e3 * store['recorder_epoch_s']:.0f} ms per epoch + "
                f"{1e3 * store['recorder_call_s']:.0f} ms per call", pct=True)
            add("store=True overhead, W1, recorder time / plain time (per epoch)", store["overhead_recorder_epoch"],
                TARGETS["store"], "on_epoch_end only (steady state of a long training)", pct=True)
            add(f"store=True overhead, W1, wall time ({E}-epoch train() calls)", store["overhead_total"],
                TARGETS["store"], f"fastest of {store['reps']} interleaved calls each way; noisy on a busy machine",
                pct=True)
    rows.append(["W1 peak memory beyond the data", "-", f"≤ {C.MEMORY_TARGET_MB} MB", "see bench_memory.py", ""])
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=5, help="W1 epochs per row (median reported), default 5")
    p.add_argument("--w2-epochs", type=int, default=1000, help="epochs of one W2 training, default 1000")
    p.add_argument("--w2-reps", type=int, default=3, help="W2 trainings per row (median reported), default 3")
    p.add_argument("--store-reps", type=int, default=5, help="store comparison: train() calls each way, default 5")
    p.add_argument("--batch-sizes", default="128,500")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--n", type=int, default=60000, help="W1 rows, default 60000")
    p.add_argument("--only", choices=["w1", "w2", "store"], action="append",
                   help="run only these parts (repeatable); default: w1, w2 and store")
    p.add_argument("--quick", action="store_true", help="smoke run: 6000 W1 rows, 2 epochs, W2 100 epochs")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--no-sklearn", action="store_true")
    p.add_argument("--threads", type=int, help="cap numpy's BLAS and torch at this many threads "
                   "(default: as-is for numpy, os.cpu_count() for torch)")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: time with the process's CPU time, which other processes do not inflate "
                   "(meaningful with --threads 1 only)")
    p.add_argument("--json", help="also write the measurements to this JSON file")
    args = p.parse_args(argv)
    C.set_clock(args.clock)
    if args.quick:
        args.n, args.epochs, args.w2_epochs, args.w2_reps, args.store_reps = 6000, 2, 100, 2, 1
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    args.dtypes = [d.strip() for d in args.dtypes.split(",")]
    if "float32" not in args.dtypes:
        args.dtypes.insert(0, "float32")
    parts = set(args.only or ["w1", "w2", "store"])

    torch = None if args.no_torch else C.try_torch()
    sk = None if args.no_sklearn else C.try_sklearn()
    thread_note = C.limit_threads(args.threads, torch)
    header = C.Header(torch, sk, "--no-torch" if args.no_torch else "not installed",
                      "--no-sklearn" if args.no_sklearn else "not installed")
    args.torch_skip, args.sklearn_skip = header.torch_skip, header.sklearn_skip
    head = header.lines() + ([thread_note] if thread_note else []) + [
        f"clock: {C.CLOCK_NAME}" + (" (process CPU time)" if C.CLOCK_NAME == "cpu" else " (perf_counter)")]
    for line in head:
        log(line)

    w1: list[C.Case] = []
    w2: list[C.Case] = []
    notes: list[str] = []
    store = None
    if "w1" in parts:
        log(f"W1: {args.n} x 784, batches {args.batch_sizes}, {args.epochs} epochs per row, round-robin")
        w1, n1 = build_w1(args, torch, sk)
        notes += n1
        C.round_robin(w1, args.epochs, log)
    if "w2" in parts:
        log(f"W2: 1000 x 2, {args.w2_epochs} epochs per training, {args.w2_reps} trainings per row")
        w2, n2 = build_w2(args, torch, sk)
        notes += n2
        C.round_robin(w2, args.w2_reps, log)
    if "store" in parts:
        log("store: W1 train() B=128 float32, store=<tmp dir> vs store=False")
        store = run_store(args)
        if "skipped" in store:
            log(store["skipped"])

    out = ["# neural_net training benchmark" + (" (--quick: smoke run, not the real figures)" if args.quick else ""), ""]
    out += [f"    {line}" for line in head]
    out += ["", f"W1: {args.n} rows; seconds per epoch, median (and min) of {args.epochs} epochs. "
            f"W2: 1000 rows, {args.w2_epochs} epochs; total seconds, median of {args.w2_reps}. "
            "ratio: to PyTorch float32 with the same data order (train/sklearn/torch rows: slices in order; "
            "fit rows: shuffled).", ""]
    out.append(C.table(["workload", "impl", "front door", "dtype", "batch", "s (median)", "s (min)",
                        "ratio vs torch f32", "loss", "note"], rows_for(w1 + w2)))
    if store is not None:
        out.append("")
        if "skipped" in store:
            out.append(f"store: {store['skipped']}")
        else:
            out.append(f"store (wall clock; W1 train() B=128 f32, {store['reps']} calls of {store['epochs_per_call']} epochs each "
                       f"way, interleaved): store=False {sum(store['False']['total']):.2f} s, store=True "
                       f"{sum(store['True']['total']):.2f} s; median epoch {C.median(store['False']['epochs']):.3f} s "
                       f"vs {C.median(store['True']['epochs']):.3f} s; recorder hooks (median): on_train_begin "
                       f"{1e3 * C.median(store['hooks']['on_train_begin']):.1f} ms, on_epoch_end "
                       f"{1e3 * C.median(store['hooks']['on_epoch_end']):.1f} ms, on_train_end "
                       f"{1e3 * C.median(store['hooks']['on_train_end']):.1f} ms; opening the store "
                       f"{1e3 * store['open_s']:.0f} ms; database files {store['files']} "
                       f"({store['db_bytes'] / 1e6:.1f} MB)")
    out += ["", "Targets:", ""]
    out.append(C.table(["figure", "measured", "target", "status", "how"], targets(w1, w2, store)))
    if notes:
        out += [""] + notes
    out += ["", *header.footer()]
    print("\n".join(out), flush=True)

    if args.json:
        dump = {"header": head, "args": {k: v for k, v in vars(args).items()},
                "rows": [{"label": c.label, "batch": c.batch, "times": c.times, "call_overheads": c.call_overheads,
                          "loss": c.loss, "skipped": c.skipped,
                          "ratio": ratio(c, c.baseline)} for c in w1 + w2],
                "store": store, "footer": header.footer()}
        with open(args.json, "w") as f:
            json.dump(dump, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
