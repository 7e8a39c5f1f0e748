package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The discovery order, with a fake environment and a loader that records what it was asked. */
class DiscoveryTest {
  private final Map<String, String> env = new HashMap<>();
  private final List<String> asked = new ArrayList<>();

  /** Loads only {@code good}; everything else fails like a missing library. */
  private String discover(String explicit, String good) {
    return LibraryDiscovery.discover(
            explicit,
            env::get,
            p -> {
              asked.add(p);
              if (!p.equals(good)) {
                throw new UnsatisfiedLinkError("cannot open " + p);
              }
              return p;
            })
        .library;
  }

  @Test
  void explicitPathComesFirst() {
    env.put("TOPT_LIBRARY", "/env/libtopt.so");
    assertEquals("/x/libtopt.so", discover("/x/libtopt.so", "/x/libtopt.so"));
    assertEquals(List.of("/x/libtopt.so"), asked);
  }

  @Test
  void explicitPathIsTheOnlyCandidate() {
    env.put("TOPT_LIBRARY", "/env/libtopt.so");
    UnsatisfiedLinkError e =
        assertThrows(UnsatisfiedLinkError.class, () -> discover("/x/libtopt.so", "topt"));
    assertEquals(List.of("/x/libtopt.so"), asked);
    assertTrue(e.getMessage().contains("explicit path /x/libtopt.so"), e.getMessage());
  }

  @Test
  void missingAbsoluteEnvironmentValueFailsWithoutTryingDefaults() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      Path lib = dir.resolve("topt+/" + LibraryDiscovery.fileName());
      Files.createDirectories(lib.getParent());
      Files.write(lib, new byte[0]);
      env.put("TOPT_LIBRARY", "/missing/libtopt.so");
      env.put("RUNFILES_DIR", dir.toString());
      UnsatisfiedLinkError e =
          assertThrows(UnsatisfiedLinkError.class, () -> discover(null, lib.toString()));
      assertEquals(List.of("/missing/libtopt.so"), asked);
      assertTrue(e.getMessage().contains("TOPT_LIBRARY /missing/libtopt.so"), e.getMessage());
    } finally {
      Fixtures.deleteTree(dir);
    }
  }

  @Test
  void relativeEnvironmentValueThroughTheManifest() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      Path manifest = dir.resolve("MANIFEST");
      String lines = "_main/lib/libtopt.so.x /no\n_main/lib/libtopt.so /real/libtopt.so\n";
      Files.write(manifest, lines.getBytes(StandardCharsets.UTF_8));
      env.put("TOPT_LIBRARY", "_main/lib/libtopt.so");
      env.put("RUNFILES_MANIFEST_FILE", manifest.toString());
      assertEquals("/real/libtopt.so", discover(null, "/real/libtopt.so"));
    } finally {
      Fixtures.deleteTree(dir);
    }
  }

  @Test
  void unresolvedRelativeEnvironmentValueFailsWithoutTryingDefaults() {
    env.put("TOPT_LIBRARY", "_main/lib/libtopt.so");
    UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> discover(null, "topt"));
    assertEquals(List.of(), asked);
    assertTrue(e.getMessage().contains("TOPT_LIBRARY _main/lib/libtopt.so"), e.getMessage());
  }

  @Test
  void absoluteEnvironmentValueIsUsedAsIs() {
    env.put("TOPT_LIBRARY", "/env/libtopt.so");
    assertEquals("/env/libtopt.so", discover(null, "/env/libtopt.so"));
  }

  @Test
  void relativeEnvironmentValueIsARunfile() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      Path lib = dir.resolve("_main/lib/libtopt.so");
      Files.createDirectories(lib.getParent());
      Files.write(lib, new byte[0]);
      env.put("TOPT_LIBRARY", "_main/lib/libtopt.so");
      env.put("RUNFILES_DIR", dir.toString());
      assertEquals(lib.toString(), discover(null, lib.toString()));
    } finally {
      Fixtures.deleteTree(dir);
    }
  }

  @Test
  void defaultRunfilesPathsThroughTheManifest() throws Exception {
    Path dir = Fixtures.tempDir();
    try {
      Path manifest = dir.resolve("MANIFEST");
      String name = LibraryDiscovery.fileName();
      Files.write(manifest, ("other x\ntopt+/" + name + " /real/" + name + "\n").getBytes(StandardCharsets.UTF_8));
      env.put("RUNFILES_MANIFEST_FILE", manifest.toString());
      assertEquals("/real/" + name, discover(null, "/real/" + name));
    } finally {
      Fixtures.deleteTree(dir);
    }
  }

  @Test
  void platformSearchIsLast() {
    assertEquals("topt", discover(null, "topt"));
  }

  @Test
  void failureListsEveryPlace() {
    env.put("TEST_SRCDIR", "/nonexistent-srcdir");
    UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> discover(null, "none"));
    for (String place :
        new String[] {
          "RUNFILES_DIR: unset", "TEST_SRCDIR /nonexistent-srcdir/topt+/",
          "TEST_SRCDIR /nonexistent-srcdir/_main/", "RUNFILES_MANIFEST_FILE: unset",
          "platform search topt", "TOPT_LIBRARY"
        }) {
      assertTrue(e.getMessage().contains(place), place + " missing from:\n" + e.getMessage());
    }
  }
}
