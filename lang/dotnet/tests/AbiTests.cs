// The generated raw layer against include/topt.abi.json (whose layouts `cargo xtask header`
// checks against the C compiler), and the public enums against the ABI's.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using static Datadog.Topt.Tests.Json;

namespace Datadog.Topt.Tests
{
    static class AbiTests
    {
        static object Abi => Parse(File.ReadAllText(Path.Combine(Fixtures.VectorsDir, "..", "..", "include", "topt.abi.json")));

        // The public enum for each ABI enum (topt_Source is CacheSource here).
        static readonly Dictionary<string, Type> Enums = new Dictionary<string, Type>
        {
            ["topt_CacheFile"] = typeof(CacheFile), ["topt_Source"] = typeof(CacheSource),
            ["topt_RunfilesMode"] = typeof(RunfilesMode), ["topt_Status"] = typeof(Status),
            ["topt_PayloadKind"] = typeof(PayloadKind), ["topt_PayloadFormat"] = typeof(PayloadFormat),
        };

        static string Pascal(string snake) =>
            string.Concat(snake.Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(w => w.Substring(0, 1).ToUpperInvariant() + w.Substring(1).ToLowerInvariant()));

        [Test]
        public static void StructLayoutsMatchTheAbi()
        {
            Check.Equal(Convert.ToInt32(Get(Get(Abi, "data_model"), "pointer_size")), IntPtr.Size, "pointer size");
            foreach (object s in Arr(Get(Abi, "structs")))
            {
                string name = (string)Get(s, "name");
                Type raw = typeof(Native).Assembly.GetType("Datadog.Topt.Raw" + name.Substring("topt_".Length), true);
                Check.Equal(Convert.ToInt32(Get(s, "size")), Marshal.SizeOf(raw), "sizeof(" + name + ")");
                foreach (object f in Arr(Get(s, "fields")))
                {
                    string field = Pascal((string)Get(f, "name"));
                    Check.Equal(Convert.ToInt32(Get(f, "offset")), (int)Marshal.OffsetOf(raw, field), "offsetof(" + name + ", " + field + ")");
                }
            }
        }

        [Test]
        public static void EveryAbiEnumMemberIsPublic()
        {
            foreach (object e in Arr(Get(Abi, "enums")))
            {
                string name = (string)Get(e, "name");
                Check.True(Enums.TryGetValue(name, out Type type), "no public enum for " + name);
                var want = Arr(Get(e, "members")).ToDictionary(m => Pascal((string)Get(m, "name")), m => Convert.ToUInt32(Get(m, "value")));
                var got = Enum.GetNames(type).ToDictionary(n => n, n => Convert.ToUInt32(Enum.Parse(type, n)));
                Check.Equal(string.Join(",", want.OrderBy(kv => kv.Key)), string.Join(",", got.OrderBy(kv => kv.Key)), type.Name);
            }
        }
    }
}
