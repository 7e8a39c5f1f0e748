package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** libtopt errors arrive as ToptException with the status number, its name and the message. */
class ErrorsTest {
  @Test
  void malformedRunfilesPathIsInvalidArgument() {
    try (Context ctx = Context.open(Fixtures.isolated())) {
      ToptException e = assertThrows(ToptException.class, () -> ctx.rlocation("../x"));
      assertEquals(Status.INVALID_ARGUMENT, e.status());
      assertEquals("INVALID_ARGUMENT", e.codeName());
      assertEquals(1, e.code());
      assertFalse(e.getMessage().isEmpty());
      assertTrue(e.toString().contains("INVALID_ARGUMENT (1)"), e.toString());
    }
  }

  @Test
  void cacheReadWithManifestOffIsNotEnabled() {
    try (Context ctx = Context.open(Fixtures.isolated())) {
      ToptException e =
          assertThrows(ToptException.class, () -> ctx.readCache(CacheFile.KNOWN_TESTS, "m"));
      assertEquals(Status.NOT_ENABLED, e.status());
      assertEquals("NOT_ENABLED", e.codeName());
      assertTrue(ctx.readCacheIfPresent(CacheFile.KNOWN_TESTS, "m").isEmpty());
    }
  }

  @Test
  void badPayloadIsParse() throws Exception {
    Path out = Fixtures.tempDir();
    try (Context ctx = Fixtures.payloadContext(out)) {
      ToptException e =
          assertThrows(ToptException.class, () -> ctx.writePayload(PayloadKind.TESTS, "{\"version\":"));
      assertEquals(Status.PARSE, e.status());
      assertEquals("PARSE", e.codeName());
    } finally {
      Fixtures.deleteTree(out);
    }
  }

  @Test
  void payloadWithPayloadsOffIsNotEnabled() {
    try (Context ctx = Context.open(Fixtures.isolated())) {
      ToptException e =
          assertThrows(ToptException.class, () -> ctx.writePayload(PayloadKind.TELEMETRY, "{\"a\":1}"));
      assertEquals(Status.NOT_ENABLED, e.status());
    }
  }

  @Test
  void malformedRunfilesManifestFailsOpen() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      Path manifest = dir.resolve("MANIFEST");
      Files.write(manifest, "no-space-here\n".getBytes(StandardCharsets.UTF_8));
      ToptException e =
          assertThrows(
              ToptException.class,
              () -> Context.open(Fixtures.isolated().runfilesManifestFile(manifest.toString())));
      assertEquals(Status.PARSE, e.status());
      assertTrue(e.getMessage().contains("MANIFEST:1"), e.getMessage());
    } finally {
      Fixtures.deleteTree(dir);
    }
  }

  @Test
  void strictSelectionMissIsInvalidArgument() {
    ToptException e =
        assertThrows(
            ToptException.class,
            () ->
                Topt.selectModule(
                    "{\"language\":\"go\",\"labels\":[\"a\"],\"attrs\":{\"importpath\":\"x/y\"}}"));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    assertTrue(e.getMessage().contains("module_a"), e.getMessage());
  }

  @Test
  void malformedJsonIsAnError() {
    ToptException e = assertThrows(ToptException.class, () -> Topt.dedupLabels("[1,"));
    assertTrue(e.code() > 0);
    assertFalse(e.getMessage().isEmpty());
  }
}
