"""Ensemble benchmark (issue 16): K small networks trained in one stacked numpy pass versus
the same K runs one after the other through ``Sequential.fit``, and versus PyTorch's
``torch.func`` ``vmap`` ensemble of the same members (when torch is installed).

Workloads (float64, SGD, each member its own seed's shuffles):

* W3: iris, 4-16-3 ReLU/softmax, cross-entropy, batch 16, 200 epochs, 128 members
  (32 learning rates x 4 seeds);
* W4: digits (scikit-learn's bundled 8x8 digits; a seeded stand-in of the same shape when
  scikit-learn is missing), 64-128-10 ReLU/softmax, batch 32, 30 epochs, 32 members;
* W2: two circles, full batch 2-50-1 σ/BCE, 64 members: the elementwise-bound control;
* W2 and W4 run ``Ensemble.fit(workers=--workers)`` (default 2: two stacks at once, one per
  core; the one-by-one runs use one core, as BLAS runs these small products on one thread),
  and show the one-worker time next to it;
* store: W3 with every member recorded in one SQLite file, against W3 unstored, with one
  transaction per epoch for all members and with ``--commit-every`` epochs per transaction;
  ``--store-repeats`` rounds of the three fits one after the other (the median of each and the
  range of the rounds' overheads are printed), with the process CPU time of the fit (training
  and the background commits: the CPU the recording costs, whatever the other jobs do);
* memory: the stack's bytes (K x (weights + optimizer state), one batch of activations and
  deltas per member, the last finite weights) and tracemalloc's peak during ``fit``.

Every row starts the members from the same weights and batches; the ``loss`` columns are the
mean final training loss, so equal numbers mean the same training was timed. One-by-one runs
of a subset (``--alone``) are scaled to K (per-run cost is constant); ``--alone 0`` runs all.

The "1 worker CPU-time speed-up" column divides the one-by-one runs' process CPU time by the
one-worker ensemble's: on a machine that other work shares, a descheduled run's wall time grows
but its CPU time does not (read it with ``--threads 1``; BLAS threads that spin count as CPU).
``--floor`` adds the stacked pass's matrix products timed alone, per member-batch: the bound
that no stacking of the same products can beat on one core.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_ensemble.py``
(``--quick`` for a smoke run, ``--threads 1`` to pin BLAS and torch to one thread).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
import tracemalloc
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from benchmarks.common import Header, limit_threads, table, try_sklearn, try_torch, w2_data  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.datasets import IrisDatasetDownloader  # noqa: E402
from neural_net.ensemble import Ensemble  # noqa: E402
from neural_net.layers import Dense  # noqa: E402
from neural_net.optimizers import SGD  # noqa: E402


# --------------------------------------------------------------------------- data and models
def iris() -> tuple[np.ndarray, np.ndarray]:
    d = IrisDatasetDownloader()
    d.load_dataset()
    X = (d.data - d.data.mean(0)) / d.data.std(0)
    return X, np.eye(3)[d.target.ravel()]


def digits() -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from sklearn.datasets import load_digits

        d = load_digits()
        return d.data / 16.0, np.eye(10)[d.target], "scikit-learn's digits (1797 x 64)"
    except Exception:  # noqa: BLE001
        rng = np.random.default_rng(0)
        return rng.random((1797, 64)), np.eye(10)[rng.integers(0, 10, 1797)], "seeded stand-in (1797 x 64)"


def builder(widths: list[int], hidden: str, out: str, cost: str):
    def build(lr: float, seed: int) -> Sequential:
        steps = [Dense(widths[1], hidden, input_dim=widths[0])] + [Dense(w, hidden) for w in widths[2:-1]]
        steps.append(Dense(widths[-1], out))
        return Sequential(steps, cost, seed=seed).compile(SGD(lr=lr))
    return build


def members(build, lrs, seeds) -> list[Sequential]:
    return [build(lr, s) for lr in lrs for s in seeds]


# --------------------------------------------------------------------------- runners
def run_ensemble(models, X, y, epochs, B, store_dir=None, commit_every=1, workers=1) -> dict[str, Any]:
    if store_dir is not None:
        db = os.path.join(store_dir, "members.db")
        for k, m in enumerate(models):
            m.run_name = f"member[{k}]"
            m.open_store(db)
    t, c = time.perf_counter(), time.process_time()
    hs = Ensemble(models).fit(X, y, epochs=epochs, batch_size=B, commit_every=commit_every, workers=workers)
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    runs = 0
    if store_dir is not None:
        import neural_net.db as db

        for m in models:
            m.store.close()
        runs = len(db.list_runs(os.path.join(store_dir, "members.db")))
        db.dispose()
    return {"seconds": dt, "cpu_seconds": cpu, "loss": float(np.mean([h.history["loss"][-1] for h in hs])),
            "runs": runs}


def run_alone(models, X, y, epochs, B, subset: int) -> dict[str, Any]:
    K = len(models)
    chosen = models if not subset or subset >= K else [models[i] for i in np.linspace(0, K - 1, subset).astype(int)]
    t, c = time.perf_counter(), time.process_time()
    losses = [m.fit(X, y, epochs=epochs, batch_size=B, verbose=0).history["loss"][-1] for m in chosen]
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    return {"seconds": dt * K / len(chosen), "cpu_seconds": cpu * K / len(chosen),
            "loss": float(np.mean(losses)) if len(chosen) == K else float("nan"),
            "measured": len(chosen)}


def run_torch_vmap(torch: Any, models, X, y, epochs, B) -> dict[str, Any]:
    """torch.func.stack_module_state + vmap(grad(...)) over the members, the same weights,
    learning rates and per-member shuffles (copies of the members' generators)."""
    from torch.func import functional_call, grad_and_value, stack_module_state, vmap

    fcs = [[s for s in m.steps if hasattr(s.func, "W")] for m in models]
    acts = {"ReLU": torch.nn.ReLU, "σ": torch.nn.Sigmoid, "Tanh": torch.nn.Tanh}
    hidden = [s for s in models[0].steps if not hasattr(s.func, "W")][0].func
    nets = []
    for layers in fcs:
        mods: list[Any] = []
        for j, s in enumerate(layers):
            lin = torch.nn.Linear(s.n_in, s.n_out, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(s.func.W[:-1].T.copy()))
                lin.bias.copy_(torch.from_numpy(s.func.W[-1].copy()))
            mods.append(lin)
            if j < len(layers) - 1:
                mods.append(acts[type(hidden).__name__]())
        nets.append(torch.nn.Sequential(*mods))
    params, buffers = stack_module_state(nets)
    base = copy.deepcopy(nets[0]).to("meta")
    bce = models[0].cost.name == "BinaryCrossEntropy"
    tgt = torch.from_numpy(y if bce else y.argmax(1))

    def loss(p, b, xb, yb):
        out = functional_call(base, (p, b), (xb,))
        if bce:
            return torch.nn.functional.binary_cross_entropy_with_logits(out, yb)
        return torch.nn.functional.cross_entropy(out, yb)

    step = vmap(grad_and_value(loss), in_dims=(0, 0, 0, 0))
    rngs = [copy.deepcopy(m.rng) for m in models]
    lr = torch.tensor([m.optimizer.lr for m in models], dtype=torch.float64)
    Xt, n, K = torch.from_numpy(X), len(X), len(models)
    warm = torch.arange(min(B, n)).expand(K, -1)
    step(params, buffers, Xt[warm], tgt[warm])  # the first call's one-off set-up is not timed
    t = time.perf_counter()
    with torch.no_grad():
        for _ in range(epochs):
            if B < n:
                order = torch.from_numpy(np.stack([r.permutation(n) for r in rngs]))
            else:
                order = torch.arange(n).expand(K, n)
            total = torch.zeros(K, dtype=torch.float64)
            for s in range(0, n, B):
                idx = order[:, s:s + B]
                g, value = step(params, buffers, Xt[idx], tgt[idx])
                total += value * idx.shape[1]
                for name, p in params.items():
                    p -= lr.view(-1, *([1] * (p.ndim - 1))) * g[name]
    dt = time.perf_counter() - t
    return {"seconds": dt, "loss": float((total / n).mean())}


def products_floor(models, X, B, repeats: int = 5) -> float:
    """Seconds per member-batch of the matrix products alone that the stacked pass makes for
    these members (K at once, batch B): forward ``X_k @ W_k``, gradients ``X_k^T Δ_k`` and
    ``1^T Δ_k``, input gradients ``Δ_k W_k^T`` except the first layer's, on arrays of the stack's
    shapes (best of ``repeats`` passes over a batch). No implementation of the stacked maths
    with these products can beat it on one core."""
    K = len(models)
    widths = [X.shape[1]] + [s.n_out for s in models[0].steps if hasattr(s.func, "W")]
    rng = np.random.default_rng(0)
    acts = [rng.random((K, B, w)) for w in widths]
    Ws = [rng.random((K, a + 1, b)) for a, b in zip(widths, widths[1:])]
    dWs = [np.empty_like(W) for W in Ws]
    ones = np.ones(B)

    def one_pass() -> None:
        for j, W in enumerate(Ws):
            np.matmul(acts[j], W[:, :-1], out=acts[j + 1])
        for j in range(len(Ws) - 1, -1, -1):
            Δ = acts[j + 1]
            np.matmul(acts[j].swapaxes(-1, -2), Δ, out=dWs[j][:, :-1])
            np.matmul(ones, Δ, out=dWs[j][:, -1])
            if j:
                np.matmul(Δ, Ws[j][:, :-1].swapaxes(-1, -2), out=acts[j])

    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < 0.2:  # passes per measure: about 0.2 s
        one_pass()
        n += 1
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            one_pass()
        best = min(best, (time.perf_counter() - t) / n)
    return best / K


def memory_statement(models, X, B) -> tuple[int, int]:
    """Bytes of the stack's arrays: K x (weights + SGD state (none) + the last finite copy),
    and one batch of activations and deltas per member. The members' own weight matrices are
    views of their rows of the stack while they train: no further copy."""
    K = len(models)
    weights = sum(s.func.W.nbytes for s in models[0].steps if hasattr(s.func, "W"))
    widths = [s.n_out for s in models[0].steps if hasattr(s.func, "W")]
    batch = K * B * (X.shape[1] + 2 * sum(widths)) * X.dtype.itemsize
    return K * weights * 3, batch  # weights, their gradient, the last finite copy


def traced_peak(build_models, X, y, epochs, B) -> int:
    models = build_models()
    tracemalloc.start()
    Ensemble(models).fit(X, y, epochs=epochs, batch_size=B)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    ap.add_argument("--alone", type=int, default=32, help="one-by-one runs measured per workload (0: all)")
    ap.add_argument("--threads", type=int, default=None, help="cap numpy's BLAS and torch threads")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--workers", type=int, default=2,
                    help="Ensemble.fit(workers=...) for W2 and W4 (stacks trained at once in threads); their "
                         "one-worker time is shown too. W3 and the store rows use one worker")
    ap.add_argument("--only", default=None,
                    help="comma-separated workloads to run (W2, W3, W4); skips the store and memory rows unless W3")
    ap.add_argument("--json", default=None, help="write the results as JSON to this file")
    ap.add_argument("--floor", action="store_true",
                    help="also time the stacked pass's matrix products alone (per member-batch) against the "
                         "one-by-one and one-worker ensemble times per member-batch: the one-core bound")
    ap.add_argument("--store-repeats", type=int, default=3,
                    help="rounds of the store row's three fits (unstored, stored, stored with --commit-every)")
    ap.add_argument("--commit-every", type=int, default=10,
                    help="the store row's second measure: epochs of all members per transaction")
    args = ap.parse_args(argv)
    torch = None if args.no_torch else try_torch()
    note = limit_threads(args.threads, torch)
    header = Header(torch=torch, sklearn=try_sklearn(), torch_skip="--no-torch" if args.no_torch else "not installed")
    print("\n".join(header.lines()))
    if note:
        print(note)
    q = args.quick
    Xi, yi = iris()
    Xd, yd, digits_name = digits()
    Xc, yc = w2_data()
    workloads = [
        ("W3", "iris 4-16-3 ReLU/softmax, batch 16", builder([4, 16, 3], "relu", "softmax", "categorical_crossentropy"),
         Xi, yi, 16, 5 if q else 200, np.geomspace(0.005, 0.5, 4 if q else 32), range(4)),
        ("W4", f"{digits_name} 64-128-10 ReLU/softmax, batch 32",
         builder([64, 128, 10], "relu", "softmax", "categorical_crossentropy"), Xd, yd, 32, 2 if q else 30,
         np.geomspace(0.01, 0.3, 2 if q else 8), range(4)),
        ("W2", "circles 2-50-1 σ/BCE, full batch", builder([2, 50, 1], "sigmoid", "sigmoid", "binary_crossentropy"),
         Xc, yc, len(Xc), 20 if q else 500, np.geomspace(0.05, 2.0, 4 if q else 16), range(4)),
    ]
    if args.only:
        wanted = {w.strip().upper() for w in args.only.split(",") if w.strip()}
        unknown = wanted - {w[0] for w in workloads}
        if unknown:
            ap.error(f"--only: unknown workloads {sorted(unknown)} (expected W2, W3, W4)")
        workloads = [w for w in workloads if w[0] in wanted]
    rows, floors, result = [], [], {"args": vars(args), "rows": []}
    for label, what, build, X, y, B, epochs, lrs, seeds in workloads:
        K = len(lrs) * len(seeds)
        workers = args.workers if label in ("W2", "W4") else 1
        ens = run_ensemble(members(build, lrs, seeds), X, y, epochs, B, workers=workers)
        one = run_ensemble(members(build, lrs, seeds), X, y, epochs, B) if workers > 1 else ens
        alone = run_alone(members(build, lrs, seeds), X, y, epochs, B, args.alone)
        tv = None
        if torch is not None and label != "W2":
            tv = run_torch_vmap(torch, members(build, lrs, seeds), X, y, epochs, B)
        row = {"workload": label, "what": what, "K": K, "epochs": epochs, "ensemble_s": ens["seconds"],
               "workers": workers, "ensemble_one_worker_s": one["seconds"],
               "ensemble_one_worker_cpu_s": one["cpu_seconds"], "alone_cpu_s": alone["cpu_seconds"],
               "alone_s": alone["seconds"], "alone_measured": alone["measured"],
               "torch_vmap_s": None if tv is None else tv["seconds"], "ensemble_loss": ens["loss"],
               "torch_loss": None if tv is None else tv["loss"],
               "alone_loss": alone["loss"]}
        if args.floor:
            batches = epochs * K * -(-len(X) // B)
            floor = products_floor(members(build, lrs, seeds), X, B)
            row["floor"] = {"products_us": 1e6 * floor, "alone_us": 1e6 * alone["seconds"] / batches,
                            "one_worker_us": 1e6 * one["seconds"] / batches}
            floors.append([label, f"{1e6 * floor:.1f}", f"{row['floor']['one_worker_us']:.1f}",
                           f"{row['floor']['alone_us']:.1f}", f"{alone['seconds'] / batches / floor:.1f}x"])
        result["rows"].append(row)
        rows.append([label, what, K, epochs, workers, f"{ens['seconds']:.2f}",
                     f"{alone['seconds']:.2f}" + ("" if alone["measured"] == K else f" ({alone['measured']} run, x{K / alone['measured']:.0f})"),
                     f"{alone['seconds'] / ens['seconds']:.1f}x",
                     f"{one['seconds']:.2f} ({alone['seconds'] / one['seconds']:.1f}x)",
                     f"{alone['cpu_seconds'] / one['cpu_seconds']:.1f}x",
                     "-" if tv is None else f"{tv['seconds']:.2f}",
                     "-" if tv is None else f"{tv['seconds'] / ens['seconds']:.1f}x",
                     f"{ens['loss']:.10g}", "-" if np.isnan(alone["loss"]) else f"{alone['loss']:.10g}",
                     "-" if tv is None else f"{tv['loss']:.10g}"])
        print(f"  {label} done", flush=True)
    print()
    print(table(["", "workload", "K", "epochs", "workers", "ensemble s", "one by one s", "speed-up",
                 "1 worker s (speed-up)", "1 worker CPU-time speed-up", "torch vmap s",
                 "vs torch", "ensemble loss", "alone loss", "torch loss"], rows))
    if floors:
        print()
        print(table(["per member-batch", "products only us", "ensemble, 1 worker us", "one by one us",
                     "bound on one core (one by one / products)"], floors))
    if workloads[0][0] != "W3":
        print("\n".join(header.footer()))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1, default=str)
        return 0
    # store overhead: W3 with every member recorded
    label, what, build, X, y, B, epochs, lrs, seeds = workloads[0]
    rounds = []
    for _ in range(max(1, args.store_repeats)):  # one after the other: the same load for the three
        bare = run_ensemble(members(build, lrs, seeds), X, y, epochs, B)
        with tempfile.TemporaryDirectory() as d:
            stored = run_ensemble(members(build, lrs, seeds), X, y, epochs, B, store_dir=d)
        with tempfile.TemporaryDirectory() as d:
            batched = run_ensemble(members(build, lrs, seeds), X, y, epochs, B, store_dir=d,
                                   commit_every=args.commit_every)
        rounds.append((bare, stored, batched))
    med = lambda xs: float(np.median(xs))  # noqa: E731
    secs = [med([r[i]["seconds"] for r in rounds]) for i in range(3)]
    cpus = [med([r[i]["cpu_seconds"] for r in rounds]) for i in range(3)]
    over = [[(r[i]["seconds"] - r[0]["seconds"]) / r[0]["seconds"] for r in rounds] for i in (1, 2)]
    over_cpu = [[(r[i]["cpu_seconds"] - r[0]["cpu_seconds"]) / r[0]["cpu_seconds"] for r in rounds] for i in (1, 2)]
    result["store"] = {"stored_s": secs[1], "bare_s": secs[0], "overhead": med(over[0]),
                       "stored_runs": rounds[0][1]["runs"], "commit_every": args.commit_every,
                       "batched_s": secs[2], "batched_overhead": med(over[1]),
                       "cpu_s": cpus, "cpu_overhead": [med(o) for o in over_cpu], "rounds": len(rounds),
                       "overheads": over}
    span = lambda o: f"{100 * med(o):+.0f} % ({100 * min(o):+.0f} .. {100 * max(o):+.0f})"  # noqa: E731
    print()
    print(f"W3 store: {len(rounds)} rounds of (unstored, stored, stored with commit_every={args.commit_every}); "
          "medians; the overhead's range over the rounds in brackets; cpu: this process's time (training, and the "
          "commits it makes: on a SQLite file the epochs are committed by a process of their own, not counted)")
    print(table(["W3 store", "ensemble fit s", "overhead", "cpu s", "cpu overhead"],
                [["unstored", f"{secs[0]:.2f}", "-", f"{cpus[0]:.2f}", "-"],
                 ["every member stored (one SQLite file), 1 epoch per commit", f"{secs[1]:.2f}", span(over[0]),
                  f"{cpus[1]:.2f}", span(over_cpu[0])],
                 [f"same, commit_every={args.commit_every} epochs", f"{secs[2]:.2f}", span(over[1]),
                  f"{cpus[2]:.2f}", span(over_cpu[1])]]))
    weights, batch = memory_statement(members(build, lrs, seeds), X, B)
    peak = traced_peak(lambda: members(build, lrs, seeds), X, y, 2, B)
    result["memory"] = {"stack_bytes": weights, "batch_bytes": batch, "traced_peak": peak}
    print(f"\nmemory (W3, K={len(lrs) * len(seeds)}): stack {weights / 1024:.0f} KiB (K x (weights + gradient + last "
          f"finite copy, as fit keeps alone); the members' weights are views of the stack; SGD keeps no state), one batch of activations and deltas for every member "
          f"{batch / 1024:.0f} KiB; tracemalloc peak during fit {peak / 1024:.0f} KiB")
    print("\n".join(header.footer()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
