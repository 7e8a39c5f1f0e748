package checkout.api.handlers;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.datadoghq.topt.CacheFile;
import com.datadoghq.topt.Context;
import com.datadoghq.topt.Info;
import com.datadoghq.topt.PayloadKind;
import com.datadoghq.topt.Topt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Test;

/** Runs under the native java_test: reads the selected module's files through the Java binding. */
public class HandlersTest {
  private static final String MODULE = "checkout.api.handlers";

  @Test
  public void readsItsModuleThroughTheBinding() throws Exception {
    assertEquals("the -javaagent flag did not reach the JVM", "loaded", System.getProperty("topt.smoke.agent"));
    assertEquals("true", System.getenv("DD_CIVISIBILITY_ENABLED"));
    String library = System.getenv("TOPT_LIBRARY");
    assertTrue("TOPT_LIBRARY is not absolute: " + library, Paths.get(library).isAbsolute());
    try (Context ctx = Context.fromEnvironment()) {
      assertEquals(library, Topt.libraryPath());
      Info info = ctx.info();
      assertTrue(info.toString(), info.manifestEnabled() && info.payloadsEnabled());

      String known = ctx.readCache(CacheFile.KNOWN_TESTS, MODULE).text();
      assertTrue(known, known.contains("\"" + MODULE + "\""));
      assertFalse(known, known.contains("github.com/acme"));
      Path canonical = ctx.rlocation("test_optimization_data/.testoptimization/cache/http/known_tests.json");
      String file = new String(Files.readAllBytes(canonical), StandardCharsets.UTF_8);
      assertTrue(file, file.contains("\"" + MODULE + "\"") && !file.contains("github.com/acme"));

      String event = "{\"version\":1,\"metadata\":{\"*\":{\"language\":\"jvm\",\"runtime-id\":\"0f0e0d0c-0b0a-4909-8807-060504030201\"}},"
          + "\"events\":[{\"type\":\"test\",\"version\":2,\"content\":{\"trace_id\":1,\"span_id\":2,\"parent_id\":0,\"error\":0,"
          + "\"test_session_id\":3,\"test_module_id\":4,\"test_suite_id\":5,\"name\":\"junit.test\",\"service\":\"topt-smoke\","
          + "\"resource\":\"HandlersTest.readsItsModuleThroughTheBinding\",\"start\":1730000000000000000,\"duration\":1000,"
          + "\"type\":\"test\",\"meta\":{\"test.name\":\"readsItsModuleThroughTheBinding\",\"test.suite\":\"HandlersTest\","
          + "\"test.framework\":\"junit4\",\"test.status\":\"pass\",\"test.module\":\"" + MODULE + "\"},\"metrics\":{}}}]}";
      Path written = ctx.writePayload(PayloadKind.TESTS, event);
      assertTrue(written.toString(), Files.isRegularFile(written));
    }
  }
}
