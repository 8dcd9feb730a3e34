"""Shared pieces of the benchmarks: the machine header, the W1/W2 data and models, the
library / PyTorch / scikit-learn runners with identical initial weights, and table output.

Nothing here is part of the library; torch and scikit-learn are optional (each runner
says ``skipped: ... not installed`` when its package is missing).

Run the scripts from the repository root with ``PYTHONPATH=.`` (see benchmarks/README.md).
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
import time
import warnings
from typing import Any, Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # so that `python benchmarks/x.py` works without PYTHONPATH too
    sys.path.insert(0, ROOT)

from neural_net.activation import ReLU, Softmax, σ  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.callbacks import Callback  # noqa: E402
from neural_net.cost import BinaryCrossEntropy, CrossEntropy  # noqa: E402
from neural_net.init_funcs import XavierHe  # noqa: E402
from neural_net.layers import Activation, Fullyconnected  # noqa: E402
from neural_net.optimizers import SGD  # noqa: E402
from neural_net.pipeline import Batch  # noqa: E402

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "MKL_NUM_THREADS", "NVPL_BLAS_DEBUG_CPU_TYPE")

W1_LR = 0.01
#: The issue's memory target: peak RSS of W1 training beyond the data, in MB.
MEMORY_TARGET_MB = 150

#: The clock of every timing: wall time by default; ``set_clock("cpu")`` switches to the
#: process's CPU time, which does not count the time other processes hold the CPUs (a
#: fair measure on a busy machine for single-threaded runs only: with several threads it
#: adds their CPU times, spinning included).
clock = time.perf_counter
CLOCK_NAME = "wall"


def set_clock(name: str) -> None:
    global clock, CLOCK_NAME
    clock = time.process_time if name == "cpu" else time.perf_counter
    CLOCK_NAME = name
W2_LR = 0.5


# --------------------------------------------------------------------------- optional packages
def try_torch() -> Any:
    try:
        import torch
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def limit_threads(n: int | None, torch: Any = None) -> str:
    """With ``n``: cap numpy's BLAS (threadpoolctl) and torch at n threads; returns a note."""
    if not n:
        return ""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return f"--threads {n}: threadpoolctl missing, numpy's BLAS threads unchanged"
    global _LIMIT
    _LIMIT = threadpool_limits(limits=n)  # kept alive for the whole run
    if torch is not None:
        torch.set_num_threads(n)
    return f"--threads {n}: numpy's BLAS and torch limited to {n} thread(s)"


_LIMIT: Any = None


def try_sklearn() -> Any:
    try:
        import sklearn
        from sklearn.neural_network import MLPClassifier  # noqa: F401
    except Exception:  # noqa: BLE001
        return None
    return sklearn


# --------------------------------------------------------------------------- the header
def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except Exception:  # noqa: BLE001
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _steal_jiffies() -> tuple[int, int] | None:
    """(steal, total) CPU jiffies from /proc/stat, to tell how much the hypervisor took."""
    try:
        with open("/proc/stat") as f:
            parts = [int(v) for v in f.readline().split()[1:]]
        return (parts[7] if len(parts) > 7 else 0), sum(parts)
    except OSError:
        return None


def blas_info() -> list[str]:
    """One line per BLAS / OpenMP library loaded in this process (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed (pip install threadpoolctl): BLAS kernel unknown"]
    lines = []
    for d in threadpool_info():
        lines.append(f"{d.get('user_api')}: {d.get('internal_api')} {d.get('version') or ''} "
                     f"kernel={d.get('architecture', '-')} threads={d.get('num_threads')} "
                     f"layer={d.get('threading_layer', '-')} ({os.path.basename(d.get('filepath', ''))})")
    return lines or ["threadpoolctl found no BLAS library"]


def source_fingerprint() -> str:
    """A hash of the library's .py files and the newest one's time: which engine was measured
    (the working tree may hold uncommitted changes)."""
    import hashlib

    pkg = os.path.join(ROOT, "neural_net")
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(pkg) for f in fs if f.endswith(".py"))
    h = hashlib.sha1()
    for f in files:
        with open(f, "rb") as fh:
            h.update(f.encode() + b"\0" + fh.read())
    newest = max(files, key=os.path.getmtime) if files else ""
    when = _dt.datetime.fromtimestamp(os.path.getmtime(newest)).astimezone().isoformat(timespec="seconds") if newest else "-"
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip() or "no commit"
    except Exception:  # noqa: BLE001
        head = "git unavailable"
    return f"git {head}, sha1 of {len(files)} .py files {h.hexdigest()[:12]}, newest {os.path.relpath(newest, ROOT)} {when}"


class Header:
    """Everything printed before a table: machine, date, versions, BLAS, load."""

    def __init__(self, torch: Any = None, sklearn: Any = None, torch_skip: str = "not installed",
                 sklearn_skip: str = "not installed") -> None:
        self.torch_skip, self.sklearn_skip = torch_skip, sklearn_skip
        self.start = time.time()
        self.load_start = os.getloadavg()
        self.steal_start = _steal_jiffies()
        self.torch, self.sklearn = torch, sklearn

    def lines(self) -> list[str]:
        import neural_net

        torch, sklearn = self.torch, self.sklearn
        out = [
            f"date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"machine: {_cpu_model()}, {os.cpu_count()} logical CPUs, {platform.machine()}, "
            f"{platform.system()} {platform.release()}",
            f"python {platform.python_version()}, numpy {np.__version__}, neural_net {neural_net.__version__}, "
            f"torch {torch.__version__ if torch else 'skipped: ' + self.torch_skip}, "
            f"scikit-learn {sklearn.__version__ if sklearn else 'skipped: ' + self.sklearn_skip}",
            "env: " + ", ".join(f"{k}={os.environ[k]!r}" if k in os.environ else f"{k} unset" for k in BLAS_VARS),
        ]
        out.append("neural_net source: " + source_fingerprint())
        out += ["BLAS " + line for line in blas_info()]
        if torch is not None:
            try:
                cap = torch.backends.cpu.get_cpu_capability()
            except Exception:  # noqa: BLE001
                cap = "?"
            out.append(f"torch: threads={torch.get_num_threads()}, mkl={torch.backends.mkl.is_available()}, "
                       f"mkldnn={torch.backends.mkldnn.is_available()}, cpu capability={cap}")
        return out

    def footer(self) -> list[str]:
        load = os.getloadavg()
        steal = ""
        s1 = _steal_jiffies()
        if self.steal_start and s1 and s1[1] > self.steal_start[1]:
            steal = f", CPU steal {100 * (s1[0] - self.steal_start[0]) / (s1[1] - self.steal_start[1]):.1f} %"
        lines = [f"wall time {time.time() - self.start:.0f} s; 1-minute load average at start "
                 f"{self.load_start[0]:.2f}, at end {load[0]:.2f}{steal}"]
        if self.load_start[0] > 0.7:  # the end figure includes this run's own threads
            lines.append("WARNING: other processes were using the CPUs (load average > 0.7 before this run's own "
                         "work): multi-threaded BLAS/OpenMP times suffer most (a thread that waits for a "
                         "descheduled peer), so torch's and numpy's 2-thread rows are unreliable; compare with a "
                         "run on an idle machine, or with --threads 1.")
        return lines


# --------------------------------------------------------------------------- data
def w1_data(n: int = 60000, d: int = 784, k: int = 10, seed: int = 0,
            dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-shaped synthetic data: X (n, d) ~ N(0, 1) drawn in float32, labels = argmax of a
    fixed random linear teacher, y one-hot. Both arrays are in ``dtype``; the values are the
    same for float32 and float64 (drawn in float32 chunks written into X, so no full-size
    temporary array raises the memory peak)."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, d), dtype)
    for s in range(0, n, 8192):  # same stream as one draw of (n, d)
        X[s:s + 8192] = rng.standard_normal((min(8192, n - s), d), dtype=np.float32)
    teacher = rng.standard_normal((d, k), dtype=np.float32)
    labels = np.empty(n, np.int64)
    for s in range(0, n, 8192):  # in float32, so both dtypes get the same labels
        labels[s:s + 8192] = np.argmax(X[s:s + 8192].astype(np.float32, copy=False) @ teacher, axis=1)
    y = np.zeros((n, k), dtype)
    y[np.arange(n), labels] = 1
    return X, y, labels


def w2_data(n: int = 1000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric circles in 2-D (radius 1: label 0, radius 0.5: label 1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(labels == 1, 0.5, 1.0) + 0.08 * rng.standard_normal(n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, labels.reshape(-1, 1).astype(np.float64)


# --------------------------------------------------------------------------- library models
def lib_w1(seed: int = 0, store: Any = False) -> Sequential:
    he = XavierHe("Uniform", "ReLU").init_func
    return Sequential([Fullyconnected(784, 300, he), Activation(ReLU), Fullyconnected(300, 100, he),
                       Activation(ReLU), Fullyconnected(100, 10, he), Activation(Softmax)],
                      CrossEntropy, store=store, seed=seed)


def lib_w1_for(door: str, W0: list[np.ndarray] | None = None, store: Any = False) -> Sequential:
    """The W1 network ready for ``door`` ("train" or "fit": compiled with plain SGD), starting
    from the weights ``W0`` when given."""
    net = lib_w1(store=store)
    if W0 is not None:
        net.set_weights(W0)
    if door == "fit":
        net.compile(SGD(lr=W1_LR))
    return net


def w1_epoch(net: Sequential, X: np.ndarray, y: np.ndarray, B: int, door: str,
             callbacks: list[Callback] | None = None) -> None:
    """One W1 epoch through ``door``: seed-style ``train(batch=Batch(...))`` (in order) or
    ``fit(shuffle=True)``."""
    if door == "train":
        net.train(batch=Batch(B, len(X), lambda: X, lambda: y), epochs=1, α=W1_LR, verbose=False,
                  callbacks=callbacks)
    else:
        net.fit(X, y, epochs=1, batch_size=B, shuffle=True, verbose=0, callbacks=callbacks)


def lib_w2(seed: int = 0) -> Sequential:
    glorot = XavierHe("Uniform", "Sigmoid").init_func
    return Sequential([Fullyconnected(2, 50, glorot), Activation(σ), Fullyconnected(50, 1, glorot),
                       Activation(σ)], BinaryCrossEntropy, seed=seed)


class EpochTimer(Callback):
    """Seconds from on_epoch_begin to on_epoch_end of every epoch (the pure epoch, without
    the per-call checks of train/fit)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._t = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._t = clock()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.times.append(clock() - self._t)


# --------------------------------------------------------------------------- runners
class Case:
    """One row of a table: ``step()`` runs one unit (an epoch for W1, a whole training for W2)
    and returns its seconds; ``loss`` is the training loss after the first unit."""

    impl = "?"
    door = "?"
    threads: int | None = None

    def __init__(self, workload: str, dtype: Any, batch: int | None) -> None:
        self.workload, self.dtype, self.batch = workload, np.dtype(dtype), batch
        self.times: list[float] = []
        self.call_overheads: list[float] = []
        self.loss: float | None = None
        self.skipped: str | None = None
        self.baseline: "Case | None" = None
        self.note = ""

    @property
    def label(self) -> tuple[str, str, str, str]:
        return (self.workload, self.impl, self.door, self.dtype.name)

    def step(self) -> float:
        raise NotImplementedError


class LibW1(Case):
    impl = "neural_net"

    def __init__(self, X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], batch: int, dtype: Any, door: str,
                 store: Any = False) -> None:
        super().__init__("W1", dtype, batch)
        self.door = door
        self.X, self.y = X, y
        self.net = lib_w1_for(door, W0, store)
        self.timer = EpochTimer()

    def step(self) -> float:
        t = clock()
        w1_epoch(self.net, self.X, self.y, self.batch, self.door, [self.timer])
        total = clock() - t
        epoch = self.timer.times[-1]
        self.call_overheads.append(total - epoch)
        if self.loss is None:
            self.loss = self.net.history.history["loss"][-1]
        self.times.append(epoch)
        return epoch


class LibW2(Case):
    impl = "neural_net"

    def __init__(self, X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], dtype: Any, door: str, epochs: int) -> None:
        super().__init__("W2", dtype, len(X))
        self.door, self.epochs = door, epochs
        self.X, self.y, self.W0 = X.astype(dtype), y.astype(dtype), W0
        self.net = lib_w2()
        if door == "fit":
            self.net.compile(SGD(lr=W2_LR))

    def step(self) -> float:
        self.net.set_weights(self.W0)
        t = clock()
        if self.door == "train":
            self.net.train(self.X, self.y, epochs=self.epochs, α=W2_LR, verbose=False)
        else:
            self.net.fit(self.X, self.y, epochs=self.epochs, batch_size=None, shuffle=True, verbose=0)
        total = clock() - t
        if self.loss is None:
            self.loss = self.net.history.history["loss"][-1]
        self.times.append(total)
        return total


def _torch_mlp(torch: Any, sizes: list[int], act: Any, W0: list[np.ndarray], dtype: Any) -> Any:
    layers: list[Any] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = torch.nn.Linear(a, b)
        with torch.no_grad():  # library W is (n_in + 1, n_out), bias last
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W0[i][:-1].T)))
            lin.bias.copy_(torch.from_numpy(W0[i][-1].copy()))
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(act())
    model = torch.nn.Sequential(*layers)
    return model.to(torch.float32 if np.dtype(dtype) == np.float32 else torch.float64)


class TorchW1(Case):
    impl = "torch"

    def __init__(self, torch: Any, X: np.ndarray, labels: np.ndarray, W0: list[np.ndarray], batch: int, dtype: Any,
                 shuffle: bool, seed: int = 0, threads: int | None = None) -> None:
        super().__init__("W1", dtype, batch)
        self.door = "loop, shuffled" if shuffle else "loop, slices"
        if threads:
            self.door += f", {threads} thread" + ("s" if threads > 1 else "")
        self.torch, self.shuffle, self.threads = torch, shuffle, threads
        self.model = _torch_mlp(torch, [784, 300, 100, 10], torch.nn.ReLU, W0, dtype)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=W1_LR)
        self.lossf = torch.nn.CrossEntropyLoss()
        self.X = torch.from_numpy(X)  # no copy
        self.y = torch.from_numpy(labels.astype(np.int64))
        self.gen = torch.Generator().manual_seed(seed)

    def step(self) -> float:
        torch, X, y, B, n = self.torch, self.X, self.y, self.batch, len(self.X)
        model, opt, lossf = self.model, self.opt, self.lossf
        with torch_threads(torch, self.threads):
            return self._epoch(torch, X, y, B, n, model, opt, lossf)

    def _epoch(self, torch: Any, X: Any, y: Any, B: int, n: int, model: Any, opt: Any, lossf: Any) -> float:
        t = clock()
        order = torch.randperm(n, generator=self.gen) if self.shuffle else None
        total = 0.0
        for s in range(0, n, B):
            if order is None:
                xb, yb = X[s:s + B], y[s:s + B]
            else:
                idx = order[s:s + B]
                xb, yb = X.index_select(0, idx), y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        dt = clock() - t
        if self.loss is None:
            self.loss = total / n
        self.times.append(dt)
        return dt


class TorchW2(Case):
    impl = "torch"
    door = "loop, full batch"

    def __init__(self, torch: Any, X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], dtype: Any, epochs: int,
                 threads: int | None = None) -> None:
        super().__init__("W2", dtype, len(X))
        self.torch, self.epochs, self.W0, self.threads = torch, epochs, W0, threads
        if threads:
            self.door = f"loop, full batch, {threads} thread" + ("s" if threads > 1 else "")
        self.X = torch.from_numpy(X.astype(dtype))
        self.y = torch.from_numpy(y.astype(dtype))

    def step(self) -> float:
        torch = self.torch
        model = _torch_mlp(torch, [2, 50, 1], torch.nn.Sigmoid, self.W0, self.dtype)
        opt = torch.optim.SGD(model.parameters(), lr=W2_LR)
        lossf = torch.nn.BCEWithLogitsLoss()  # σ + BCE fused, as the library fuses them
        X, y = self.X, self.y
        with torch_threads(torch, self.threads):
            return self._train(model, opt, lossf, X, y)

    def _train(self, model: Any, opt: Any, lossf: Any, X: Any, y: Any) -> float:
        t = clock()
        for _ in range(self.epochs):
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(X), y)
            loss.backward()
            opt.step()
        last = loss.item()
        dt = clock() - t
        if self.loss is None:
            self.loss = last
        self.times.append(dt)
        return dt


class torch_threads:
    """Context manager: torch.set_num_threads(n) inside, the previous count restored after."""

    def __init__(self, torch: Any, n: int | None) -> None:
        self.torch, self.n, self.prev = torch, n, None

    def __enter__(self) -> None:
        if self.n:
            self.prev = self.torch.get_num_threads()
            self.torch.set_num_threads(self.n)

    def __exit__(self, *exc: Any) -> None:
        if self.prev:
            self.torch.set_num_threads(self.prev)


def _sk_set_weights(clf: Any, W0: list[np.ndarray], dtype: Any) -> None:
    clf.coefs_ = [np.ascontiguousarray(w[:-1]).astype(dtype) for w in W0]
    clf.intercepts_ = [w[-1].astype(dtype) for w in W0]


def _sk_classifier(hidden: tuple[int, ...], activation: str, lr: float, batch: int, max_iter: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    # tol must be >= 0 in scikit-learn >= 1.2 (tol=-inf is refused); n_iter_no_change larger
    # than max_iter disables the early stop just the same.
    return MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="sgd", learning_rate="constant",
                         learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False, batch_size=batch, alpha=0.0,
                         max_iter=max_iter, tol=0.0, n_iter_no_change=10**9, shuffle=False, warm_start=True,
                         early_stopping=False, random_state=0)


class _SkCase(Case):
    """A scikit-learn row: ``self.clf`` fitted on ``self.X``/``self.labels`` per unit."""

    impl = "sklearn"
    clf: Any
    X: np.ndarray
    labels: np.ndarray

    def timed_fit(self) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning when max_iter is reached
            t = clock()
            self.clf.fit(self.X, self.labels)
            dt = clock() - t
        if self.loss is None:
            self.loss = float(self.clf.loss_curve_[-1])
        self.times.append(dt)
        return dt


class SkW1(_SkCase):
    """MLPClassifier: one ``fit(max_iter=1)`` per epoch with warm_start=True. The library's
    initial weights are set into ``coefs_``/``intercepts_`` after a one-batch ``partial_fit``
    that creates the internals (label binarizer, shapes); warm_start keeps them."""

    door = "fit(max_iter=1), warm_start"

    def __init__(self, X: np.ndarray, labels: np.ndarray, W0: list[np.ndarray], batch: int, dtype: Any) -> None:
        super().__init__("W1", dtype, batch)
        self.X, self.labels = X, labels
        self.clf = _sk_classifier((300, 100), "relu", W1_LR, batch, 1)
        self.clf.partial_fit(X[:batch], labels[:batch], classes=np.arange(10))
        _sk_set_weights(self.clf, W0, dtype)

    def step(self) -> float:
        return self.timed_fit()


class SkW2(_SkCase):
    door = "fit(max_iter=epochs)"

    def __init__(self, X: np.ndarray, y: np.ndarray, W0: list[np.ndarray], dtype: Any, epochs: int) -> None:
        super().__init__("W2", dtype, len(X))
        self.X, self.labels, self.W0 = X.astype(dtype), y.ravel().astype(int), W0
        self.clf = _sk_classifier((50,), "logistic", W2_LR, len(X), epochs)
        self.clf.partial_fit(self.X, self.labels, classes=np.array([0, 1]))

    def step(self) -> float:
        _sk_set_weights(self.clf, self.W0, self.dtype)
        return self.timed_fit()


def round_robin(cases: list[Case], reps: int, progress: Callable[[str], None] | None = None) -> None:
    """Run one unit of every case in turn, ``reps`` times, so that a change of machine load
    hits every row alike (ratios within one run stay meaningful)."""
    live = [c for c in cases if c.skipped is None]
    for r in range(reps):
        for c in live:
            try:
                dt = c.step()
            except Exception as e:  # noqa: BLE001 - report and go on with the other rows
                c.skipped = f"failed: {type(e).__name__}: {e}"
                continue
            if progress:
                progress(f"  rep {r + 1}/{reps} {' '.join(c.label)} B={c.batch}: {dt:.3f} s")
        live = [c for c in live if c.skipped is None]


def median(xs: list[float]) -> float:
    return float(np.median(xs)) if xs else float("nan")


# --------------------------------------------------------------------------- output
def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (readable as plain text too)."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def _proc_status_mb(field: str) -> float | None:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in MB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_now_mb() -> float:
    """Current resident set size of this process (VmRSS), in MB."""
    mb = _proc_status_mb("VmRSS")
    return float("nan") if mb is None else mb


def rss_peak_mb() -> float:
    """Peak resident set size of this process so far (VmHWM, else ru_maxrss), in MB."""
    mb = _proc_status_mb("VmHWM")
    if mb is not None:
        return mb
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
