package com.datadoghq.topt;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/** UTF-8 C strings in both directions; libtopt speaks UTF-8 only. */
final class Strings {
  private Strings() {}

  /** A NUL-terminated UTF-8 copy of {@code s}, or NULL for null; freed when unreachable. */
  static Memory c(String s) {
    if (s == null) {
      return null;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    Memory m = new Memory(utf8.length + 1L);
    m.write(0, utf8, 0, utf8.length);
    m.setByte(utf8.length, (byte) 0);
    return m;
  }

  /** The UTF-8 string at {@code p}, or null for NULL. */
  static String read(Pointer p) {
    return p == null ? null : p.getString(0, "UTF-8");
  }
}
