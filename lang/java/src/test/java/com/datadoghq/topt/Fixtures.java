package com.datadoghq.topt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/** Shared test plumbing: the repository's vectors and ABI description, temp dirs, isolated configs. */
final class Fixtures {
  private Fixtures() {}

  /** A file of testdata/vectors; a missing file fails the test (never skips it). */
  static JsonElement vectors(String name) throws IOException {
    String dir = System.getProperty("topt.vectors");
    if (dir == null) {
      throw new IllegalStateException("system property topt.vectors is not set (run through Maven)");
    }
    return JsonParser.parseString(
        Files.readString(Paths.get(dir, name), StandardCharsets.UTF_8));
  }

  /** include/topt.abi.json, the ABI description the raw layer is generated from. */
  static JsonObject abi() throws IOException {
    return JsonParser.parseString(
            Files.readString(Paths.get(System.getProperty("topt.abi")), StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  static Path tempDir() throws IOException {
    return Files.createTempDirectory("topt-java-").toRealPath();
  }

  static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A config that reads nothing from the environment: every field explicitly unset. */
  static Config isolated() {
    return new Config()
        .manifestFile("")
        .payloadsInFiles("")
        .undeclaredOutputsDir("")
        .runfilesManifestFile("")
        .runfilesDir("")
        .testSrcdir("")
        .javaRunfiles("")
        .argv0("")
        .sourceRepository("");
  }

  /** An isolated context with payload files on, writing under {@code outputs}. */
  static Context payloadContext(Path outputs) {
    return Context.open(isolated().payloadsInFiles("true").undeclaredOutputsDir(outputs.toString()));
  }
}
