"""Where one W1 epoch of neural_net spends its time, operation by operation.

Three views of one epoch (784-300-100-10 ReLU, softmax + cross-entropy, plain SGD) per
batch size:

1. the real library loop (``train(batch=Batch(...))``, or ``fit`` with --door fit), timed;
2. a replica of that loop that performs exactly the numpy calls of the library's buffered
   path (loop.run_training, layers.Fullyconnected/Activation, activation.Σ /
   ReLU / Softmax, cost.CrossEntropy.loss / fused_delta, optimizers.SGD.apply), on copies of
   the same weights, with a timer around each call: forward matmuls, bias adds, activations,
   loss, output delta, backward matmuls, bias gradients, ReLU masks, updates, batch gather.
   "Python overhead" is the real epoch minus the sum of those operations;
3. cProfile of one real epoch (function level, numpy ufunc time is charged to the caller),
   and, when torch is installed, torch.profiler's top operators for the same epoch in
   PyTorch, for comparison.

Usage (from the repository root):
    PYTHONPATH=. python benchmarks/profile_w1.py                 # B=128 and 500, float32
    PYTHONPATH=. python benchmarks/profile_w1.py --batch 128 --door fit --dtype float64
    PYTHONPATH=. python benchmarks/profile_w1.py --quick         # 6000 rows
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

SIZES = [784, 300, 100, 10]


class BatchTimer(C.EpochTimer):
    """Epoch times, and the time of each loop iteration (batch-begin to next batch-begin)."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[float] = []
        self._b: float | None = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._b = None
        super().on_epoch_begin(epoch, logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        now = C.clock()
        if self._b is not None:
            self.steps.append(now - self._b)
        self._b = now


def real_epochs(X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], B: int, door: str, k: int,
                timer: BatchTimer | None = None) -> tuple[BatchTimer, object]:
    """k epochs of the real library loop; the timer also records each batch (a batch
    callback costs ~1 µs per batch in the loop)."""
    net = C.lib_w1_for(door, W0)
    timer = timer or BatchTimer()

    def one(callbacks: list | None = None) -> None:
        C.w1_epoch(net, X, y, B, door, [timer] if callbacks is None else callbacks)

    for _ in range(k):
        one()
    return timer, one


def replica_epoch(X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], B: int, door: str,
                  seed: int = 0) -> tuple[dict[str, list[float]], float]:
    """One epoch of the library's loop, each step timed. Returns ({op: [seconds per call]}, whole).

    The activations, the cost and the optimizer are the library's own objects, called as the
    loop calls them (``ReLU.compute``/``grad``, ``Softmax.compute``, ``Cost.loss``/``fused_delta``,
    ``Σ.apply`` through the bound SGD), so a change in those follows here by itself; the
    fully connected steps (Σ.compute / Σ.gradients / Σ.input_grad) are split into their numpy
    calls (matmul, bias add, bias gradient) to tell BLAS time from the rest."""
    dt = X.dtype
    net = C.lib_w1()
    net.set_weights(W0)
    net.compile(C.SGD(lr=C.W1_LR))
    from neural_net.loop import adopt_dtype

    adopt_dtype(net, dt)
    steps = net.steps
    fcs = [st for st in steps if st.parameters]
    acts = [st for st in steps if not st.parameters]  # ReLU, ReLU, Softmax
    cost = net.cost
    n, L = len(X), len(fcs)
    acc: dict[str, list[float]] = defaultdict(list)
    bufs: dict[int, dict] = {}
    rng = np.random.default_rng(seed)
    order = rng.permutation(n) if door == "fit" else None
    pc = C.clock
    t = 0.0

    def tick(name: str) -> None:
        nonlocal t
        now = pc()
        acc[name].append(now - t)
        t = now

    scale = C.W1_LR
    wall0 = pc()
    for s in range(0, n, B):
        rows = min(s + B, n) - s
        b = bufs.get(rows)
        if b is None:
            b = bufs[rows] = {
                "Z": [np.empty((rows, m), dt) for m in SIZES[1:]],
                "din": [np.empty((rows, m), dt) for m in SIZES[:-1]],
                "ones": np.ones(rows, dt), "delta": np.empty((rows, 10), dt),
                "xb": np.empty((rows, X.shape[1]), dt), "yb": np.empty((rows, 10), dt)}
        t = pc()
        # ---- batch (the loop: slices, or np.take into kept buffers when shuffling)
        if order is None:
            xb, yb = X[s:s + rows], y[s:s + rows]
        else:
            xb, yb = b["xb"], b["yb"]
            idx = order[s:s + rows]
            np.take(X, idx, axis=0, out=xb)
            np.take(y, idx, axis=0, out=yb)
        tick("batch gather")
        # ---- forward: Σ.compute = matmul into the layer's buffer, then Z += bias row;
        #      the activation in place on it (the library's compute)
        a = xb
        inputs = []
        for i in range(L):
            inputs.append(a)
            W = fcs[i].func.W
            Z = b["Z"][i]
            np.matmul(a, W[:-1], out=Z)
            tick(f"forward matmul L{i + 1} (X W)")
            Z += W[-1]
            tick(f"forward bias add L{i + 1} (Z += b)")
            act = acts[i].func
            act.compute(Z, out=Z)
            tick(f"{type(act).__name__} forward" + (f" L{i + 1}" if i < L - 1 else ""))
            a = Z
        p = a
        # ---- loss and fused output delta (the library's cost)
        cost.loss(yb, p)
        tick("loss (Cost.loss)")
        D = cost.fused_delta(yb, p, b["delta"], scale)
        tick("output delta (Cost.fused_delta)")
        # ---- backward: Σ.gradients = [Xᵀ Δ; 1ᵀ Δ] into dW, Σ.input_grad = Δ W[:-1]ᵀ,
        #      Σ.apply (the bound optimizer), then the activation's grad in place
        for i in range(L - 1, -1, -1):
            f = fcs[i].func
            np.result_type(inputs[i], D)  # Σ.gradients checks dW's dtype on every call
            np.matmul(inputs[i].T, D, out=f.dW[:-1])
            tick(f"backward dW matmul L{i + 1} (Xᵀ Δ)")
            np.matmul(b["ones"], D, out=f.dW[-1])
            tick(f"bias gradient L{i + 1} (1ᵀ Δ)")
            if i > 0:
                din = np.matmul(D, f.W[:-1].T, out=b["din"][i])
                tick(f"backward input-grad matmul L{i + 1} (Δ Wᵀ)")
            f.apply()
            tick(f"update L{i + 1} (Σ.apply: W −= ηG)")
            if i > 0:
                act = acts[i - 1].func
                D = act.grad(din, out=din)
                tick(f"{type(act).__name__} backward L{i} (grad in place)")
    wall = pc() - wall0
    return dict(acc), wall


def flops(name: str, n: int) -> float:
    """Floating-point operations of one epoch for a matmul row (2·m·k·n per product)."""
    if "matmul" not in name:
        return 0.0
    for i in range(3):
        if f"L{i + 1} " in name:
            return 2.0 * n * SIZES[i] * SIZES[i + 1]
    return 0.0


def torch_profile(torch: object, X: np.ndarray, labels: np.ndarray, W0: list[np.ndarray], B: int,
                  rows: int) -> tuple[float, str]:
    case = C.TorchW1(torch, X, labels, W0, B, X.dtype.name, shuffle=False)
    case.step()
    t = case.step()
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        case.step()
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows, max_name_column_width=40)
    return t, table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", default="128,500", help="batch sizes, default 128,500")
    p.add_argument("--door", choices=["train", "fit"], default="train")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--quick", action="store_true", help="6000 rows")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--no-cprofile", action="store_true")
    p.add_argument("--top", type=int, default=14, help="rows of the cProfile / torch.profiler tables")
    p.add_argument("--threads", type=int, help="cap numpy's BLAS and torch at this many threads")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: time with the process's CPU time (meaningful with --threads 1 on a busy machine)")
    args = p.parse_args(argv)
    C.set_clock(args.clock)
    if args.quick:
        args.n = 6000
    torch = None if args.no_torch else C.try_torch()
    thread_note = C.limit_threads(args.threads, torch)
    header = C.Header(torch, None, "--no-torch" if args.no_torch else "not installed", "not used here")
    dtype = np.dtype(args.dtype)
    X, y, labels = C.w1_data(n=args.n, dtype=dtype)
    W0 = C.lib_w1().get_weights()
    out = [f"# neural_net W1 epoch profile ({args.door}, {dtype.name}, {args.n} rows)", ""]
    out += [f"    {line}" for line in header.lines() + ([thread_note] if thread_note else [])
            + [f"clock: {C.CLOCK_NAME}" + (" (process CPU time)" if C.CLOCK_NAME == "cpu" else "")]]
    extra: list[str] = []
    for B in [int(b) for b in args.batch.split(",")]:
        nb = -(-args.n // B)
        print(f"B={B}: real epochs ...", file=sys.stderr, flush=True)
        timer, one = real_epochs(X, y, W0, B, args.door, 2)
        print(f"B={B}: instrumented replica ...", file=sys.stderr, flush=True)
        reps = [replica_epoch(X, y, W0, B, args.door) for _ in range(2)]
        real_epochs(X, y, W0, B, args.door, 1, timer)  # once more after the replica: the load drifts
        real = timer.times
        real_med = float(np.median(real))
        real_rob = float(np.median(timer.steps)) * nb
        ops: dict[str, list[float]] = defaultdict(list)
        for acc, _ in reps:
            for k, v in acc.items():
                ops[k] += v
        rob = {k: float(np.median(v)) * len(v) / len(reps) for k, v in ops.items()}
        mean = {k: sum(v) / len(reps) for k, v in ops.items()}
        rows = []
        for name in sorted(rob, key=lambda k: -rob[k]):
            f = flops(name, args.n)
            per = len(ops[name]) // len(reps)
            rows.append([name, str(per), f"{mean[name]:.3f}", f"{rob[name]:.3f}", f"{100 * rob[name] / real_rob:.1f}",
                         f"{1e6 * np.median(ops[name]):.1f}", f"{f / rob[name] / 1e9:.1f}" if f else ""])
        tot = sum(rob.values())
        mm = sum(v for k, v in rob.items() if "matmul" in k)
        wall = min(w for _, w in reps)
        rows.append(["— sum of the operations", "", f"{sum(mean.values()):.3f}", f"{tot:.3f}",
                     f"{100 * tot / real_rob:.1f}", "", ""])
        rows.append(["— of which matmuls (BLAS)", "", "", f"{mm:.3f}", f"{100 * mm / real_rob:.1f}", "", ""])
        rows.append(["— everything but matmuls", "", "", f"{tot - mm:.3f}", f"{100 * (tot - mm) / real_rob:.1f}", "", ""])
        rows.append(["— replica epoch, whole (min of 2, timers included)", "", f"{wall:.3f}", "", "", "", ""])
        rows.append(["— library epoch, real loop", "", f"{real_med:.3f}", f"{real_rob:.3f}", "100.0",
                     f"{1e6 * real_rob / nb:.1f}", ""])
        rows.append(["— Python overhead of the real loop (real − operations)", "", "", f"{real_rob - tot:.3f}",
                     f"{100 * (real_rob - tot) / real_rob:.1f}", f"{1e6 * (real_rob - tot) / nb:.1f}", ""])
        ttable = "torch: skipped" + ("" if args.no_torch else ": not installed")
        if torch is not None:
            print(f"B={B}: torch epoch and profile ...", file=sys.stderr, flush=True)
            torch_s, ttable = torch_profile(torch, X, labels, W0, B, args.top)
            rows.append(["— PyTorch epoch, same data and weights (2nd epoch)", "", f"{torch_s:.3f}", "",
                         f"{100 * torch_s / real_rob:.1f}", f"{1e6 * torch_s / nb:.1f}", ""])
        out += ["", f"## B = {B}: one epoch = {nb} batches; library epochs {', '.join(f'{r:.3f}' for r in real)} s", "",
                "'robust' = median time of one call x calls per epoch (preemptions by other processes "
                "do not count); 'mean' = plain sum, averaged over 2 replica epochs.", ""]
        out.append(C.table(["operation", "calls/epoch", "s/epoch (mean)", "s/epoch (robust)", "% of library epoch",
                            "µs per call (median)", "GFLOP/s"], rows))
        if not args.no_cprofile:
            prof = cProfile.Profile()
            prof.enable()
            one([])
            prof.disable()
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(args.top)
            body = s.getvalue().strip().splitlines()
            start = next((i for i, ln in enumerate(body) if ln.strip().startswith("ncalls")), 0)
            extra += ["", f"### cProfile of one real library epoch, B = {B} (top {args.top} by own time; "
                      "numpy ufunc time is charged to the calling function)", "", "```"] + body[start:] + ["```"]
        if torch is not None:
            extra += ["", f"### torch.profiler, one PyTorch epoch, B = {B} (profiler overhead included)", "", "```",
                      ttable.strip(), "```"]
    out += extra
    out += ["", *header.footer()]
    print("\n".join(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
