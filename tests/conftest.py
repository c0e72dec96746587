"""Shared helpers for the tests. Randomness always comes from a seeded Generator."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: same seed, same numbers."""
    return np.random.default_rng(20250716)


def pytest_collection_modifyitems(config, items):
    """Every test belongs to a chapter, so ``pytest -m chNN`` runs all that chapter teaches
    (or to ``house``: the package's own rules, or ``float64``: the region counter's float64
    guard; neither is anybody's exercise)."""
    loose = [item.nodeid for item in items
             if not any(m.name.startswith("ch") or m.name in ("house", "float64")
                        for m in item.iter_markers())]
    if loose:
        raise pytest.UsageError("tests without a marker ch01..ch08, house or float64: " + ", ".join(loose))
