package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The README's tracer flow, end to end, on a synced tree taken from context.json. */
class ExampleTest {
  @Test
  void readmeFlowOnASyncedTree() throws Exception {
    JsonObject fixture = null;
    for (JsonElement c : Fixtures.vectors("context.json").getAsJsonObject().getAsJsonArray("cases")) {
      if (c.getAsJsonObject().get("name").getAsString().equals("cache: full bundle selected")) {
        fixture = c.getAsJsonObject();
      }
    }
    assertTrue(fixture != null, "fixture case missing from context.json");
    Path root = Fixtures.tempDir();
    try {
      for (Map.Entry<String, JsonElement> f : fixture.getAsJsonObject("files").entrySet()) {
        Path p = root.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue().getAsString().replace("${F}", root.toString()).getBytes(StandardCharsets.UTF_8));
      }
      JsonObject config = fixture.getAsJsonObject("config");
      Config options =
          Fixtures.isolated()
              .runfilesDir(config.get("runfiles_dir").getAsString().replace("${F}", root.toString()))
              .manifestFile(config.get("manifest_file").getAsString())
              .payloadsInFiles("true")
              .undeclaredOutputsDir(root.resolve("outputs").toString());

      try (Context topt = Context.open(options)) {
        Optional<CacheRead> known = topt.readCacheIfPresent(CacheFile.KNOWN_TESTS, "pkg/cart");
        assertTrue(known.isPresent());
        JsonObject tests = JsonParser.parseString(known.get().text()).getAsJsonObject()
            .getAsJsonObject("data").getAsJsonObject("attributes").getAsJsonObject("tests");
        assertEquals(1, tests.size(), tests.toString());
        assertTrue(tests.has("pkg/cart"));
        assertTrue(topt.readCacheIfPresent(CacheFile.SKIPPABLE_TESTS, "pkg/cart").isEmpty());

        assertTrue(topt.info().payloadsEnabled(), topt.info().toString());
        String events = "{\"version\":1,\"events\":[{\"type\":\"test\",\"version\":2,\"content\":{}}]}";
        Path file = topt.writePayload(PayloadKind.TESTS, events);
        assertEquals(root.resolve("outputs/payloads/tests"), file.getParent());
        assertEquals(events, Files.readString(file));
      }
    } finally {
      Fixtures.deleteTree(root);
    }
  }
}
