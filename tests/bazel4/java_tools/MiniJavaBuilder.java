// Stand-in for Bazel's JavaBuilder (remote_java_tools), which Debian's Bazel 4.2.3 does not ship and
// cannot download offline. It takes the flags Bazel passes to its Java compile action (a params
// file), compiles with the JDK's own javac and writes the outputs Bazel declares: the class jar
// (with resources) and empty-but-valid native-header jar, jdeps and manifest proto files.
// Not a general JavaBuilder: no strict deps, no header compilation, no workers.
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

public final class MiniJavaBuilder {
  // A fixed timestamp keeps the jars byte-identical across builds (Bazel's cache relies on it).
  private static final long EPOCH = 315532800000L; // 1980-01-01, the ZIP epoch

  public static void main(String[] argv) throws Exception {
    Map<String, List<String>> flags = parse(expand(argv));
    Path out = Paths.get(single(flags, "--output"));
    Path work = Files.createTempDirectory(out.getParent(), "minijavabuilder");
    try {
      Path classes = Files.createDirectories(work.resolve("classes"));
      List<String> sources = new ArrayList<>(list(flags, "--sources"));
      for (String srcjar : list(flags, "--source_jars")) {
        sources.addAll(extractSources(Paths.get(srcjar), work.resolve("srcjars")));
      }
      if (!sources.isEmpty() && compile(flags, sources, classes) != 0) {
        System.exit(1);
      }
      Map<String, Path> entries = new TreeMap<>();
      collect(classes, classes, entries);
      for (String resource : list(flags, "--resources")) {
        int colon = resource.indexOf(':');
        String path = colon < 0 ? resource : resource.substring(0, colon);
        String name = colon < 0 ? resource : resource.substring(colon + 1);
        entries.put(name, Paths.get(path));
      }
      writeJar(out, entries, flags.containsKey("--target_label") ? single(flags, "--target_label") : null);
      for (String flag : new String[] {"--native_header_output", "--generated_sources_output"}) {
        if (flags.containsKey(flag)) {
          writeJar(Paths.get(single(flags, flag)), Collections.emptyMap(), null);
        }
      }
      for (String flag : new String[] {"--output_deps_proto", "--output_manifest_proto"}) {
        if (flags.containsKey(flag)) {
          Files.write(Paths.get(single(flags, flag)), new byte[0]); // an empty proto message
        }
      }
    } finally {
      deleteTree(work);
    }
  }

  private static int compile(Map<String, List<String>> flags, List<String> sources, Path classes) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      System.err.println("MiniJavaBuilder: this Java runtime has no javac (a JDK is needed)");
      return 1;
    }
    List<String> args = new ArrayList<>(list(flags, "--javacopts"));
    if (!args.contains("-encoding")) {
      // Bazel's JavaBuilder reads sources as UTF-8 whatever the locale (a test has none).
      args.add("-encoding");
      args.add("UTF-8");
    }
    args.add("-d");
    args.add(classes.toString());
    List<String> classpath = list(flags, "--classpath");
    if (!classpath.isEmpty()) {
      args.add("-classpath");
      args.add(String.join(java.io.File.pathSeparator, classpath));
    }
    List<String> processorpath = list(flags, "--processorpath");
    if (!processorpath.isEmpty()) {
      args.add("-processorpath");
      args.add(String.join(java.io.File.pathSeparator, processorpath));
    }
    List<String> processors = list(flags, "--processors");
    if (processors.isEmpty()) {
      args.add("-proc:none");
    } else {
      args.add("-processor");
      args.add(String.join(",", processors));
    }
    args.addAll(sources);
    return javac.run(null, System.out, System.err, args.toArray(new String[0]));
  }

  /** Expands `@params` files: one argument per line, optionally shell-quoted. */
  private static List<String> expand(String[] argv) throws IOException {
    List<String> args = new ArrayList<>();
    for (String a : argv) {
      if (a.startsWith("@")) {
        for (String line : Files.readAllLines(Paths.get(a.substring(1)), StandardCharsets.UTF_8)) {
          args.add(unquote(line));
        }
      } else {
        args.add(a);
      }
    }
    return args;
  }

  /** `--flag value...` groups; `--javacopts` runs until a lone `--`. */
  private static Map<String, List<String>> parse(List<String> args) {
    Map<String, List<String>> flags = new LinkedHashMap<>();
    List<String> current = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--javacopts")) {
        List<String> opts = flags.computeIfAbsent(a, k -> new ArrayList<>());
        for (i++; i < args.size() && !args.get(i).equals("--"); i++) {
          opts.add(args.get(i));
        }
        current = null;
      } else if (a.startsWith("--")) {
        current = flags.computeIfAbsent(a, k -> new ArrayList<>());
      } else if (current != null) {
        current.add(a);
      } else {
        throw new IllegalArgumentException("MiniJavaBuilder: unexpected argument " + a);
      }
    }
    return flags;
  }

  private static List<String> list(Map<String, List<String>> flags, String name) {
    return flags.getOrDefault(name, Collections.emptyList());
  }

  private static String single(Map<String, List<String>> flags, String name) {
    List<String> values = list(flags, name);
    if (values.size() != 1) {
      throw new IllegalArgumentException("MiniJavaBuilder: " + name + " needs one value, got " + values);
    }
    return values.get(0);
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && s.startsWith("'") && s.endsWith("'")) {
      return s.substring(1, s.length() - 1).replace("'\\''", "'");
    }
    return s;
  }

  private static List<String> extractSources(Path srcjar, Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    Path root = Files.createDirectories(dir.resolve(Integer.toString(srcjar.hashCode())));
    try (ZipFile zip = new ZipFile(srcjar.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        if (entry.isDirectory() || !entry.getName().endsWith(".java")) {
          continue;
        }
        Path target = root.resolve(entry.getName()).normalize();
        if (!target.startsWith(root)) {
          throw new IOException("MiniJavaBuilder: unsafe entry " + entry.getName() + " in " + srcjar);
        }
        Files.createDirectories(target.getParent());
        Files.copy(zip.getInputStream(entry), target);
        out.add(target.toString());
      }
    }
    return out;
  }

  private static void collect(Path root, Path dir, Map<String, Path> into) throws IOException {
    try (var stream = Files.list(dir)) {
      for (Path p : (Iterable<Path>) stream::iterator) {
        if (Files.isDirectory(p)) {
          collect(root, p, into);
        } else {
          into.put(root.relativize(p).toString().replace('\\', '/'), p);
        }
      }
    }
  }

  private static void writeJar(Path out, Map<String, Path> entries, String targetLabel) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Created-By", "topt tests/bazel4 MiniJavaBuilder");
    if (targetLabel != null) {
      manifest.getMainAttributes().putValue("Target-Label", targetLabel);
    }
    try (OutputStream file = Files.newOutputStream(out);
        JarOutputStream jar = new JarOutputStream(file)) {
      JarEntry meta = new JarEntry("META-INF/MANIFEST.MF");
      meta.setTime(EPOCH);
      jar.putNextEntry(meta);
      manifest.write(jar);
      jar.closeEntry();
      for (Map.Entry<String, Path> e : entries.entrySet()) {
        JarEntry entry = new JarEntry(e.getKey());
        entry.setTime(EPOCH);
        jar.putNextEntry(entry);
        Files.copy(e.getValue(), jar);
        jar.closeEntry();
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<Path>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
