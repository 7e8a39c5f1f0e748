package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void abiMajorMatchesTheHeader() throws Exception {
    Matcher m = Pattern.compile("#define TOPT_ABI_VERSION_MAJOR (\\d+)").matcher(Fixtures.header());
    assertTrue(m.find(), "TOPT_ABI_VERSION_MAJOR in topt.h");
    int headerMajor = Integer.parseInt(m.group(1));
    assertEquals(1, Topt.abiVersion() >>> 16);
    assertEquals(headerMajor, Topt.abiVersion() >>> 16);
    assertEquals(headerMajor, Topt.ABI_VERSION_MAJOR);
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
