package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** AutoCloseable with a Cleaner backstop: close is idempotent, use after close throws. */
class LifetimeTest {
  @Test
  void closeTwiceIsHarmless() {
    long before = Context.FREED.get();
    Context ctx = Context.open(Fixtures.isolated());
    ctx.close();
    ctx.close();
    assertEquals(before + 1, Context.FREED.get(), "freed exactly once");
  }

  @Test
  void useAfterCloseThrowsInsteadOfCrashing() throws Exception {
    Path out = Fixtures.tempDir();
    try {
      Context ctx = Fixtures.payloadContext(out);
      ctx.close();
      assertThrows(IllegalStateException.class, ctx::info);
      assertThrows(IllegalStateException.class, () -> ctx.rlocation("_main/x"));
      assertThrows(IllegalStateException.class, () -> ctx.readCache(CacheFile.SETTINGS, null));
      assertThrows(IllegalStateException.class, () -> ctx.writePayload(PayloadKind.TELEMETRY, "{}"));
    } finally {
      Fixtures.deleteTree(out);
    }
  }

  @Test
  void tryWithResourcesCloses() {
    Context kept;
    try (Context ctx = Context.open(Fixtures.isolated())) {
      kept = ctx;
      ctx.info();
    }
    assertThrows(IllegalStateException.class, kept::info);
  }

  @Test
  void cleanerFreesDroppedContextsOnce() throws Exception {
    long before = Context.FREED.get();
    openAndDrop(20);
    Context closed = Context.open(Fixtures.isolated());
    closed.close(); // its cleaner already ran: GC must not free it again
    closed = null;
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (Context.FREED.get() < before + 21 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    for (int i = 0; i < 5; i++) { // give a double free every chance to show up
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(before + 21, Context.FREED.get());
  }

  private static void openAndDrop(int n) {
    for (int i = 0; i < n; i++) {
      assertTrue(Context.open(Fixtures.isolated()).info().runfilesMode() == RunfilesMode.NONE);
    }
  }
}
