// A tiny test runner (no NUnit/xunit on Mono here): runs every [Test] method, prints one line per
// test and ends with "N passed, N failed"; exits 1 on any failure.
using System;
using System.Linq;
using System.Reflection;

namespace Datadog.Topt.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    sealed class TestAttribute : Attribute { }

    static class Runner
    {
        static int Main(string[] args)
        {
            var tests = typeof(Runner).Assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
                .Where(m => m.GetCustomAttribute<TestAttribute>() != null)
                .Where(m => args.Length == 0 || args.Any(a => (m.DeclaringType.Name + "." + m.Name).Contains(a)))
                .OrderBy(m => m.DeclaringType.Name).ThenBy(m => m.Name)
                .ToList();
            // A hung test must fail the run, not stall CI (Mono may ignore SIGTERM from `timeout`).
            var watchdog = new System.Threading.Timer(_ =>
            {
                Console.WriteLine("FAIL the run exceeded 600 s");
                Console.WriteLine("0 passed, 1 failed");
                Environment.Exit(1);
            }, null, 600000, System.Threading.Timeout.Infinite);
            int passed = 0, failed = 0;
            foreach (MethodInfo test in tests)
            {
                string name = test.DeclaringType.Name + "." + test.Name;
                try
                {
                    test.Invoke(null, null);
                    passed++;
                    Console.WriteLine("ok   " + name);
                }
                catch (TargetInvocationException e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + ": " + e.InnerException);
                }
            }
            watchdog.Dispose();
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }
}
