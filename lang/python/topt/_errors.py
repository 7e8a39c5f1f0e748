"""libtopt errors as Python exceptions."""

import enum

from . import _raw
from ._library import lib


class Status(enum.IntEnum):
    """libtopt status codes (TOPT_STATUS_*)."""

    OK = _raw.TOPT_STATUS_OK
    INVALID_ARGUMENT = _raw.TOPT_STATUS_INVALID_ARGUMENT
    NOT_ENABLED = _raw.TOPT_STATUS_NOT_ENABLED
    NOT_FOUND = _raw.TOPT_STATUS_NOT_FOUND
    IO = _raw.TOPT_STATUS_IO
    PARSE = _raw.TOPT_STATUS_PARSE
    UNSUPPORTED_VERSION = _raw.TOPT_STATUS_UNSUPPORTED_VERSION
    PANIC = _raw.TOPT_STATUS_PANIC
    STRUCT_SIZE = _raw.TOPT_STATUS_STRUCT_SIZE
    NULL_POINTER = _raw.TOPT_STATUS_NULL_POINTER


class ToptError(Exception):
    """An error reported by libtopt.

    `code` is a Status (a plain int for codes newer than this binding), `name` libtopt's stable
    name for it ("NOT_FOUND"), `message` what went wrong and often how to fix it.
    """

    def __init__(self, code, name, message):
        try:
            code = Status(code)
        except ValueError:
            pass
        self.code = code
        self.name = name
        self.message = message
        super().__init__(f"{name} ({int(code)}): {message}")


class ClosedError(ValueError):
    """A method was called on a closed Context (like I/O on a closed file)."""


def status_name(code):
    return lib().topt_status_name(code).decode()


def check(error):
    """Raises the ToptError for a non-NULL topt_Error* (and frees it)."""
    if not error:
        return
    raw = lib()
    try:
        code = raw.topt_error_code(error)
        message = (raw.topt_error_message(error) or b"").decode("utf-8", "replace")
    finally:
        raw.topt_error_free(error)
    raise ToptError(code, status_name(code), message)


def invalid_argument(message):
    return ToptError(Status.INVALID_ARGUMENT, status_name(Status.INVALID_ARGUMENT), message)
