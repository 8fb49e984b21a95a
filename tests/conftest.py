import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny_config() -> Path:
    return DATA / "tiny.yaml"


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Small networks gain nothing from more threads, and on a shared 2-core machine they oversubscribe."""
    import torch

    torch.set_num_threads(1)
