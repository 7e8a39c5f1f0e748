package com.datadoghq.topt;

/** How payload bytes are encoded. */
public enum PayloadFormat {
  /** Validated, then written byte for byte. */
  JSON(LibTopt.TOPT_PAYLOAD_FORMAT_JSON),
  /** Transcoded to JSON by libtopt (binary as base64, 64-bit integers exact). */
  MSGPACK(LibTopt.TOPT_PAYLOAD_FORMAT_MSGPACK);

  final int value;

  PayloadFormat(int value) {
    this.value = value;
  }
}
