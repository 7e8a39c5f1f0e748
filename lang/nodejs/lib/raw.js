'use strict';
// The raw layer: include/topt.h declared for koffi, one to one, and nothing else. The idiomatic
// API lives in context.js and ../index.js; test/header.test.js fails if this drifts from the header.

const koffi = require('koffi');

/** The header's #define constants. */
const constants = Object.freeze({
  TOPT_ABI_VERSION_MAJOR: 1,
  TOPT_ABI_VERSION_MINOR: 0,
  TOPT_CACHE_FILE_SETTINGS: 0,
  TOPT_CACHE_FILE_KNOWN_TESTS: 1,
  TOPT_CACHE_FILE_TEST_MANAGEMENT: 2,
  TOPT_CACHE_FILE_FLAKY_TESTS: 3,
  TOPT_CACHE_FILE_SKIPPABLE_TESTS: 4,
  TOPT_SOURCE_CANONICAL: 1,
  TOPT_SOURCE_MODULE_FILE: 2,
  TOPT_SOURCE_FILTERED_BUNDLE: 3,
  TOPT_SOURCE_FULL_BUNDLE: 4,
  TOPT_RUNFILES_MODE_NONE: 0,
  TOPT_RUNFILES_MODE_MANIFEST: 1,
  TOPT_RUNFILES_MODE_DIRECTORY: 2,
  TOPT_STATUS_OK: 0,
  TOPT_STATUS_INVALID_ARGUMENT: 1,
  TOPT_STATUS_NOT_ENABLED: 2,
  TOPT_STATUS_NOT_FOUND: 3,
  TOPT_STATUS_IO: 4,
  TOPT_STATUS_PARSE: 5,
  TOPT_STATUS_UNSUPPORTED_VERSION: 6,
  TOPT_STATUS_PANIC: 7,
  TOPT_STATUS_STRUCT_SIZE: 8,
  TOPT_STATUS_NULL_POINTER: 9,
  TOPT_PAYLOAD_KIND_TESTS: 0,
  TOPT_PAYLOAD_KIND_COVERAGE: 1,
  TOPT_PAYLOAD_KIND_TELEMETRY: 2,
  TOPT_PAYLOAD_FORMAT_JSON: 0,
  TOPT_PAYLOAD_FORMAT_MSGPACK: 1,
});

// Types are registered once per process by name, so they live at module level.
koffi.opaque('topt_Context');
koffi.opaque('topt_Error');
const types = Object.freeze({
  // `ptr` is `void *` (a BigInt address) so the bytes can be copied out before topt_bytes_free.
  topt_Bytes: koffi.struct('topt_Bytes', { ptr: 'void *', len: 'size_t', _cap: 'size_t' }),
  topt_Config: koffi.struct('topt_Config', {
    struct_size: 'uint32_t',
    _reserved: 'uint32_t',
    manifest_file: 'const char *',
    payloads_in_files: 'const char *',
    undeclared_outputs_dir: 'const char *',
    runfiles_manifest_file: 'const char *',
    runfiles_dir: 'const char *',
    test_srcdir: 'const char *',
    java_runfiles: 'const char *',
    argv0: 'const char *',
    source_repository: 'const char *',
  }),
  // Strings are borrowed from the context; koffi copies them into JS strings on return.
  topt_Info: koffi.struct('topt_Info', {
    struct_size: 'uint32_t',
    manifest_version: 'uint32_t',
    manifest_enabled: 'uint32_t',
    payloads_enabled: 'uint32_t',
    runfiles_mode: 'uint32_t',
    _reserved: 'uint32_t',
    manifest_given: 'const char *',
    manifest_path: 'const char *',
    manifest_diagnostic: 'const char *',
    payloads_dir: 'const char *',
    payloads_diagnostic: 'const char *',
    runfiles_location: 'const char *',
  }),
});

const prototypes = [
  'void topt_bytes_free(_Inout_ topt_Bytes *bytes)',
  'topt_Error *topt_cache_read(const topt_Context *ctx, uint32_t file, const char *module, _Out_ topt_Bytes *out_json, _Out_ uint32_t *out_source)',
  'topt_Error *topt_context_new(const topt_Config *config, _Out_ topt_Context **out)',
  'void topt_context_free(topt_Context *ctx)',
  'topt_Error *topt_context_info(const topt_Context *ctx, _Inout_ topt_Info *out)',
  'topt_Error *topt_rlocation(const topt_Context *ctx, const char *path, _Out_ topt_Bytes *out_path)',
  'uint32_t topt_error_code(const topt_Error *error)',
  'const char *topt_error_message(const topt_Error *error)',
  'void topt_error_free(topt_Error *error)',
  'const char *topt_status_name(uint32_t status)',
  'topt_Error *topt_select_module(const char *request_json, _Out_ topt_Bytes *out_json)',
  'topt_Error *topt_label_sanitize(const char *name, _Out_ topt_Bytes *out)',
  'topt_Error *topt_label_dedup(const char *keys_json, _Out_ topt_Bytes *out_json)',
  'topt_Error *topt_label_map(const char *sources_json, _Out_ topt_Bytes *out_json)',
  'topt_Error *topt_payload_write(const topt_Context *ctx, uint32_t kind, uint32_t format, const uint8_t *data, size_t len, _Out_ topt_Bytes *out_path)',
  'uint32_t topt_abi_version(void)',
  'const char *topt_version(void)',
];

/** Opens the shared library at `path` (or a bare name for the platform search) and binds it. */
function bind(path) {
  const lib = koffi.load(path);
  const fns = {};
  for (const proto of prototypes) {
    const fn = lib.func(proto);
    fns[fn.info.name] = fn;
  }
  return Object.freeze(fns);
}

module.exports = { constants, types, prototypes, bind };
