// The Java project the real-tracer suite runs under dd-java-agent's JUnit 5 instrumentation.
//
// Each test plays one role against the synced fixtures (testdata/api/tracers): a known test, a
// new test, a test that test management disables, and a known flaky test that fails its first
// attempt and passes when the tracer retries it.
package com.acme.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

class ShopTest {
  @Test
  void known() {
    assertEquals(2, 1 + 1);
  }

  @Test
  void fresh() {
    assertEquals("NEW", "new".toUpperCase());
  }

  @Test
  void disabled() {
    fail("test management disables this test: it must not run");
  }

  @Test
  void flaky() throws Exception {
    // First attempt fails, any retry passes: the attempt count lives in the test's tmpdir.
    Path marker = Paths.get(System.getenv("TEST_TMPDIR"), "java_flaky.attempts");
    int attempts = Files.exists(marker) ? Integer.parseInt(Files.readString(marker).trim()) : 0;
    Files.write(marker, String.valueOf(attempts + 1).getBytes(StandardCharsets.UTF_8));
    if (attempts == 0) {
      fail("first attempt fails on purpose");
    }
  }
}
