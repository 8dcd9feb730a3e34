"""Every public object's docstring example runs and prints what it says."""
import doctest
import importlib
import pkgutil

import pytest

import neural_net

MODULES = sorted(m.name for m in pkgutil.walk_packages(neural_net.__path__, "neural_net.")
                 if ".migrations" not in m.name and not m.name.endswith("__main__"))


#: Modules whose examples need an optional extra (skipped without it).
OPTIONAL = {"neural_net.db.mlflow_export": "mlflow", "neural_net.db.tensorboard_export": "tbparse",
            "neural_net.cli.interop": "tensorboardX"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    monkeypatch.chdir(tmp_path)  # examples that store write under ./run of a temporary directory
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
