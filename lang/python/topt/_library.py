"""Loading libtopt once per process and checking its ABI."""

from __future__ import annotations

import ctypes
import os
from typing import Optional

from . import _raw
from ._discovery import Discovery


def _open(path):
    lib = ctypes.CDLL(path)  # RTLD_LOCAL: libtopt's symbols stay out of the global namespace
    try:
        _raw.declare(lib)
    except AttributeError as e:
        raise OSError(f"not libtopt: {e}") from None
    abi = lib.topt_abi_version()
    if abi >> 16 != _raw.TOPT_ABI_VERSION_MAJOR:
        # Another major would misread our structs: refuse it before any other call.
        raise OSError(
            f"incompatible library: ABI {abi >> 16}.{abi & 0xFFFF}, "
            f"this binding needs major {_raw.TOPT_ABI_VERSION_MAJOR}"
        )
    return lib


_discovery = Discovery(os.environ, _open)


def load_library(path: Optional[str | os.PathLike[str]] = None) -> str:
    """Loads libtopt (once per process) and returns the path it was loaded from.

    `path` is an explicit library path, the only candidate if given; without it, $TOPT_LIBRARY if
    set, else the platform's search. Once loaded, asking for a different path raises
    RuntimeError. Calling it is optional: the first use of the binding loads the library.
    """
    return _discovery.load(path)[1]


def lib():
    """The loaded library (loading it on first use)."""
    library = _discovery.library
    return library if library is not None else _discovery.load()[0]


def library_path() -> Optional[str]:
    """Where libtopt was loaded from, or None before it is loaded."""
    return _discovery.path


def abi_version() -> int:
    """The loaded library's (major << 16) | minor."""
    return lib().topt_abi_version()


def version() -> str:
    """The loaded library's semantic version, e.g. "0.1.0"."""
    return lib().topt_version().decode()
