// See raw.h: loads libtopt with dlopen and fills the function table.
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "raw.h"

topt_raw_api topt_raw;

static char *message(const char *prefix, const char *detail) {
  size_t n = strlen(prefix) + strlen(detail) + 1;
  char *out = malloc(n);
  if (out != NULL) snprintf(out, n, "%s%s", prefix, detail);
  return out;
}

char *topt_raw_open(const char *path) {
  // RTLD_LOCAL: libtopt's symbols stay out of the global namespace of the host process, where a
  // tracer's own native library may export similarly named functions.
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    const char *err = dlerror();
    return message("", err != NULL ? err : "dlopen failed");
  }
  topt_raw_api api;
#define TOPT_RAW_RESOLVE(name)                                   \
  *(void **)(&api.p_##name) = dlsym(lib, #name);                 \
  if (api.p_##name == NULL) {                                    \
    dlclose(lib);                                                \
    return message("missing symbol ", #name);                    \
  }
  TOPT_RAW_FUNCTIONS(TOPT_RAW_RESOLVE)
#undef TOPT_RAW_RESOLVE
  // A library with another ABI major would misread our structs: refuse it before any call.
  uint32_t abi = api.p_topt_abi_version();
  if ((abi >> 16) != TOPT_ABI_VERSION_MAJOR) {
    char detail[96];
    snprintf(detail, sizeof detail, "ABI %u.%u, this binding needs major %u", abi >> 16, abi & 0xffff,
             (unsigned)TOPT_ABI_VERSION_MAJOR);
    dlclose(lib);
    return message("incompatible library: ", detail);
  }
  topt_raw = api;
  return NULL;
}
