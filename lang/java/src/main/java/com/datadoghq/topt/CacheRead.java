package com.datadoghq.topt;

import java.nio.charset.StandardCharsets;

/** The result of a cache read: the JSON document and which candidate answered it. */
public final class CacheRead {
  private final byte[] json;
  private final Source source;

  CacheRead(byte[] json, Source source) {
    this.json = json;
    this.source = source;
  }

  /** The JSON bytes exactly as libtopt returned them (a copy). */
  public byte[] json() {
    return json.clone();
  }

  /** The JSON as text. */
  public String text() {
    return new String(json, StandardCharsets.UTF_8);
  }

  public Source source() {
    return source;
  }
}
