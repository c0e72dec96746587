"""``python -m minregion``: see :mod:`minregion.cli`."""
import sys

from .cli import main

sys.exit(main())
