package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** testdata/vectors/discovery.json with a fake opener, and the real loader's error. */
class DiscoveryTest {
  @TestFactory
  Stream<DynamicTest> vectors() throws Exception {
    return StreamSupport.stream(
            Fixtures.vectors("discovery.json").getAsJsonObject().getAsJsonArray("cases").spliterator(),
            false)
        .map(JsonElement::getAsJsonObject)
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> run(c)));
  }

  private static List<String> strings(JsonObject o, String key, UnaryOperator<String> sub) {
    List<String> out = new ArrayList<>();
    if (o.has(key)) {
      o.getAsJsonArray(key).forEach(e -> out.add(sub.apply(e.getAsString())));
    }
    return out;
  }

  private static void run(JsonObject c) throws Exception {
    Path root = Fixtures.tempDir();
    try {
      UnaryOperator<String> sub =
          s -> s.replace("{T}", root.toString()).replace("{NAME}", LibraryDiscovery.fileName());
      for (Map.Entry<String, JsonElement> f : c.getAsJsonObject("files").entrySet()) {
        Path p = root.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, sub.apply(f.getValue().getAsString()).getBytes(StandardCharsets.UTF_8));
      }
      Map<String, String> env = new HashMap<>();
      c.getAsJsonObject("env").entrySet().forEach(e -> env.put(e.getKey(), sub.apply(e.getValue().getAsString())));
      Set<String> loadable = new HashSet<>(strings(c, "loadable", sub));
      List<String> attempts = new ArrayList<>();
      LibraryDiscovery<String> discovery =
          new LibraryDiscovery<>(
              env::get,
              p -> {
                attempts.add(p);
                if (!loadable.contains(p)) {
                  throw new UnsatisfiedLinkError("refused");
                }
                return "library";
              });
      for (JsonElement e : c.getAsJsonArray("loads")) {
        JsonObject step = e.getAsJsonObject();
        attempts.clear();
        String explicit =
            step.has("explicit") && !step.get("explicit").isJsonNull()
                ? sub.apply(step.get("explicit").getAsString())
                : null;
        if (step.has("loaded")) {
          assertEquals("library", discovery.load(explicit));
          assertEquals(sub.apply(step.get("loaded").getAsString()), discovery.path());
        } else {
          Throwable t = assertThrows(Throwable.class, () -> discovery.load(explicit));
          assertTrue(t instanceof UnsatisfiedLinkError || t instanceof IllegalStateException, t.toString());
          List<String> want = strings(step, "tried", sub);
          want.addAll(strings(step, "error_contains", sub));
          for (String w : want) {
            assertTrue(t.getMessage().contains(w), t.getMessage() + "\nlacks " + w);
          }
        }
        assertEquals(strings(step, "attempts", sub), attempts, "opened");
      }
    } finally {
      Fixtures.deleteTree(root);
    }
  }

  @Test
  void theRealLoaderSaysWhy() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      String missing = dir.resolve("nope.so").toString();
      LibraryDiscovery<Object> discovery =
          new LibraryDiscovery<>(k -> null, p -> com.sun.jna.NativeLibrary.getInstance(p));
      UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> discovery.load(missing));
      assertTrue(e.getMessage().contains("explicit path " + missing + ": "), e.getMessage());
    } finally {
      Fixtures.deleteTree(dir);
    }
  }
}
