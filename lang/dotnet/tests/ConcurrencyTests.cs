using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;

namespace Datadog.Topt.Tests
{
    static class ConcurrencyTests
    {
        const int Threads = 8;
        const int PerThread = 50;

        [Test]
        public static void ThreadsWritePayloadsThroughOneContext()
        {
            string dir = Fixtures.TempDir();
            try
            {
                var written = new ConcurrentDictionary<string, string>();
                var errors = new ConcurrentQueue<Exception>();
                using (Context ctx = Fixtures.PayloadContext(dir))
                {
                    var start = new ManualResetEventSlim(false);
                    var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
                    {
                        start.Wait();
                        for (int i = 0; i < PerThread; i++)
                        {
                            try
                            {
                                string json = "{\"version\":1,\"events\":[{\"type\":\"test\",\"thread\":" + t + ",\"i\":" + i + "}]}";
                                string path = ctx.WritePayload(PayloadKind.Tests, json);
                                if (!written.TryAdd(path, json)) errors.Enqueue(new Exception("path returned twice: " + path));
                            }
                            catch (Exception e)
                            {
                                errors.Enqueue(e);
                            }
                        }
                    })).ToList();
                    threads.ForEach(th => th.Start());
                    start.Set();
                    threads.ForEach(th => th.Join());
                }
                Check.True(errors.IsEmpty, "errors: " + string.Join("\n", errors));
                Check.Equal(Threads * PerThread, written.Count, "unique paths");
                string kindDir = Path.Combine(dir, "payloads", "tests");
                var onDisk = Directory.GetFileSystemEntries(kindDir);
                Check.Equal(Threads * PerThread, onDisk.Length, "files on disk (no temp files left)");
                foreach (var kv in written)
                    Check.Equal(kv.Value, File.ReadAllText(kv.Key), "content of " + kv.Key);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
