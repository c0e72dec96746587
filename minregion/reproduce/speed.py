"""Speed only: keep freed memory in the process, so NumPy's temporaries do not page-fault.

Every NumPy operation allocates a fresh output array. glibc's ``malloc`` hands blocks above
its *mmap threshold* (128 KiB at start) straight from the operating system and gives them
back on ``free``; a training step of 30 networks on 500 points makes dozens of arrays of
about 480 KiB, so every one of them pays fresh page faults. Raising the threshold (and the
trim threshold) keeps those blocks in the heap for reuse (``make bench`` measures the gain).

This changes speed only, never a number. It changes the **whole process**, for good, so no
library function calls it: only processes that minregion owns opt in (the command line
``python -m minregion`` and its worker processes, and the benchmark). On a system without
glibc it does nothing.
"""
import ctypes

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_done = False


def keep_freed_memory():
    """Ask glibc to keep freed blocks up to 32 MiB in the heap. Safe to call repeatedly.

    Returns True when the setting took effect (glibc found), False otherwise.
    """
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024))
        ok &= bool(libc.mallopt(_M_TRIM_THRESHOLD, 512 * 1024 * 1024))
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok
