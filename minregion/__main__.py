"""``python -m minregion``: see :mod:`minregion.cli`. This process belongs to minregion."""
import sys

from .cli import main

sys.exit(main(own_process=True))
