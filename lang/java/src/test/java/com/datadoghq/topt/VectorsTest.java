package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Drives testdata/vectors/*.json through the binding, one dynamic test per case, with the
 * semantics of the Rust reference harnesses (crates/topt-core/tests/vectors_*.rs).
 */
class VectorsTest {
  /** Cases in each file, and cases that actually ran; {@link #everyCaseRan} compares them. */
  private static final Map<String, Integer> EXPECTED = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> RAN = new ConcurrentHashMap<>();

  private static Stream<DynamicTest> cases(
      String group, JsonArray cases, java.util.function.Function<JsonObject, String> name,
      ThrowingCase body) {
    EXPECTED.put(group, cases.size());
    RAN.put(group, new AtomicInteger());
    assertTrue(cases.size() > 0, group + " has no cases");
    return objects(cases)
        .map(
            c ->
                DynamicTest.dynamicTest(
                    group + ": " + name.apply(c),
                    () -> {
                      body.run(c);
                      RAN.get(group).incrementAndGet();
                    }));
  }

  interface ThrowingCase {
    void run(JsonObject c) throws Exception;
  }

  private static Stream<JsonObject> objects(JsonArray a) {
    return StreamSupport.stream(a.spliterator(), false).map(JsonElement::getAsJsonObject);
  }

  @AfterAll
  static void everyCaseRan() {
    StringBuilder report = new StringBuilder("vector cases run:");
    EXPECTED.forEach((g, n) -> report.append(' ').append(g).append('=').append(RAN.get(g).get()).append('/').append(n));
    System.out.println(report);
    assertEquals(6, EXPECTED.size(), report.toString());
    EXPECTED.forEach((g, n) -> assertEquals(n, RAN.get(g).get(), g + ": " + report));
  }

  // ---- labels.json ----

  @TestFactory
  Stream<DynamicTest> labelsSanitize() throws IOException {
    JsonObject v = Fixtures.vectors("labels.json").getAsJsonObject();
    return cases("labels.sanitize", v.getAsJsonArray("sanitize"), c -> c.get("input").toString(),
        c -> assertEquals(c.get("output").getAsString(), Topt.sanitizeLabel(c.get("input").getAsString())));
  }

  @TestFactory
  Stream<DynamicTest> labelsDedup() throws IOException {
    JsonObject v = Fixtures.vectors("labels.json").getAsJsonObject();
    return cases("labels.dedup", v.getAsJsonArray("dedup"), c -> c.get("input").toString(),
        c -> assertEquals(c.get("output"),
            JsonParser.parseString(Topt.dedupLabels(c.get("input").toString()))));
  }

  @TestFactory
  Stream<DynamicTest> labelsMap() throws IOException {
    JsonObject v = Fixtures.vectors("labels.json").getAsJsonObject();
    return cases("labels.label_map", v.getAsJsonArray("label_map"), c -> c.get("name").getAsString(),
        c -> {
          JsonObject sources = new JsonObject();
          for (String k : new String[] {"known_tests", "test_management", "flaky_tests"}) {
            sources.add(k, c.get(k));
          }
          assertEquals(c.get("labels"), JsonParser.parseString(Topt.labelMap(sources.toString())));
        });
  }

  // ---- selection.json ----

  @TestFactory
  Stream<DynamicTest> selection() throws IOException {
    JsonArray all = Fixtures.vectors("selection.json").getAsJsonObject().getAsJsonArray("cases");
    assertTrue(all.size() >= 40);
    return cases("selection", all, c -> c.get("name").getAsString(), c -> {
      JsonObject request = c.deepCopy();
      request.remove("name");
      JsonObject expect = request.remove("expect").getAsJsonObject();
      String got;
      try {
        got = Topt.selectModule(request.toString());
      } catch (ToptException e) {
        if (!expect.has("error_contains")) {
          throw e;
        }
        String want = expect.get("error_contains").getAsString();
        assertTrue(e.getMessage().contains(want), e.getMessage() + " lacks " + want);
        return;
      }
      if (expect.has("error_contains")) {
        fail("expected an error, got " + got);
      }
      JsonObject result = JsonParser.parseString(got).getAsJsonObject();
      for (Map.Entry<String, JsonElement> e : expect.entrySet()) {
        JsonElement value = result.has(e.getKey()) ? result.get(e.getKey()) : JsonNull.INSTANCE;
        assertEquals(e.getValue(), value, e.getKey() + " in " + got);
      }
    });
  }

  // ---- context.json ----

  @TestFactory
  Stream<DynamicTest> context() throws IOException {
    JsonObject v = Fixtures.vectors("context.json").getAsJsonObject();
    List<String> fields = new ArrayList<>();
    v.getAsJsonArray("config_fields").forEach(f -> fields.add(f.getAsString()));
    return cases("context", v.getAsJsonArray("cases"), c -> c.get("name").getAsString(), c -> {
      Path root = Fixtures.tempDir();
      try {
        runContextCase(c, fields, root);
      } finally {
        Fixtures.deleteTree(root);
      }
    });
  }

  private static String sub(String text, Path root) {
    return text.replace("${F}", root.toString());
  }

  /** Every config field set explicitly (absent ones as ""), so the environment never leaks in. */
  private static Config configFor(JsonObject c, List<String> fields, Path root) {
    JsonObject given = c.has("config") ? c.getAsJsonObject("config") : new JsonObject();
    Config config = new Config();
    for (String f : fields) {
      String value = given.has(f) ? sub(given.get(f).getAsString(), root) : "";
      switch (f) {
        case "manifest_file": config.manifestFile(value); break;
        case "payloads_in_files": config.payloadsInFiles(value); break;
        case "undeclared_outputs_dir": config.undeclaredOutputsDir(value); break;
        case "runfiles_manifest_file": config.runfilesManifestFile(value); break;
        case "runfiles_dir": config.runfilesDir(value); break;
        case "test_srcdir": config.testSrcdir(value); break;
        case "java_runfiles": config.javaRunfiles(value); break;
        case "argv0": config.argv0(value); break;
        case "source_repository": config.sourceRepository(value); break;
        default: fail("unknown config field " + f);
      }
    }
    for (String f : given.keySet()) {
      assertTrue(fields.contains(f), "config key " + f + " is not in config_fields");
    }
    return config;
  }

  private static void runContextCase(JsonObject c, List<String> fields, Path root) throws IOException {
    if (c.has("files")) {
      for (Map.Entry<String, JsonElement> f : c.getAsJsonObject("files").entrySet()) {
        Path p = root.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, sub(f.getValue().getAsString(), root).getBytes(StandardCharsets.UTF_8));
      }
    }
    Config config = configFor(c, fields, root);
    Context ctx;
    try {
      ctx = Context.open(config);
    } catch (ToptException e) {
      if (!c.has("context_error")) {
        throw e;
      }
      JsonObject want = c.getAsJsonObject("context_error");
      assertEquals(want.get("code").getAsString(), e.codeName(), e.toString());
      String text = want.get("message_contains").getAsString();
      assertTrue(e.getMessage().contains(text), e.getMessage() + " lacks " + text);
      return;
    }
    try (ctx) {
      if (c.has("context_error")) {
        fail("expected error " + c.get("context_error") + ", got a context: " + ctx.info());
      }
      List<String> errors = new ArrayList<>();
      if (c.has("info")) {
        checkInfo(ctx.info(), c.getAsJsonObject("info"), root, errors);
      }
      if (c.has("rlocation")) {
        for (JsonObject r : objects(c.getAsJsonArray("rlocation")).collect(Collectors.toList())) {
          checkRlocation(ctx, r, root, errors);
        }
      }
      if (c.has("cache")) {
        for (JsonObject r : objects(c.getAsJsonArray("cache")).collect(Collectors.toList())) {
          checkCache(ctx, r, errors);
        }
      }
      assertTrue(errors.isEmpty(), String.join("\n", errors));
    }
  }

  private static JsonElement str(String s) {
    return s == null ? JsonNull.INSTANCE : new JsonPrimitive(s);
  }

  private static void checkInfo(Info info, JsonObject want, Path root, List<String> errors) {
    for (Map.Entry<String, JsonElement> e : want.entrySet()) {
      String key = e.getKey();
      JsonElement got;
      switch (key) {
        case "manifest_enabled": got = new JsonPrimitive(info.manifestEnabled()); break;
        case "manifest_version": got = new JsonPrimitive(info.manifestVersion()); break;
        case "manifest_path": got = str(info.manifestPath()); break;
        case "payloads_enabled": got = new JsonPrimitive(info.payloadsEnabled()); break;
        case "payloads_dir": got = str(info.payloadsDir()); break;
        case "runfiles_mode":
          got = new JsonPrimitive(info.runfilesMode().name().toLowerCase(Locale.ROOT));
          break;
        case "manifest_diagnostic_contains":
        case "payloads_diagnostic_contains": {
          String diag = key.startsWith("manifest") ? info.manifestDiagnostic() : info.payloadsDiagnostic();
          String text = e.getValue().getAsString();
          if (diag == null || !diag.contains(text)) {
            errors.add(key + ": " + diag + " lacks " + text);
          }
          continue;
        }
        default: throw new AssertionError("unknown info key " + key);
      }
      JsonElement expected = e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isString()
          ? new JsonPrimitive(sub(e.getValue().getAsString(), root)) : e.getValue();
      if (!expected.equals(got)) {
        errors.add(key + ": got " + got + ", want " + expected);
      }
    }
  }

  private static void checkRlocation(Context ctx, JsonObject r, Path root, List<String> errors) {
    String path = r.get("path").getAsString();
    try {
      String got = ctx.rlocation(path).toString();
      if (!r.has("expect") || !got.equals(sub(r.get("expect").getAsString(), root))) {
        errors.add("rlocation(" + path + ") = " + got + ", want " + r);
      }
    } catch (ToptException e) {
      if (!r.has("error") || !r.get("error").getAsString().equals(e.codeName())) {
        errors.add("rlocation(" + path + ") threw " + e + ", want " + r);
      }
    }
  }

  private static void checkCache(Context ctx, JsonObject c, List<String> errors) {
    CacheFile file = CacheFile.valueOf(c.get("file").getAsString().toUpperCase(Locale.ROOT));
    String module = c.has("module") ? c.get("module").getAsString() : null;
    try {
      CacheRead read = ctx.readCache(file, module);
      String source = read.source().name().toLowerCase(Locale.ROOT);
      if (c.has("error") || !source.equals(c.get("source").getAsString())
          || !read.text().equals(c.get("text").getAsString())) {
        errors.add("cache " + c + ": got " + source + " " + read.text());
      }
    } catch (ToptException e) {
      if (!c.has("error") || !c.get("error").getAsString().equals(e.codeName())) {
        errors.add("cache " + c + ": threw " + e);
      }
    }
  }

  // ---- payloads.json ----

  private static byte[] hex(String text) {
    byte[] out = new byte[text.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> payloads() throws IOException {
    JsonObject v = Fixtures.vectors("payloads.json").getAsJsonObject();
    Pattern namePattern = Pattern.compile(v.get("name_pattern").getAsString());
    return cases("payloads", v.getAsJsonArray("cases"), c -> c.get("name").getAsString(), c -> {
      Path root = Fixtures.tempDir();
      try (Context ctx = Fixtures.payloadContext(root)) {
        String kindName = c.get("kind").getAsString();
        PayloadKind kind = PayloadKind.valueOf(kindName.toUpperCase(Locale.ROOT));
        PayloadFormat format = PayloadFormat.valueOf(c.get("format").getAsString().toUpperCase(Locale.ROOT));
        byte[] input = c.has("input_hex")
            ? hex(c.get("input_hex").getAsString())
            : c.get("input").getAsString().getBytes(StandardCharsets.UTF_8);
        Path kindDir = root.resolve("payloads").resolve(kindName);
        Path written = null;
        ToptException error = null;
        try {
          written = ctx.writePayload(kind, format, input);
        } catch (ToptException e) {
          error = e;
        }
        List<String> files = new ArrayList<>();
        if (Files.isDirectory(kindDir)) {
          try (Stream<Path> list = Files.list(kindDir)) {
            list.forEach(p -> files.add(p.getFileName().toString()));
          }
        }
        if (c.has("error")) {
          assertEquals(c.get("error").getAsString(), error == null ? "no error" : error.codeName());
          assertEquals(List.of(), files);
        } else {
          if (error != null) {
            throw error;
          }
          assertEquals(1, files.size(), files.toString());
          String name = files.get(0);
          assertTrue(namePattern.matcher(name).matches(), name);
          assertTrue(name.startsWith(kindName), name);
          assertEquals(kindDir, written.getParent());
          byte[] want = c.get("output").getAsString().getBytes(StandardCharsets.UTF_8);
          byte[] got = Files.readAllBytes(written);
          assertTrue(java.util.Arrays.equals(want, got),
              "file holds " + new String(got, StandardCharsets.UTF_8));
        }
      } finally {
        Fixtures.deleteTree(root);
      }
    });
  }
}
