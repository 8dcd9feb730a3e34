"""The library's own warnings fail the suite (issue 10 §5).

``pyproject.toml`` sets ``filterwarnings = ["error:::neural_net"]``: a warning raised inside a
``neural_net`` module is an error in every test. Compile-time warnings (an invalid escape
sequence such as ``'\\m'`` in a docstring) are emitted once, when a module is first compiled,
so they are checked here by compiling every source file afresh with warnings as errors.
"""
from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "neural_net").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sources_compile_without_warnings(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_invalid_escape_sequences_are_caught():
    with warnings.catch_warnings(), pytest.raises(SyntaxError, match="invalid escape sequence"):
        warnings.simplefilter("error")
        compile('"""G \\mathrel{+}= λW"""', "probe.py", "exec")


def test_a_warning_inside_the_library_is_an_error_in_the_suite():
    from neural_net.cost import BinaryCrossEntropy

    # log(0) inside neural_net.cost: numpy's RuntimeWarning is attributed to that module
    with pytest.raises(RuntimeWarning, match="divide by zero"):
        BinaryCrossEntropy().compute(np.array([1.0]), np.array([0.0]), clip=False)
