using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Datadog.Topt
{
    /// <summary>
    /// An immutable view of Bazel mode for this process (topt_Context). Thread-safe: share one
    /// per process. Dispose it when done; the SafeHandle's finalizer frees it otherwise, and a
    /// Dispose racing with calls on other threads defers the free until those calls return.
    /// </summary>
    public sealed class Context : IDisposable
    {
        readonly ContextHandle handle;
        // Set once by Dispose. Mono's SafeHandle neither reports IsClosed nor refuses
        // DangerousAddRef while other threads hold references, so the context tracks it itself;
        // it also keeps a second Dispose from releasing a reference that is not its own.
        int disposed;
        static long freedCount;

        // How many contexts were freed, by Dispose or the finalizer (for the lifetime tests).
        internal static long FreedCount => Interlocked.Read(ref freedCount);

        Context(ContextHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>Opens a context from the process environment.</summary>
        public static Context FromEnvironment() => Open(null);

        /// <summary>
        /// Opens a context; fields of <paramref name="config"/> override the environment (null =
        /// environment only). Bazel mode being off is not an error: <see cref="GetInfo"/> says why.
        /// Throws <see cref="ToptException"/> for unusable input (e.g. Parse for a malformed runfiles manifest).
        /// </summary>
        public static Context Open(Config config)
        {
            Native n = Library.N;
            var handle = new ContextHandle();
            IntPtr raw;
            // A config whose fields are all NULL reads everything from the environment, as a
            // NULL config would.
            RawConfig c = ToRaw(config ?? new Config());
            try
            {
                Library.Check(n.topt_context_new(ref c, out raw));
            }
            finally
            {
                FreeRaw(c);
            }
            handle.Adopt(raw);
            return new Context(handle);
        }

        /// <summary>True once disposed.</summary>
        public bool IsClosed => Volatile.Read(ref disposed) != 0;

        /// <summary>Frees the context. Calling it again is harmless.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) handle.Dispose();
        }

        /// <summary>Same as <see cref="Dispose"/>.</summary>
        public void Close() => Dispose();

        /// <summary>What the context sees: modes, paths and why a feature is off.</summary>
        public Info GetInfo() => With(ctx =>
        {
            var raw = new RawInfo { StructSize = (uint)Marshal.SizeOf<RawInfo>() };
            Library.Check(Library.N.topt_context_info(ctx, ref raw));
            // Strings are borrowed from the context: copy them while it is pinned by With().
            return new Info
            {
                ManifestVersion = raw.ManifestVersion,
                ManifestEnabled = raw.ManifestEnabled != 0,
                PayloadsEnabled = raw.PayloadsEnabled != 0,
                RunfilesMode = (RunfilesMode)raw.RunfilesMode,
                ManifestGiven = Utf8.FromPtr(raw.ManifestGiven),
                ManifestPath = Utf8.FromPtr(raw.ManifestPath),
                ManifestDiagnostic = Utf8.FromPtr(raw.ManifestDiagnostic),
                PayloadsDir = Utf8.FromPtr(raw.PayloadsDir),
                PayloadsDiagnostic = Utf8.FromPtr(raw.PayloadsDiagnostic),
                RunfilesLocation = Utf8.FromPtr(raw.RunfilesLocation),
            };
        });

        /// <summary>
        /// Resolves a runfiles path (repo/pkg/file) to a real path; absolute paths pass through.
        /// Throws InvalidArgument for a non-normalized path, NotFound when it is not a runfile.
        /// </summary>
        public string Rlocation(string path)
        {
            byte[] cPath = Utf8.ToC(path ?? throw new ArgumentNullException(nameof(path)));
            return With(ctx =>
            {
                var output = new RawBytes();
                Library.Check(Library.N.topt_rlocation(ctx, cPath, ref output));
                return Library.TakeString(ref output);
            });
        }

        /// <summary>
        /// Reads a synced cache file narrowed to <paramref name="module"/> (null or "" for none).
        /// NotFound means there is no data for this test (treat the feature as off); NotEnabled
        /// means manifest mode is off.
        /// </summary>
        public CacheRead ReadCache(CacheFile file, string module = null)
        {
            byte[] cModule = Utf8.ToC(module);
            return With(ctx =>
            {
                var json = new RawBytes();
                Library.Check(Library.N.topt_cache_read(ctx, (uint)file, cModule, ref json, out uint source));
                return new CacheRead(Library.TakeBytes(ref json), (CacheSource)source);
            });
        }

        /// <summary>
        /// Writes one payload file atomically and returns its path. Safe from many threads at once.
        /// Throws NotEnabled when payload files are off, InvalidArgument for empty input, Parse for
        /// invalid JSON/msgpack, Io when the disk refuses.
        /// </summary>
        public string WritePayload(PayloadKind kind, PayloadFormat format, byte[] data)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            return With(ctx =>
            {
                var path = new RawBytes();
                Library.Check(Library.N.topt_payload_write(ctx, (uint)kind, (uint)format, data, (UIntPtr)data.Length, ref path));
                return Library.TakeString(ref path);
            });
        }

        /// <summary>Writes a JSON payload given as text; returns the new file's path.</summary>
        public string WritePayload(PayloadKind kind, string json) =>
            WritePayload(kind, PayloadFormat.Json, Encoding.UTF8.GetBytes(json ?? throw new ArgumentNullException(nameof(json))));

        // Runs `call` with the raw pointer while holding a reference on the handle, so a
        // concurrent Dispose cannot free the context under a running call.
        T With<T>(Func<IntPtr, T> call)
        {
            if (IsClosed) throw new ObjectDisposedException(nameof(Context), "the topt context was closed");
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                return call(handle.DangerousGetHandle());
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        static RawConfig ToRaw(Config c) => new RawConfig
        {
            StructSize = (uint)Marshal.SizeOf<RawConfig>(),
            ManifestFile = Utf8.Alloc(c.ManifestFile),
            PayloadsInFiles = Utf8.Alloc(c.PayloadsInFiles),
            UndeclaredOutputsDir = Utf8.Alloc(c.UndeclaredOutputsDir),
            RunfilesManifestFile = Utf8.Alloc(c.RunfilesManifestFile),
            RunfilesDir = Utf8.Alloc(c.RunfilesDir),
            TestSrcdir = Utf8.Alloc(c.TestSrcdir),
            JavaRunfiles = Utf8.Alloc(c.JavaRunfiles),
            Argv0 = Utf8.Alloc(c.Argv0),
            SourceRepository = Utf8.Alloc(c.SourceRepository),
        };

        static void FreeRaw(RawConfig c)
        {
            foreach (IntPtr p in new[] { c.ManifestFile, c.PayloadsInFiles, c.UndeclaredOutputsDir, c.RunfilesManifestFile,
                                         c.RunfilesDir, c.TestSrcdir, c.JavaRunfiles, c.Argv0, c.SourceRepository })
                if (p != IntPtr.Zero) Marshal.FreeHGlobal(p);
        }

        // Owns the topt_Context*: released exactly once, by Dispose or by the finalizer.
        sealed class ContextHandle : SafeHandle
        {
            internal ContextHandle() : base(IntPtr.Zero, true) { }

            public override bool IsInvalid => handle == IntPtr.Zero;

            internal void Adopt(IntPtr raw) => SetHandle(raw);

            protected override bool ReleaseHandle()
            {
                Library.N.topt_context_free(handle);
                Interlocked.Increment(ref freedCount);
                return true;
            }
        }
    }
}
