using System.Runtime.CompilerServices;

// The test runner checks discovery and the finalizer backstop through internals.
[assembly: InternalsVisibleTo("Datadog.Topt.Tests")]
