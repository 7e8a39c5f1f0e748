// The raw layer: every libtopt entry point, called through a table filled by dlopen/dlsym.
//
// libtopt is loaded at run time, not linked, so the binding can find it by the discovery rules
// (explicit path, TOPT_LIBRARY, runfiles, default search) instead of the dynamic linker's.
// Pointer types come from topt.h with __typeof__, so a signature change in the header breaks
// the build here rather than corrupting a call. cgo cannot call function pointers, hence one
// trampoline per function.
#ifndef TOPT_GO_RAW_H
#define TOPT_GO_RAW_H

#include <stdlib.h>
#include "topt.h"

#define TOPT_RAW_FUNCTIONS(X) \
  X(topt_abi_version)         \
  X(topt_version)             \
  X(topt_status_name)         \
  X(topt_error_code)          \
  X(topt_error_message)       \
  X(topt_error_free)          \
  X(topt_bytes_free)          \
  X(topt_context_new)         \
  X(topt_context_free)        \
  X(topt_context_info)        \
  X(topt_rlocation)           \
  X(topt_cache_read)          \
  X(topt_payload_write)       \
  X(topt_select_module)       \
  X(topt_label_sanitize)      \
  X(topt_label_dedup)         \
  X(topt_label_map)

typedef struct topt_raw_api {
#define TOPT_RAW_FIELD(name) __typeof__(&name) p_##name;
  TOPT_RAW_FUNCTIONS(TOPT_RAW_FIELD)
#undef TOPT_RAW_FIELD
} topt_raw_api;

// Filled once by topt_raw_open, under the Go side's lock; read-only afterwards.
extern topt_raw_api topt_raw;

// Loads the library at `path`, resolves every symbol and checks the ABI major. Returns NULL on success, else a
// malloc'd message (the caller frees it); on failure nothing stays loaded.
char *topt_raw_open(const char *path);

static inline uint32_t raw_abi_version(void) { return topt_raw.p_topt_abi_version(); }
static inline const char *raw_version(void) { return topt_raw.p_topt_version(); }
static inline const char *raw_status_name(topt_Status s) { return topt_raw.p_topt_status_name(s); }
static inline topt_Status raw_error_code(const topt_Error *e) { return topt_raw.p_topt_error_code(e); }
static inline const char *raw_error_message(const topt_Error *e) { return topt_raw.p_topt_error_message(e); }
static inline void raw_error_free(topt_Error *e) { topt_raw.p_topt_error_free(e); }
static inline void raw_bytes_free(topt_Bytes *b) { topt_raw.p_topt_bytes_free(b); }
static inline topt_Error *raw_context_new(const topt_Config *c, topt_Context **out) {
  return topt_raw.p_topt_context_new(c, out);
}
static inline void raw_context_free(topt_Context *c) { topt_raw.p_topt_context_free(c); }
static inline topt_Error *raw_context_info(const topt_Context *c, topt_Info *out) {
  return topt_raw.p_topt_context_info(c, out);
}
static inline topt_Error *raw_rlocation(const topt_Context *c, const char *path, topt_Bytes *out) {
  return topt_raw.p_topt_rlocation(c, path, out);
}
static inline topt_Error *raw_cache_read(const topt_Context *c, topt_CacheFile f, const char *module,
                                         topt_Bytes *out, topt_Source *source) {
  return topt_raw.p_topt_cache_read(c, f, module, out, source);
}
static inline topt_Error *raw_payload_write(const topt_Context *c, topt_PayloadKind k, topt_PayloadFormat f,
                                            const uint8_t *data, size_t len, topt_Bytes *out) {
  return topt_raw.p_topt_payload_write(c, k, f, data, len, out);
}
static inline topt_Error *raw_select_module(const char *req, topt_Bytes *out) {
  return topt_raw.p_topt_select_module(req, out);
}
static inline topt_Error *raw_label_sanitize(const char *name, topt_Bytes *out) {
  return topt_raw.p_topt_label_sanitize(name, out);
}
static inline topt_Error *raw_label_dedup(const char *keys, topt_Bytes *out) {
  return topt_raw.p_topt_label_dedup(keys, out);
}
static inline topt_Error *raw_label_map(const char *sources, topt_Bytes *out) {
  return topt_raw.p_topt_label_map(sources, out);
}

#endif
