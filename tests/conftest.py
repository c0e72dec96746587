"""Shared helpers for the tests. Randomness always comes from a seeded Generator."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: same seed, same numbers."""
    return np.random.default_rng(20250716)
