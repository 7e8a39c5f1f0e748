package com.datadoghq.topt;

/** The kind of a payload file; selects {@code payloads/{tests,coverage,telemetry}/}. */
public enum PayloadKind {
  /** Test events (citestcycle envelope). */
  TESTS(LibTopt.TOPT_PAYLOAD_KIND_TESTS),
  /** Code coverage. */
  COVERAGE(LibTopt.TOPT_PAYLOAD_KIND_COVERAGE),
  /** One raw telemetry request body. */
  TELEMETRY(LibTopt.TOPT_PAYLOAD_KIND_TELEMETRY);

  final int value;

  PayloadKind(int value) {
    this.value = value;
  }
}
