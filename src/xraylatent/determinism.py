"""One job, one result: the thread counts and kernel choices that make a rerun on the same machine identical.

Floating-point sums depend on their order, and the order depends on how many threads split them and on
which kernel a library picks. A job therefore fixes its thread counts (torch's and the BLAS/OpenMP pools
numpy and scikit-learn use) to what the rule asked for, and asks torch for deterministic algorithms.
Across machines the kernels themselves differ (docs/reproducibility.md).
"""

from __future__ import annotations

import os

import torch
from threadpoolctl import threadpool_limits


def deterministic_job(threads: int) -> None:
    """Pin this process to ``threads`` threads everywhere and to deterministic torch kernels.

    Call it once at the start of a job, before any tensor work. On CUDA, cuBLAS needs a fixed workspace for
    reproducible GEMMs (set here unless the user set one); an op without a deterministic CUDA kernel warns
    instead of failing.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(threads)
    threadpool_limits(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
