"""Context: libtopt's view of Bazel mode for this process."""

from __future__ import annotations

import ctypes
import os
import threading
import weakref
from typing import Optional, Union

from . import _raw
from ._errors import ClosedError, check, invalid_argument
from ._library import lib
from ._types import CacheFile, CacheRead, Info, PayloadFormat, PayloadKind, RunfilesMode, Source

StrPath = Union[str, bytes, "os.PathLike[str]"]

_CONFIG_FIELDS = tuple(name for name, _ in _raw.topt_Config._fields_ if name not in ("struct_size", "_reserved"))


def c_string(value):
    """Encodes a str/bytes/PathLike argument as a C string; a NUL byte cannot be passed."""
    data = os.fsencode(value)
    if b"\0" in data:
        raise invalid_argument(f"string contains a NUL byte: {value!r}")
    return data


def take_bytes(raw_bytes):
    """Copies libtopt-owned bytes into Python and frees them."""
    try:
        return ctypes.string_at(raw_bytes.ptr, raw_bytes.len) if raw_bytes.len else b""
    finally:
        lib().topt_bytes_free(ctypes.byref(raw_bytes))


def _enum(cls, value):
    """The enum member, or the plain int for a value newer than this binding."""
    try:
        return cls(value)
    except ValueError:
        return value


def _text(value):
    return None if value is None else os.fsdecode(value)


class Context:
    """libtopt's view of Bazel mode, read once from the environment.

    Keyword arguments override environment variables field by field: None (the default) reads
    the variable, "" means explicitly unset. Fields: manifest_file, payloads_in_files,
    undeclared_outputs_dir, runfiles_manifest_file, runfiles_dir, test_srcdir, java_runfiles,
    argv0, source_repository.

    Safe to share between threads. Use it as a context manager or call close(); a finalizer
    frees it if it is garbage-collected first. After close() every method raises ClosedError.
    Raises ToptError only for unusable input (a malformed runfiles manifest, say); when Bazel
    mode is simply off, info() explains why.
    """

    def __init__(self, **config: Optional[StrPath]) -> None:
        unknown = set(config) - set(_CONFIG_FIELDS)
        if unknown:
            raise TypeError(f"unknown Context field(s): {', '.join(sorted(unknown))}")
        raw = lib()
        c_config = None
        if config:
            c_config = _raw.topt_Config(struct_size=ctypes.sizeof(_raw.topt_Config))
            for name, value in config.items():
                if value is not None:
                    setattr(c_config, name, c_string(value))  # the struct keeps the bytes alive
        ptr = ctypes.POINTER(_raw.topt_Context)()
        check(raw.topt_context_new(ctypes.byref(c_config) if c_config else None, ctypes.byref(ptr)))
        self._ptr = ptr
        # Calls in flight, so close() can wait for them: libtopt forbids freeing a context in use.
        self._busy = 0
        self._cond = threading.Condition()
        # The backstop holds the pointer, not self; it runs at most once (close() or GC).
        self._finalizer = weakref.finalize(self, raw.topt_context_free, ptr)

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def close(self) -> None:
        """Frees the context after the calls in flight return. Calling it again does nothing."""
        with self._cond:
            if self._ptr is None:
                return
            self._ptr = None  # new calls fail from here on
            while self._busy:
                self._cond.wait()
        self._finalizer()

    def _call(self, fn, *args):
        """Runs fn(ptr, *args) with the live pointer; raises ClosedError after close()."""
        with self._cond:
            ptr = self._ptr
            if ptr is None:
                raise ClosedError("topt context is closed")
            self._busy += 1
        try:
            return fn(ptr, *args)
        finally:
            with self._cond:
                self._busy -= 1
                if not self._busy:
                    self._cond.notify_all()

    def info(self) -> Info:
        """What the context sees (an Info)."""

        def call(ptr):
            raw = _raw.topt_Info(struct_size=ctypes.sizeof(_raw.topt_Info))
            check(lib().topt_context_info(ptr, ctypes.byref(raw)))
            return Info(
                manifest_version=raw.manifest_version,
                manifest_enabled=bool(raw.manifest_enabled),
                payloads_enabled=bool(raw.payloads_enabled),
                runfiles_mode=_enum(RunfilesMode, raw.runfiles_mode),
                manifest_given=_text(raw.manifest_given),
                manifest_path=_text(raw.manifest_path),
                manifest_diagnostic=_text(raw.manifest_diagnostic),
                payloads_dir=_text(raw.payloads_dir),
                payloads_diagnostic=_text(raw.payloads_diagnostic),
                runfiles_location=_text(raw.runfiles_location),
            )

        return self._call(call)

    def rlocation(self, path: StrPath) -> str:
        """Resolves a runfiles path ("repo/pkg/file", as $(rlocationpath) gives it) to a real path
        with Bazel's runfiles algorithm. Absolute paths come back unchanged."""

        def call(ptr, c_path):
            out = _raw.topt_Bytes()
            check(lib().topt_rlocation(ptr, c_path, ctypes.byref(out)))
            return os.fsdecode(take_bytes(out))

        return self._call(call, c_string(path))

    def read_cache(self, file: CacheFile, module: Optional[str] = None) -> CacheRead:
        """Reads a synced cache file narrowed to `module` (the tracer's module or bundle name).

        Returns CacheRead(data, source). ToptError NOT_FOUND means the feature has no data for
        this test (treat it as off); NOT_ENABLED means manifest mode is off.
        """

        def call(ptr, c_module):
            out = _raw.topt_Bytes()
            source = _raw.topt_Source()
            check(lib().topt_cache_read(ptr, file, c_module, ctypes.byref(out), ctypes.byref(source)))
            return CacheRead(take_bytes(out), _enum(Source, source.value))

        return self._call(call, c_string(module) if module else None)

    def write_payload(
        self, kind: PayloadKind, data: Union[bytes, bytearray, memoryview, str], format: PayloadFormat = PayloadFormat.JSON
    ) -> str:
        """Writes one payload file atomically and returns its path. Thread-safe.

        `data` is bytes (or str, written as UTF-8). ToptError NOT_ENABLED means payload files are
        off (see info()).
        """
        if isinstance(data, str):
            data = data.encode()
        data = bytes(data)

        def call(ptr):
            buf = ctypes.c_char_p(data)  # points into `data`; no copy, alive for the call
            out = _raw.topt_Bytes()
            check(
                lib().topt_payload_write(
                    ptr, kind, format, ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint8)), len(data), ctypes.byref(out)
                )
            )
            return os.fsdecode(take_bytes(out))

        return self._call(call)
