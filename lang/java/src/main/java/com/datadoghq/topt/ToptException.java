package com.datadoghq.topt;

import com.sun.jna.Pointer;

/**
 * A libtopt error: its status code (number and stable name) and its message.
 *
 * <p>Unchecked, like the JDK's own runtime failures: most tracer code treats any libtopt error as
 * "feature off" and only a few callers branch on {@link #status()}.
 */
public final class ToptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String codeName;

  ToptException(int code, String codeName, String message) {
    super(message);
    this.code = code;
    this.codeName = codeName;
  }

  /** The numeric {@code TOPT_STATUS_*} code. */
  public int code() {
    return code;
  }

  /** The stable status name from libtopt ({@code "NOT_FOUND"}, ...). */
  public String codeName() {
    return codeName;
  }

  /** The status as an enum; {@link Status#UNKNOWN} for codes newer than this binding. */
  public Status status() {
    return Status.of(code);
  }

  @Override
  public String toString() {
    return "ToptException[" + codeName + " (" + code + ")]: " + getMessage();
  }

  /** Throws the error {@code err} points to, after freeing it; returns when it is NULL. */
  static void check(LibTopt lib, Pointer err) {
    if (err == null) {
      return;
    }
    try {
      int code = lib.topt_error_code(err);
      throw new ToptException(
          code,
          Strings.read(lib.topt_status_name(code)),
          Strings.read(lib.topt_error_message(err)));
    } finally {
      lib.topt_error_free(err);
    }
  }
}
