package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void abiMajorMatchesTheBinding() {
    assertEquals(1, Topt.ABI_VERSION_MAJOR, "this binding was written for ABI major 1");
    assertEquals(Topt.ABI_VERSION_MAJOR, Topt.abiVersion() >>> 16);
  }

  @Test
  void versionIsNotEmpty() {
    assertFalse(Topt.version().isEmpty());
    assertNotNull(Topt.libraryPath());
  }

  @Test
  void contextFromTheEnvironmentOutsideBazel() {
    for (String var :
        new String[] {
          "RUNFILES_DIR", "RUNFILES_MANIFEST_FILE", "TEST_SRCDIR", "JAVA_RUNFILES",
          "TEST_UNDECLARED_OUTPUTS_DIR", "DD_TEST_OPTIMIZATION_MANIFEST_FILE",
          "TEST_OPTIMIZATION_MANIFEST_FILE", "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES"
        }) {
      assertNull(System.getenv(var), var + " must be unset for this test (test.sh unsets it)");
    }
    try (Context ctx = Context.fromEnvironment()) {
      Info info = ctx.info();
      assertFalse(info.manifestEnabled(), info.toString());
      assertFalse(info.payloadsEnabled(), info.toString());
      assertFalse(info.manifestDiagnostic().isEmpty());
      assertFalse(info.payloadsDiagnostic().isEmpty());
      assertEquals(RunfilesMode.NONE, info.runfilesMode());
      assertNull(info.manifestPath());
    }
  }
}
