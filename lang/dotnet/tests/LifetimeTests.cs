using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Runtime.CompilerServices;

namespace Datadog.Topt.Tests
{
    static class LifetimeTests
    {
        [Test]
        public static void DoubleCloseIsHarmless()
        {
            Context ctx = Context.Open(Fixtures.Isolated());
            ctx.Dispose();
            ctx.Dispose();
            ctx.Close();
            Check.True(ctx.IsClosed, "closed");
        }

        [Test]
        public static void UseAfterCloseThrows()
        {
            string dir = Fixtures.TempDir();
            try
            {
                Context ctx = Fixtures.PayloadContext(dir);
                ctx.Dispose();
                Check.Throws<ObjectDisposedException>(() => ctx.GetInfo(), "GetInfo");
                Check.Throws<ObjectDisposedException>(() => ctx.Rlocation("_main/x"), "Rlocation");
                Check.Throws<ObjectDisposedException>(() => ctx.ReadCache(CacheFile.Settings), "ReadCache");
                Check.Throws<ObjectDisposedException>(() => ctx.WritePayload(PayloadKind.Telemetry, "{}"), "WritePayload");
                Check.True(!Directory.Exists(Path.Combine(dir, "payloads", "telemetry")) ||
                           Directory.GetFiles(Path.Combine(dir, "payloads", "telemetry")).Length == 0, "nothing written");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void Abandon(int count, bool dispose)
        {
            for (int i = 0; i < count; i++)
            {
                Context ctx = Context.Open(Fixtures.Isolated());
                ctx.GetInfo();
                if (dispose) ctx.Dispose();
            }
        }

        static void Collect()
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }

        [Test]
        public static void FinalizerFreesAbandonedContexts()
        {
            Collect();
            long before = Context.FreedCount;
            Abandon(100, dispose: false);
            Collect();
            long freed = Context.FreedCount - before;
            Check.True(freed >= 90, "the finalizer freed " + freed + " of 100 abandoned contexts");
        }

        [Test]
        public static void FinalizerDoesNotFreeDisposedContextsAgain()
        {
            Collect();
            long before = Context.FreedCount;
            Abandon(50, dispose: true);
            Check.Equal(50L, Context.FreedCount - before, "freed by Dispose");
            Collect();
            Check.Equal(50L, Context.FreedCount - before, "freed after GC (no double free)");
        }

        [Test]
        public static void DisposeWhileOtherThreadsWrite()
        {
            string dir = Fixtures.TempDir();
            try
            {
                Context ctx = Fixtures.PayloadContext(dir);
                int[] counts = new int[4];
                Exception unexpected = null;
                var writers = Enumerable.Range(0, counts.Length).Select(t => new Thread(() =>
                {
                    try
                    {
                        while (true)
                        {
                            ctx.WritePayload(PayloadKind.Telemetry, "{}");
                            counts[t]++;
                        }
                    }
                    catch (ObjectDisposedException) { }
                    catch (Exception e) { unexpected = e; }
                })).ToList();
                writers.ForEach(w => w.Start());
                Thread.Sleep(50);
                ctx.Dispose();
                writers.ForEach(w => w.Join());
                Check.True(unexpected == null, "unexpected " + unexpected);
                Check.True(counts.Sum() > 0, "writes happened before Dispose");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
