package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** One context shared by many threads writing payloads at once. */
class ConcurrencyTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 50;

  @Test
  void threadsWritePayloadsThroughOneContext() throws Exception {
    Path out = Fixtures.tempDir();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (Context ctx = Fixtures.payloadContext(out)) {
      Map<Path, byte[]> written = new ConcurrentHashMap<>();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < PER_THREAD; i++) {
                    byte[] body =
                        ("{\"thread\":" + thread + ",\"i\":" + i + ",\"pad\":\"" + "x".repeat(512 * i) + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    Path p = ctx.writePayload(PayloadKind.TELEMETRY, PayloadFormat.JSON, body);
                    if (written.put(p, body) != null) {
                      throw new AssertionError("path returned twice: " + p);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
      assertEquals(THREADS * PER_THREAD, written.size());
      for (Map.Entry<Path, byte[]> e : written.entrySet()) {
        assertArrayEquals(e.getValue(), Files.readAllBytes(e.getKey()), e.getKey().toString());
      }
      Set<String> onDisk;
      try (Stream<Path> list = Files.list(out.resolve("payloads").resolve("telemetry"))) {
        onDisk = list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      }
      Set<String> returned = new HashSet<>();
      written.keySet().forEach(p -> returned.add(p.getFileName().toString()));
      assertEquals(returned, onDisk, "exactly the returned files, no temp files left");
    } finally {
      pool.shutdownNow();
      Fixtures.deleteTree(out);
    }
  }
}
