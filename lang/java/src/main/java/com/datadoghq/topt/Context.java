package com.datadoghq.topt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * An immutable view of Bazel mode for this process: runfiles, the synced metadata and the payload
 * directory, read once when it is opened.
 *
 * <p>Thread-safe: share one context between all threads. Close it with try-with-resources or
 * {@link #close()} (idempotent); a {@link Cleaner} frees it if it is dropped unclosed. Calls after
 * close throw {@link IllegalStateException}. Closing waits for calls in flight, so a racing close
 * can never free the native context under a running call.
 */
public final class Context implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** Native contexts freed so far, by close or by the cleaner; the lifetime tests read it. */
  static final AtomicLong FREED = new AtomicLong();

  /** The native handle, kept apart from {@link Context} so the cleaner does not retain it. */
  private static final class Handle implements Runnable {
    private final LibTopt lib;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Pointer ptr;

    Handle(LibTopt lib, Pointer ptr) {
      this.lib = lib;
      this.ptr = ptr;
    }

    @Override
    public void run() {
      lock.writeLock().lock();
      try {
        if (ptr != null) {
          lib.topt_context_free(ptr);
          ptr = null;
          FREED.incrementAndGet();
        }
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  private final Handle handle;
  private final Cleaner.Cleanable cleanable;

  private Context(LibTopt lib, Pointer ptr) {
    handle = new Handle(lib, ptr);
    cleanable = CLEANER.register(this, handle);
  }

  /** Opens a context from the process environment (what a tracer under {@code bazel test} wants). */
  public static Context fromEnvironment() {
    LibTopt lib = Topt.lib();
    PointerByReference out = new PointerByReference();
    ToptException.check(lib, lib.topt_context_new(null, out));
    return new Context(lib, out.getValue());
  }

  /**
   * Opens a context; {@code config}'s null fields (or all of them, for a null config) are read
   * from the environment.
   */
  public static Context open(Config config) {
    if (config == null) {
      return fromEnvironment();
    }
    LibTopt lib = Topt.lib();
    PointerByReference out = new PointerByReference();
    config.withRaw(
        raw -> {
          ToptException.check(lib, lib.topt_context_new(raw, out));
          return null;
        });
    return new Context(lib, out.getValue());
  }

  /** Runs {@code call} with the live native pointer, holding off {@link #close()} meanwhile. */
  private <T> T use(Function<Pointer, T> call) {
    handle.lock.readLock().lock();
    try {
      if (handle.ptr == null) {
        throw new IllegalStateException("topt context is closed");
      }
      return call.apply(handle.ptr);
    } finally {
      handle.lock.readLock().unlock();
      Reference.reachabilityFence(this);
    }
  }

  /** What this context sees; the diagnostics say why a feature is off. */
  public Info info() {
    LibTopt lib = handle.lib;
    return use(
        ptr -> {
          LibTopt.Info raw = new LibTopt.Info();
          ToptException.check(lib, lib.topt_context_info(ptr, raw));
          return new Info(raw);
        });
  }

  /**
   * Resolves a runfiles path ({@code repo/pkg/file}, as {@code $(rlocationpath)} gives) to a real
   * path; absolute paths come back unchanged. {@link Status#NOT_FOUND} when it is not a runfile,
   * {@link Status#INVALID_ARGUMENT} when it is not normalized.
   */
  public Path rlocation(String path) {
    LibTopt lib = handle.lib;
    String real = use(ptr -> Topt.textCall(lib, out -> lib.topt_rlocation(ptr, Strings.c(path), out)));
    return Paths.get(real);
  }

  /**
   * Reads a synced cache file narrowed to {@code module} (null for none). {@link
   * Status#NOT_FOUND}: no data for this test, treat the feature as off; {@link
   * Status#NOT_ENABLED}: manifest mode is off.
   */
  public CacheRead readCache(CacheFile file, String module) {
    LibTopt lib = handle.lib;
    return use(
        ptr -> {
          IntByReference source = new IntByReference();
          byte[] json =
              Topt.bytesCall(
                  lib,
                  out -> lib.topt_cache_read(ptr, file.value, Strings.c(module), out, source));
          return new CacheRead(json, Source.of(source.getValue()));
        });
  }

  /** {@link #readCache}, with "no data" ({@code NOT_FOUND}, {@code NOT_ENABLED}) as empty. */
  public Optional<CacheRead> readCacheIfPresent(CacheFile file, String module) {
    try {
      return Optional.of(readCache(file, module));
    } catch (ToptException e) {
      if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_ENABLED) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Writes one payload file atomically and returns its path. {@link Status#NOT_ENABLED} when
   * payload files are off, {@link Status#PARSE} for invalid JSON/msgpack, {@link
   * Status#INVALID_ARGUMENT} for empty input or a {@code {}} test payload.
   */
  public Path writePayload(PayloadKind kind, PayloadFormat format, byte[] data) {
    LibTopt lib = handle.lib;
    String path =
        use(
            ptr ->
                Topt.textCall(
                    lib,
                    out ->
                        lib.topt_payload_write(
                            ptr,
                            kind.value,
                            format.value,
                            data,
                            new LibTopt.SizeT(data.length),
                            out)));
    return Paths.get(path);
  }

  /** Writes a JSON payload given as text. */
  public Path writePayload(PayloadKind kind, String json) {
    return writePayload(kind, PayloadFormat.JSON, json.getBytes(StandardCharsets.UTF_8));
  }

  /** Frees the native context; later calls throw. Safe to call more than once. */
  @Override
  public void close() {
    cleanable.clean();
  }
}
