"""Ideas for a faster W1 epoch, measured in isolation before (not) putting them in the library.

Each row times one variant of a step of the W1 loop (784-300-100-10, float32) on the W1
shapes, so that an idea is kept or dropped on a figure rather than a guess:

* **shuffled batch gather** (what `fit` adds to `train`): ``np.take(X, idx, axis=0,
  out=buf, mode="clip")`` as the library does; the same with the indices of each batch
  sorted (same rows, addresses in increasing order); split between the main thread and a
  worker thread (numpy releases the GIL in ``take``); and, for scale, a contiguous copy of
  as many rows (the floor of any gather).
* **prefetch**: gather batch b+1 in a worker thread while batch b's first-layer matmul runs,
  against doing the two one after the other.
* **bias folded into the matmul**: ``[X, 1] @ W`` (a ones column in the input buffer)
  against ``X @ W[:-1]`` followed by ``Z += W[-1]``.
* **layouts**: the forward matmul with ``W`` in Fortran order, and the weight gradient as
  ``(Δᵀ X)`` into a ``(n_out, n_in)`` buffer, against the library's C-ordered ``X W`` and
  ``Xᵀ Δ``.

Times are microseconds per batch: the median of ``--reps`` passes over one epoch's batches.

Usage (from the repository root):
    PYTHONPATH=. python benchmarks/bench_ideas.py               # B = 128 and 500
    PYTHONPATH=. python benchmarks/bench_ideas.py --batch 128 --reps 3
"""
from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402


def per_batch_us(step: Callable[[int], None], batches: int, reps: int) -> float:
    """Median over ``reps`` passes of the mean time of ``step(b)`` for b in range(batches)."""
    step(0)  # warm-up (first-touch of buffers, thread start)
    times = []
    for _ in range(reps):
        t = C.clock()
        for b in range(batches):
            step(b)
        times.append((C.clock() - t) / batches * 1e6)
    return C.median(times)


def measure(X: np.ndarray, B: int, reps: int, pool: ThreadPoolExecutor, seed: int = 0) -> list[list[str]]:
    n, d = X.shape
    batches = n // B  # whole batches only: every buffer keeps one shape
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)[: batches * B].reshape(batches, B)
    sorted_order = np.sort(order, axis=1)
    he = np.sqrt(6 / d)
    W = rng.uniform(-he, he, (d + 1, 300)).astype(X.dtype)
    buf, buf2 = np.empty((B, d), X.dtype), np.empty((B, d), X.dtype)
    Z = np.empty((B, 300), X.dtype)
    aug = np.ones((B, d + 1), X.dtype)
    W_fortran = np.asfortranarray(W[:-1])
    delta = rng.standard_normal((B, 300)).astype(X.dtype)
    G, G_t = np.empty((d, 300), X.dtype), np.empty((300, d), X.dtype)
    half = B // 2

    def take(rows: np.ndarray, out: np.ndarray) -> None:
        np.take(X, rows, axis=0, out=out, mode="clip")

    def two_threads(b: int) -> None:
        f = pool.submit(take, order[b, :half], buf[:half])
        take(order[b, half:], buf[half:])
        f.result()

    def sequential(b: int) -> None:
        take(order[b], buf)
        np.matmul(buf, W[:-1], out=Z)

    pending: list = [None]
    bufs = (buf, buf2)

    def prefetched(b: int) -> None:
        cur = bufs[b % 2]
        if pending[0] is None:
            take(order[b], cur)
        else:
            pending[0].result()
        pending[0] = pool.submit(take, order[(b + 1) % batches], bufs[(b + 1) % 2])
        np.matmul(cur, W[:-1], out=Z)

    def contiguous(b: int) -> None:
        np.copyto(buf, X[b * B:(b + 1) * B])

    def matmul_then_bias(b: int) -> None:
        np.matmul(buf, W[:-1], out=Z)
        np.add(Z, W[-1], out=Z)

    def folded(b: int) -> None:
        np.matmul(aug, W, out=Z)

    take(order[0], buf)
    aug[:, :d] = buf
    variants = [
        ("gather", "np.take(out=, mode='clip') (the library's)", lambda b: take(order[b], buf)),
        ("gather", "np.take, indices sorted within the batch", lambda b: take(sorted_order[b], buf)),
        ("gather", "np.take split over 2 threads", two_threads),
        ("gather", "contiguous copy of B rows (floor)", contiguous),
        ("gather + L1 matmul", "one after the other (the library's)", sequential),
        ("gather + L1 matmul", "next batch prefetched in a thread", prefetched),
        ("L1 forward", "X @ W[:-1]; Z += W[-1] (the library's)", matmul_then_bias),
        ("L1 forward", "[X, 1] @ W (bias folded)", folded),
        ("L1 forward matmul", "X @ W, W C-ordered (the library's)", lambda b: np.matmul(buf, W[:-1], out=Z)),
        ("L1 forward matmul", "X @ W, W Fortran-ordered", lambda b: np.matmul(buf, W_fortran, out=Z)),
        ("L1 weight gradient", "Xᵀ Δ into (n_in, n_out) (the library's)", lambda b: np.matmul(buf.T, delta, out=G)),
        ("L1 weight gradient", "Δᵀ X into (n_out, n_in)", lambda b: np.matmul(delta.T, buf, out=G_t)),
    ]
    rows = []
    for step_name, variant, fn in variants:
        us = per_batch_us(fn, batches, reps)
        if pending[0] is not None:
            pending[0].result()
            pending[0] = None
        rows.append([step_name, variant, str(B), f"{us:.1f}"])
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, action="append", help="batch size (repeatable), default 128 and 500")
    p.add_argument("--reps", type=int, default=5, help="passes over the epoch's batches, default 5")
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--dtype", default="float32")
    args = p.parse_args(argv)
    header = C.Header(None, None, "not used here", "not used here")
    print("\n".join(header.lines()))
    X, _, _ = C.w1_data(n=args.n, dtype=np.dtype(args.dtype))
    rows = []
    with ThreadPoolExecutor(1) as pool:
        for B in args.batch or [128, 500]:
            rows += measure(X, B, args.reps, pool)
    print()
    print(C.table(["step", "variant", "batch", "µs per batch (median)"], rows))
    print()
    print("\n".join(header.footer()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
