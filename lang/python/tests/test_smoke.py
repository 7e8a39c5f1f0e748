import ctypes
import os

import topt
from topt import _raw


def test_smoke(clean_env):
    abi = topt.abi_version()
    assert topt.ABI_MAJOR == 1
    assert abi >> 16 == topt.ABI_MAJOR
    assert topt.version()
    if os.environ.get(topt.LIBRARY_ENV):
        assert topt.library_path() == os.environ[topt.LIBRARY_ENV]
    with topt.Context() as ctx:
        info = ctx.info()
    assert not info.manifest_enabled
    assert not info.payloads_enabled
    assert info.runfiles_mode is topt.RunfilesMode.NONE
    assert info.manifest_diagnostic and info.payloads_diagnostic


def test_struct_sizes_match_the_library():
    # libtopt fills at most struct_size bytes and reports what it filled: equal sizes mean the
    # generated layout has the fields libtopt knows.
    with topt.Context() as ctx:
        raw = _raw.topt_Info(struct_size=ctypes.sizeof(_raw.topt_Info))
        assert not topt._library.lib().topt_context_info(ctx._ptr, ctypes.byref(raw))
    assert raw.struct_size == ctypes.sizeof(_raw.topt_Info)
