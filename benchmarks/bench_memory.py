"""Peak memory of W1 training (the whole process), beyond the data's own size.

Each configuration runs in a fresh child process (``python bench_memory.py --child ...``),
under ``/usr/bin/time -v`` when present (its "Maximum resident set size"), else with the
child's own ``VmHWM`` / ``resource.getrusage().ru_maxrss``. The child imports numpy and the
library only (not torch, not scikit-learn, unless it is the torch reference row), builds the
W1 data directly in the row's dtype (no full-size temporary), trains ``--epochs`` epochs and
reports:

* data: ``X.nbytes + y.nbytes`` (float32: 188 + 2.4 MB);
* before: RSS after imports and data, before the model is built;
* peak: the process's maximum RSS;
* peak − data: the figure of the target (≤ 150 MB), which also holds the interpreter,
  numpy, the library and the BLAS threads (see the "no training" row for that floor);
* peak − before: what training itself added;
* numpy peak: the largest traced allocation total during training (tracemalloc, which numpy
  reports to), and the transient of the input check alone (``neural_net.loop.check_X`` on X).

Usage (from the repository root):
    PYTHONPATH=. python benchmarks/bench_memory.py             # all rows, ~2 min
    PYTHONPATH=. python benchmarks/bench_memory.py --quick     # float32 B=128 only, 1 epoch
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

HERE = os.path.abspath(__file__)
MB = 1024 * 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(args: argparse.Namespace) -> None:
    import tracemalloc

    out: dict = {"config": args.child, "rss_python_mb": _rss_mb()}
    import numpy as np

    out["rss_numpy_mb"] = _rss_mb()
    import common as C

    out["rss_library_mb"] = _rss_mb()
    out["pandas_imported"] = "pandas" in sys.modules
    out["sqlalchemy_imported"] = "sqlalchemy" in sys.modules
    dtype = np.dtype(args.dtype)
    X, y, labels = C.w1_data(n=args.n, dtype=dtype)
    out["data_mb"] = (X.nbytes + y.nbytes) / MB
    if args.child == "torch":
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        del y
    out["before_mb"] = C.rss_now_mb()
    out["hwm_before_mb"] = C.rss_peak_mb()
    times = []
    if args.child in ("train", "fit"):
        net = C.lib_w1_for(args.child)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(args.epochs):
            t = time.perf_counter()
            C.w1_epoch(net, X, y, args.batch, args.child)
            times.append(time.perf_counter() - t)
        out["traced_peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / MB
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        from neural_net.loop import check_X

        check_X(net, X)
        out["check_X_peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / MB
        tracemalloc.stop()
    elif args.child == "torch":
        W0 = C.lib_w1().get_weights()
        case = C.TorchW1(torch, X, labels, W0, args.batch, args.dtype, shuffle=False)
        for _ in range(args.epochs):
            times.append(case.step())
    out["epoch_s"] = times
    out["peak_mb"] = C.rss_peak_mb()
    print("RESULT " + json.dumps(out), flush=True)


def run_child(config: str, dtype: str, batch: int, epochs: int, n: int, use_time: bool) -> dict:
    cmd = [sys.executable, HERE, "--child", config, "--dtype", dtype, "--batch", str(batch),
           "--epochs", str(epochs), "--n", str(n)]
    if use_time:
        cmd = ["/usr/bin/time", "-v"] + cmd
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.path.dirname(os.path.dirname(HERE)), env.get("PYTHONPATH")) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        return {"config": config, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    res = json.loads(line[len("RESULT "):])
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if m:
        res["time_v_peak_mb"] = int(m.group(1)) / 1024
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--child", choices=["none", "train", "fit", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=2, help="epochs per child, default 2")
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--quick", action="store_true", help="float32 B=128 train/fit and the floor, 1 epoch")
    p.add_argument("--no-torch", action="store_true", help="leave out the PyTorch reference row")
    p.add_argument("--json", help="also write the measurements to this JSON file")
    args = p.parse_args(argv)
    if args.child:
        child(args)
        return 0

    import common as C

    torch = None if args.no_torch else C.try_torch()
    header = C.Header(torch, None, "--no-torch" if args.no_torch else "not installed", "not used here")
    head = header.lines()
    use_time = shutil.which("time") is not None and os.path.exists("/usr/bin/time")
    if args.quick:
        args.epochs = 1
        configs = [("none", "float32", 128), ("train", "float32", 128), ("fit", "float32", 128)]
    else:
        configs = [("none", "float32", 128), ("train", "float32", 128), ("fit", "float32", 128),
                   ("train", "float32", 500), ("fit", "float32", 500),
                   ("none", "float64", 128), ("train", "float64", 128), ("fit", "float64", 128)]
        if torch is not None:
            configs.append(("torch", "float32", 128))
    results = []
    for cfg in configs:
        print(f"  running {cfg} ...", file=sys.stderr, flush=True)
        results.append((cfg, run_child(*cfg, args.epochs, args.n, use_time)))

    rows = []
    for (config, dtype, batch), r in results:
        label = {"none": "no training (imports + data)", "train": "neural_net train(batch=Batch)",
                 "fit": "neural_net fit(shuffle=True)", "torch": "torch loop (reference)"}[config]
        if "error" in r:
            rows.append([label, dtype, str(batch), "-", "-", "-", "-", "-", "-", "-", "failed: " + r["error"]])
            continue
        peak = r.get("time_v_peak_mb", r["peak_mb"])
        f = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
        rows.append([label, dtype, "-" if config == "none" else str(batch), f(r["data_mb"]), f(r["before_mb"]),
                     f(peak), f(peak - r["data_mb"]), f(peak - r["before_mb"]), f(r.get("traced_peak_mb")),
                     f(r.get("check_X_peak_mb")),
                     f"{min(r['epoch_s']):.2f}" if r.get("epoch_s") else "-"])
    source = "/usr/bin/time -v (Maximum resident set size)" if use_time else "VmHWM / ru_maxrss of the child"
    out = ["# neural_net W1 peak memory" + (" (--quick)" if args.quick else ""), ""]
    out += [f"    {line}" for line in head]
    out += ["", f"Peak = whole child process, from {source}; {args.n} x 784 rows, {args.epochs} epoch(s) per "
            f"child; MB = 2^20 bytes. Target: peak − data ≤ {C.MEMORY_TARGET_MB} MB for W1 training.", ""]
    out.append(C.table(["run", "dtype", "batch", "data MB", "RSS before MB", "peak MB", "peak − data",
                        "peak − before", "numpy/Python traced peak", "of which check_X", "epoch s (min)"], rows))
    status = []
    for (config, dtype, batch), r in results:
        if config in ("train", "fit") and "error" not in r:
            v = r.get("time_v_peak_mb", r["peak_mb"]) - r["data_mb"]
            status.append(f"{config} {dtype} B={batch}: {v:.0f} MB beyond the data -> "
                          f"{'met' if v <= C.MEMORY_TARGET_MB else f'missed by {v - C.MEMORY_TARGET_MB:.0f} MB'}")
    floor = next((r for (c, _, _), r in results if c == "none" and "error" not in r), None)
    if floor:
        out += ["", f"Import floor (RSS of the child): python {floor['rss_python_mb']:.0f} MB, after numpy "
                f"{floor['rss_numpy_mb']:.0f} MB, after neural_net.architecture (+tqdm"
                f"{', +pandas' if floor['pandas_imported'] else ''}"
                f"{', +sqlalchemy' if floor['sqlalchemy_imported'] else ''}) {floor['rss_library_mb']:.0f} MB."]
    out += ["", f"Target ≤ {C.MEMORY_TARGET_MB} MB beyond the data:"] + [f"  {s}" for s in status]
    out += ["", *header.footer()]
    print("\n".join(out), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"header": head, "results": [[list(c), r] for c, r in results]}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
