package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * testdata/vectors/context.json through the binding, one dynamic test per case: every {@code
 * topt_Config} field in, every {@code topt_Info} field, cache source and runfiles path out. The
 * other vector files exercise only libtopt's own logic (Rust and the C test run them); {@link
 * MarshallingTest} covers their functions.
 */
class VectorsTest {
  private static Stream<JsonObject> objects(com.google.gson.JsonArray a) {
    return StreamSupport.stream(a.spliterator(), false).map(JsonElement::getAsJsonObject);
  }

  @TestFactory
  Stream<DynamicTest> context() throws IOException {
    JsonObject v = Fixtures.vectors("context.json").getAsJsonObject();
    List<String> fields = new ArrayList<>();
    v.getAsJsonArray("config_fields").forEach(f -> fields.add(f.getAsString()));
    assertTrue(v.getAsJsonArray("cases").size() > 0, "context.json has no cases");
    return objects(v.getAsJsonArray("cases"))
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("name").getAsString(),
                    () -> {
                      Path root = Fixtures.tempDir();
                      try {
                        runContextCase(c, fields, root);
                      } finally {
                        Fixtures.deleteTree(root);
                      }
                    }));
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
        for (JsonObject r : (Iterable<JsonObject>) objects(c.getAsJsonArray("rlocation"))::iterator) {
          checkRlocation(ctx, r, root, errors);
        }
      }
      if (c.has("cache")) {
        for (JsonObject r : (Iterable<JsonObject>) objects(c.getAsJsonArray("cache"))::iterator) {
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
}
