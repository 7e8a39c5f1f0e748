// Type declarations for @datadog/topt, the Node.js binding of libtopt.

/** A libtopt error. `code` is the stable status name, `status` its TOPT_STATUS_* number. */
export class ToptError extends Error {
  readonly name: 'ToptError';
  readonly code:
    | 'INVALID_ARGUMENT' | 'NOT_ENABLED' | 'NOT_FOUND' | 'IO' | 'PARSE'
    | 'UNSUPPORTED_VERSION' | 'PANIC' | 'STRUCT_SIZE' | 'NULL_POINTER' | string;
  readonly status: number;
}

/** Overrides for Context.open(): undefined/null = read the environment, '' = explicitly unset. */
export interface Config {
  /** Runfiles path or absolute path of the synced manifest.txt. */
  manifestFile?: string | null;
  /** 'true'/'1'/'t' turns payload files on. */
  payloadsInFiles?: string | null;
  /** Where payload files go (`<dir>/payloads/...`). */
  undeclaredOutputsDir?: string | null;
  runfilesManifestFile?: string | null;
  runfilesDir?: string | null;
  testSrcdir?: string | null;
  javaRunfiles?: string | null;
  /** Program path for the `<argv0>.runfiles` fallbacks. */
  argv0?: string | null;
  /** Canonical name of the repository asking for runfiles ('' = main). */
  sourceRepository?: string | null;
}

export type RunfilesMode = 'none' | 'manifest' | 'directory';
export type CacheFile = 'settings' | 'known_tests' | 'test_management' | 'flaky_tests' | 'skippable_tests';
export type Source = 'canonical' | 'module_file' | 'filtered_bundle' | 'full_bundle';
export type PayloadKind = 'tests' | 'coverage' | 'telemetry';
export type PayloadFormat = 'json' | 'msgpack';

/** What a context sees; strings are null when absent. */
export interface Info {
  manifestVersion: number;
  manifestEnabled: boolean;
  payloadsEnabled: boolean;
  runfilesMode: RunfilesMode;
  manifestGiven: string | null;
  manifestPath: string | null;
  manifestDiagnostic: string | null;
  payloadsDir: string | null;
  payloadsDiagnostic: string | null;
  runfilesLocation: string | null;
}

export interface CacheRead {
  source: Source;
  /** The JSON bytes exactly as libtopt returned them. */
  json: Buffer;
  /** The same JSON as text. */
  text: string;
}

/**
 * An immutable, shareable view of Bazel mode for this process. Call close() when done
 * (idempotent); a FinalizationRegistry frees dropped contexts. Methods of a closed context throw
 * an Error with code 'ERR_TOPT_CLOSED'.
 */
export class Context {
  private constructor();
  static fromEnvironment(): Context;
  static open(config?: Config): Context;
  info(): Info;
  rlocation(path: string): string;
  readCache(file: CacheFile, module?: string | null): CacheRead;
  /** readCache() with NOT_FOUND / NOT_ENABLED as null. */
  readCacheIfPresent(file: CacheFile, module?: string | null): CacheRead | null;
  writePayload(kind: PayloadKind, data: string | Uint8Array, format?: PayloadFormat): string;
  /** writePayload() on a native worker thread. */
  writePayloadAsync(kind: PayloadKind, data: string | Uint8Array, format?: PayloadFormat): Promise<string>;
  close(): void;
}

export const ABI_VERSION_MAJOR: number;
export function load(explicitPath?: string): string;
export function libraryPath(): string;
export function abiVersion(): number;
export function version(): string;
export function fromEnvironment(): Context;
export function open(config?: Config): Context;

export interface SelectionResult {
  group: string | null;
  label?: string | null;
  identifier?: string | null;
  identifier_source?: string | null;
  payload_selection: string;
  include_per_module?: boolean;
  strict?: boolean;
  [key: string]: unknown;
}
export function selectModule(request: object | string): SelectionResult;
export function sanitizeLabel(name: string): string;
export function dedupLabels(keys: string[]): string[];
export function labelMap(sources: {
  known_tests?: string[];
  test_management?: string[];
  flaky_tests?: string[];
}): Record<string, string>;
