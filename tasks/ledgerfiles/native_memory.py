"""Giving memory that native code freed back to the system.

The workbook reader (python-calamine, Rust) holds a whole sheet in C-heap memory while it is
read: about 150 MB for 100,000 measures. Freed, that memory stays with the process: glibc keeps
it for later ``malloc`` calls, and Python's own objects come from separately mapped arenas, so
the import that follows never reuses it and the process peaks that much higher.
``malloc_trim`` hands it back. Elsewhere than glibc (musl, macOS) this does nothing.
"""

import ctypes

try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError):
    _malloc_trim = None


def release_freed_memory():
    """Return the C heap's free pages to the system (glibc only)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
