// Every function's arguments and results cross the boundary intact (text, bytes with NUL and high
// bytes, JSON both ways, enums); ErrorTests covers the error paths.
using System.IO;
using System.Text;
using static Datadog.Topt.Tests.Json;

namespace Datadog.Topt.Tests
{
    static class MarshallingTests
    {
        const string Cart = "github.com/acme/checkout/pkg/cart";

        [Test]
        public static void LabelRules()
        {
            Check.Equal("github_com_acme_checkout_pkg_cart", Labels.Sanitize(Cart), "sanitize");
            Check.Equal("caf", Labels.Sanitize("café/模块"), "sanitize UTF-8");
            Check.Equal("[\"a\",\"a_2\",\"b\",\"a_3\"]", Labels.Dedup("[\"a\",\"a\",\"b\",\"a\"]"), "dedup");
            object map = Parse(Labels.Map("{\"known_tests\":[\"" + Cart + "\"],\"flaky_tests\":[\"x.y\"]}"));
            Check.Equal("github_com_acme_checkout_pkg_cart", (string)Get(map, Cart), "label_map");
            Check.Equal("x_y", (string)Get(map, "x.y"), "label_map");
        }

        [Test]
        public static void SelectModule()
        {
            const string request = "{\"language\":\"go\",\"labels\":[\"github_com_acme_checkout_pkg_cart\"],\"attrs\":{\"importpath\":\"{0}\"}}";
            object got = Parse(Selection.SelectModule(request.Replace("{0}", Cart)));
            Check.Equal("module_github_com_acme_checkout_pkg_cart", (string)Get(got, "group"), "group");
            Check.Equal(Cart, (string)Get(got, "identifier"), "identifier");
            var e = Check.Throws<ToptException>(() => Selection.SelectModule(request.Replace("{0}", "github.com/acme/other")), "strict miss");
            Check.Equal(Status.InvalidArgument, e.Code, "strict miss");
            Check.True(e.Message.Contains("github_com_acme_checkout_pkg_cart"), e.Message);
        }

        static void Writes(PayloadKind kind, PayloadFormat format, byte[] data, string want)
        {
            string dir = Fixtures.TempDir();
            try
            {
                using (Context ctx = Fixtures.PayloadContext(dir))
                {
                    string path = ctx.WritePayload(kind, format, data);
                    Check.Equal(Path.Combine(dir, "payloads", kind.ToString().ToLowerInvariant()), Path.GetDirectoryName(path), "directory");
                    Check.Equal(want, Encoding.UTF8.GetString(File.ReadAllBytes(path)), kind + " " + format);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public static void WritePayload()
        {
            const string json = "{\"version\":1,\"n\":\"é\"}";
            Writes(PayloadKind.Tests, PayloadFormat.Json, Encoding.UTF8.GetBytes(json), json);
            Writes(PayloadKind.Coverage, PayloadFormat.Json, Encoding.UTF8.GetBytes("{}"), "{}");
            Writes(PayloadKind.Telemetry, PayloadFormat.Msgpack, new byte[] { 0x81, 0xa1, (byte)'a', 0 }, "{\"a\":0}");
            Writes(PayloadKind.Tests, PayloadFormat.Msgpack, new byte[] { 0x81, 0xa1, (byte)'b', 0xc4, 2, 0xff, 0 }, "{\"b\":\"/wA=\"}");
        }
    }
}
