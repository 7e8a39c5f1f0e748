package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Every function's arguments and results cross the boundary intact (text, bytes with NUL and high
 * bytes, JSON both ways, enums); ErrorsTest covers the error paths.
 */
class MarshallingTest {
  private static final String CART = "github.com/acme/checkout/pkg/cart";

  @Test
  void labels() {
    assertEquals("github_com_acme_checkout_pkg_cart", Topt.sanitizeLabel(CART));
    assertEquals("caf", Topt.sanitizeLabel("café/模块"));
    assertEquals("[\"a\",\"a_2\",\"b\",\"a_3\"]", Topt.dedupLabels("[\"a\",\"a\",\"b\",\"a\"]"));
    assertEquals(
        JsonParser.parseString("{\"" + CART + "\":\"github_com_acme_checkout_pkg_cart\",\"x.y\":\"x_y\"}"),
        JsonParser.parseString(Topt.labelMap("{\"known_tests\":[\"" + CART + "\"],\"flaky_tests\":[\"x.y\"]}")));
  }

  @Test
  void selectModule() {
    String request =
        "{\"language\":\"go\",\"labels\":[\"github_com_acme_checkout_pkg_cart\"],\"attrs\":{\"importpath\":\"%s\"}}";
    JsonObject got = JsonParser.parseString(Topt.selectModule(String.format(request, CART))).getAsJsonObject();
    assertEquals("module_github_com_acme_checkout_pkg_cart", got.get("group").getAsString());
    assertEquals(CART, got.get("identifier").getAsString());
    ToptException e =
        assertThrows(ToptException.class, () -> Topt.selectModule(String.format(request, "github.com/acme/other")));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    assertTrue(e.getMessage().contains("github_com_acme_checkout_pkg_cart"), e.getMessage());
  }

  private static void writes(PayloadKind kind, PayloadFormat format, byte[] data, String want) throws Exception {
    Path out = Fixtures.tempDir();
    try (Context ctx = Fixtures.payloadContext(out)) {
      Path written = ctx.writePayload(kind, format, data);
      assertEquals(out.resolve("payloads").resolve(kind.name().toLowerCase(java.util.Locale.ROOT)), written.getParent());
      assertArrayEquals(want.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(written));
    } finally {
      Fixtures.deleteTree(out);
    }
  }

  @Test
  void writePayload() throws Exception {
    String json = "{\"version\":1,\"n\":\"é\"}";
    writes(PayloadKind.TESTS, PayloadFormat.JSON, json.getBytes(StandardCharsets.UTF_8), json);
    writes(PayloadKind.COVERAGE, PayloadFormat.JSON, "{}".getBytes(StandardCharsets.UTF_8), "{}");
    writes(PayloadKind.TELEMETRY, PayloadFormat.MSGPACK, new byte[] {(byte) 0x81, (byte) 0xa1, 'a', 0}, "{\"a\":0}");
    writes(
        PayloadKind.TESTS,
        PayloadFormat.MSGPACK,
        new byte[] {(byte) 0x81, (byte) 0xa1, 'b', (byte) 0xc4, 2, (byte) 0xff, 0},
        "{\"b\":\"/wA=\"}");
  }

  @Test
  void statusNames() {
    assertEquals("NOT_FOUND", Strings.read(Topt.lib().topt_status_name(Status.NOT_FOUND.code())));
    assertEquals("UNKNOWN", Strings.read(Topt.lib().topt_status_name(12345)));
    assertEquals(Status.UNKNOWN, Status.of(12345));
  }
}
