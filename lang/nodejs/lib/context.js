'use strict';

const { enums, types } = require('./raw');
const library = require('./library');
const { bytesCall, take } = require('./bytes');
const { check, closedError } = require('./errors');

// The header's enums by their lower-case names ('known_tests'), and back.
const CACHE_FILES = enums.topt_CacheFile;
const PAYLOAD_KINDS = enums.topt_PayloadKind;
const PAYLOAD_FORMATS = enums.topt_PayloadFormat;
const invert = (table) => Object.fromEntries(Object.entries(table).map(([name, value]) => [value, name]));
const SOURCES = invert(enums.topt_Source);
const RUNFILES_MODES = invert(enums.topt_RunfilesMode);

// Config keys (camelCase, as JS options are) -> topt_Config's string fields.
const CONFIG_FIELDS = Object.fromEntries(
  Object.keys(types.topt_Config.members)
    .filter((field) => field !== 'struct_size' && !field.startsWith('_'))
    .map((field) => [field.replace(/_(.)/g, (_, c) => c.toUpperCase()), field]),
);

function pick(table, name, what) {
  if (!Object.prototype.hasOwnProperty.call(table, name)) {
    throw new TypeError(`unknown ${what} ${JSON.stringify(name)}; expected one of ${Object.keys(table).join(', ')}`);
  }
  return table[name];
}

function rawConfig(config) {
  const out = { struct_size: types.topt_Config.size, _reserved: 0 };
  for (const field of Object.values(CONFIG_FIELDS)) out[field] = null;
  for (const [key, value] of Object.entries(config)) {
    const field = pick(CONFIG_FIELDS, key, 'config key');
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new TypeError(`config.${key} must be a string, null or undefined`);
    }
    out[field] = value ?? null;
  }
  return out;
}

function bytesOf(data) {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError('payload data must be a string, Buffer or Uint8Array');
}

/** Native contexts freed so far, by close() or by the finalizer; read by the lifetime tests. */
const stats = { freed: 0 };

/**
 * The native side of a Context, kept apart from it so the FinalizationRegistry does not keep the
 * Context alive. `pending` counts async calls in flight: the pointer is freed only once the
 * context is closed (or collected) and none is left.
 */
class Handle {
  constructor(raw, ptr) {
    this.raw = raw;
    this.ptr = ptr;
    this.closed = false;
    this.pending = 0;
  }

  release() {
    this.closed = true;
    if (this.pending === 0 && this.ptr !== null) {
      this.raw.topt_context_free(this.ptr);
      this.ptr = null;
      stats.freed++;
    }
  }
}

const registry = new FinalizationRegistry((handle) => handle.release());

// Only Context.open() may construct a Context: it alone owns a fresh native pointer.
const OPENING = Symbol('topt.Context.open');

/**
 * An immutable view of Bazel mode for this process: runfiles, the synced metadata and the payload
 * directory, read once when it is opened. Share one per process. Call close() when done (it is
 * idempotent); a FinalizationRegistry frees contexts that are dropped unclosed. Methods of a
 * closed context throw an Error with code 'ERR_TOPT_CLOSED'.
 */
class Context {
  #handle;

  constructor(token, raw, ptr) {
    if (token !== OPENING) throw new TypeError('use Context.open() or Context.fromEnvironment()');
    this.#handle = new Handle(raw, ptr);
    registry.register(this, this.#handle, this.#handle);
  }

  /** Opens a context from the process environment (what a tracer under `bazel test` wants). */
  static fromEnvironment() {
    return Context.open(undefined);
  }

  /**
   * Opens a context. Each `config` key left undefined/null is read from its environment variable;
   * '' means explicitly unset. Keys: manifestFile, payloadsInFiles, undeclaredOutputsDir,
   * runfilesManifestFile, runfilesDir, testSrcdir, javaRunfiles, argv0, sourceRepository.
   */
  static open(config) {
    const raw = library.lib();
    const out = [null];
    check(raw, raw.topt_context_new(config === undefined ? null : rawConfig(config), out));
    return new Context(OPENING, raw, out[0]);
  }

  #live() {
    const h = this.#handle;
    if (h.closed) throw closedError();
    return h;
  }

  /** What this context sees; the diagnostics say why a feature is off. */
  info() {
    const h = this.#live();
    const raw = { struct_size: types.topt_Info.size };
    check(h.raw, h.raw.topt_context_info(h.ptr, raw));
    return {
      manifestVersion: raw.manifest_version,
      manifestEnabled: raw.manifest_enabled !== 0,
      payloadsEnabled: raw.payloads_enabled !== 0,
      runfilesMode: RUNFILES_MODES[raw.runfiles_mode] ?? `unknown(${raw.runfiles_mode})`,
      manifestGiven: raw.manifest_given,
      manifestPath: raw.manifest_path,
      manifestDiagnostic: raw.manifest_diagnostic,
      payloadsDir: raw.payloads_dir,
      payloadsDiagnostic: raw.payloads_diagnostic,
      runfilesLocation: raw.runfiles_location,
    };
  }

  /**
   * Resolves a runfiles path (`repo/pkg/file`, as $(rlocationpath) gives) to a real path; absolute
   * paths come back unchanged. ToptError NOT_FOUND / INVALID_ARGUMENT otherwise.
   */
  rlocation(path) {
    const h = this.#live();
    return bytesCall(h.raw, (out) => h.raw.topt_rlocation(h.ptr, path, out)).toString('utf8');
  }

  /**
   * Reads a synced cache file narrowed to `module` (undefined for none): `{ source, json, text }`.
   * ToptError NOT_FOUND: no data for this test, treat the feature as off; NOT_ENABLED: manifest
   * mode is off.
   */
  readCache(file, module) {
    const h = this.#live();
    const kind = pick(CACHE_FILES, file, 'cache file');
    const source = [0];
    const json = bytesCall(h.raw, (out) => h.raw.topt_cache_read(h.ptr, kind, module ?? null, out, source));
    return { source: SOURCES[source[0]], json, text: json.toString('utf8') };
  }

  /** readCache(), with "no data" (NOT_FOUND, NOT_ENABLED) as null. */
  readCacheIfPresent(file, module) {
    try {
      return this.readCache(file, module);
    } catch (e) {
      if (e.code === 'NOT_FOUND' || e.code === 'NOT_ENABLED') return null;
      throw e;
    }
  }

  /**
   * Writes one payload file atomically (synchronously, fsync included) and returns its path.
   * `data` is a string (UTF-8) or bytes; `format` is 'json' (default) or 'msgpack'.
   */
  writePayload(kind, data, format = 'json') {
    const h = this.#live();
    const k = pick(PAYLOAD_KINDS, kind, 'payload kind');
    const f = pick(PAYLOAD_FORMATS, format, 'payload format');
    const bytes = bytesOf(data);
    return bytesCall(h.raw, (out) => h.raw.topt_payload_write(h.ptr, k, f, bytes, bytes.length, out)).toString('utf8');
  }

  /**
   * writePayload() on one of koffi's worker threads, so the event loop never waits for the disk.
   * close() during the call is safe: the context is freed when the last such call settles.
   */
  writePayloadAsync(kind, data, format = 'json') {
    return new Promise((resolve, reject) => {
      const h = this.#live();
      const k = pick(PAYLOAD_KINDS, kind, 'payload kind');
      const f = pick(PAYLOAD_FORMATS, format, 'payload format');
      const bytes = bytesOf(data);
      const out = {};
      const settle = () => {
        h.pending--;
        if (h.closed) h.release();
      };
      h.pending++;
      try {
        h.raw.topt_payload_write.async(h.ptr, k, f, bytes, bytes.length, out, (callErr, err) => {
          settle();
          try {
            if (callErr) throw callErr;
            if (err !== null) {
              take(h.raw, out);
              check(h.raw, err);
            }
            resolve(take(h.raw, out).toString('utf8'));
          } catch (e) {
            reject(e);
          }
        });
      } catch (e) {
        settle(); // koffi refused the call (e.g. its async queue is full)
        reject(e);
      }
    });
  }

  /** Frees the native context (after pending async writes settle). Safe to call more than once. */
  close() {
    const h = this.#handle;
    if (h.closed) return;
    registry.unregister(h);
    h.release();
  }
}

module.exports = { Context, stats };
