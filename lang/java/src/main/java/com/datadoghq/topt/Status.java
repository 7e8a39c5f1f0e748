package com.datadoghq.topt;

/** libtopt status codes ({@code TOPT_STATUS_*}); values are stable and never reused. */
public enum Status {
  OK(LibTopt.TOPT_STATUS_OK),
  INVALID_ARGUMENT(LibTopt.TOPT_STATUS_INVALID_ARGUMENT),
  NOT_ENABLED(LibTopt.TOPT_STATUS_NOT_ENABLED),
  NOT_FOUND(LibTopt.TOPT_STATUS_NOT_FOUND),
  IO(LibTopt.TOPT_STATUS_IO),
  PARSE(LibTopt.TOPT_STATUS_PARSE),
  UNSUPPORTED_VERSION(LibTopt.TOPT_STATUS_UNSUPPORTED_VERSION),
  PANIC(LibTopt.TOPT_STATUS_PANIC),
  STRUCT_SIZE(LibTopt.TOPT_STATUS_STRUCT_SIZE),
  NULL_POINTER(LibTopt.TOPT_STATUS_NULL_POINTER),
  /** A code this binding does not know yet (a newer libtopt). */
  UNKNOWN(-1);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The numeric {@code TOPT_STATUS_*} value; -1 for {@link #UNKNOWN}. */
  public int code() {
    return code;
  }

  static Status of(int code) {
    for (Status s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return UNKNOWN;
  }
}
