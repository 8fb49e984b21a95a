"""scikit-learn's own estimator checks on Emulator, EDNN, NNCA and ECA.

They hold the estimators to scikit-learn's conventions (input validation and its messages, tags, cloning,
``n_features_in_``, fit idempotence, read-only and list inputs, multi-output targets, ...), so that they work
in pipelines, searches and ``clone`` like any scikit-learn regressor or transformer. The instances are small
and run on the CPU; their training settings are just enough for the one check that asks for training quality
(``check_regressors_train``: R² > 0.5 on its 200-row regression). ECA gets an unfitted Emulator, which it
clones and fits on the check's data. A check that fails by design would go into ``EXPECTED_FAILURES`` with
the reason; none does (run strict, so a listed check that starts passing is reported).

``check_array_api_input`` needs ``SCIPY_ARRAY_API=1`` before SciPy is first imported, so it runs in a
process of its own instead of being skipped here.
"""

import os
import subprocess
import sys
from functools import partial

import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from xraylatent.models.eca import ECA
from xraylatent.models.estimators import EDNN, NNCA, Emulator

FAST = dict(learning_rate=1e-2, max_epochs=100, device="cpu")
ESTIMATORS = [
    Emulator((8,), **FAST),
    EDNN(1, (8,), (8,), **FAST),
    NNCA(1, (8,), **FAST),
    ECA(Emulator((8,), **FAST), n_components=1, n_starts=2, max_iter=20),
]
# estimator class name → {check name: why it fails by design}
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}
ARRAY_API_CHECK = "check_array_api_input"


def _name(check) -> str:
    return (check.func if isinstance(check, partial) else check).__name__


CASES = [
    pytest.param(estimator, check, id=f"{type(estimator).__name__}-{_name(check)}")
    for template in ESTIMATORS
    for estimator, check in estimator_checks_generator(
        template, expected_failed_checks=EXPECTED_FAILURES.get(type(template).__name__, {}), mark="xfail",
        xfail_strict=True)
    if _name(check) != ARRAY_API_CHECK
]


@pytest.mark.parametrize("estimator, check", CASES)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_array_api_dispatch_leaves_numpy_results_unchanged():
    """scikit-learn's array-API check (NumPy namespace: dispatch on must change nothing), in its own process."""
    code = f"""
import torch
torch.set_num_threads(1)
from functools import partial
from sklearn.utils.estimator_checks import estimator_checks_generator
import sys
sys.path.insert(0, {os.path.dirname(__file__)!r})
from test_sklearn_checks import ESTIMATORS, _name
ran = 0
for template in ESTIMATORS:
    for estimator, check in estimator_checks_generator(template):
        if _name(check) == {ARRAY_API_CHECK!r}:
            check(estimator)
            ran += 1
print(ran)
"""
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SCIPY_ARRAY_API": "1"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == str(len(ESTIMATORS))
