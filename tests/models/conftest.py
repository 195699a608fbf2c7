"""Fixtures for the model tests: the tiny seeded-random model packages (tests/py/tiny_models.py),
built once per build dir. Tests that need torch, transformers or safetensors skip without them."""
import pytest

import tiny_models as tm


@pytest.fixture(scope="session")
def tiny_models():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("safetensors")
    return tm.export_tiny()
