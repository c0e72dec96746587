"""Shared helpers for the tests. Randomness always comes from a seeded Generator."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test: same seed, same numbers."""
    return np.random.default_rng(20250716)


def pytest_collection_modifyitems(config, items):
    """Every test belongs to a chapter, so ``pytest -m chNN`` runs all that chapter teaches
    (or to ``house``: the package's own rules, which are nobody's exercise)."""
    loose = [item.nodeid for item in items
             if not any(m.name.startswith("ch") or m.name == "house"
                        for m in item.iter_markers())]
    if loose:
        raise pytest.UsageError("tests without a chapter marker (ch01..ch08): " + ", ".join(loose))
