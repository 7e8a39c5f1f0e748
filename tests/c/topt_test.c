/*
 * C conformance test for libtopt: every exported function, its error paths, threads, fork, and
 * the shared vectors in testdata/vectors/. Built and run by `cargo xtask c-test`, plainly, under
 * AddressSanitizer and under valgrind (0 errors, 0 leaks).
 *
 * Usage: topt_test <path to testdata/vectors>
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "topt.h"

static int passed = 0, failed = 0;
static const char *vectors_dir;

#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    if (cond) {                                                                 \
      passed++;                                                                 \
    } else {                                                                    \
      failed++;                                                                 \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
      fprintf(stderr, __VA_ARGS__);                                             \
      fputc('\n', stderr);                                                      \
    }                                                                           \
  } while (0)

/* ---------- small helpers ---------- */

static char *read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  buf[got] = 0;
  if (len_out) *len_out = got;
  return buf;
}

static cJSON *load_vectors(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", vectors_dir, name);
  char *text = read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  cJSON *json = cJSON_Parse(text);
  free(text);
  if (!json) {
    fprintf(stderr, "cannot parse %s\n", path);
    exit(2);
  }
  return json;
}

/* Replaces every ${F} in text with root; caller frees. */
static char *subst(const char *text, const char *root) {
  size_t rl = strlen(root), n = 0;
  for (const char *p = text; (p = strstr(p, "${F}")); p += 4) n++;
  char *out = malloc(strlen(text) + n * rl + 1), *o = out;
  for (const char *p = text; *p;) {
    if (strncmp(p, "${F}", 4) == 0) {
      memcpy(o, root, rl);
      o += rl;
      p += 4;
    } else {
      *o++ = *p++;
    }
  }
  *o = 0;
  return out;
}

static void mkdirs_for(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      mkdir(tmp, 0755);
      *p = '/';
    }
  }
}

static void write_file(const char *path, const char *data, size_t len) {
  mkdirs_for(path);
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    exit(2);
  }
  fwrite(data, 1, len, f);
  fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  return remove(path);
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static char *make_tmpdir(void) {
  char tmpl[] = "/tmp/topt-c-XXXXXX";
  char *dir = mkdtemp(tmpl);
  if (!dir) exit(2);
  return strdup(dir);
}

static const char *status_name(const topt_Error *e) { return topt_status_name(topt_error_code(e)); }

/* Consumes the error; returns 1 if its status has the given name. */
static int take_error(topt_Error *e, const char *want) {
  int ok = e != NULL && strcmp(status_name(e), want) == 0;
  if (!ok) fprintf(stderr, "  error %s: %s (wanted %s)\n", e ? status_name(e) : "none",
                   e ? topt_error_message(e) : "", want);
  topt_error_free(e);
  return ok;
}

/* Consumes the error; returns 1 if there was none. */
static int take_ok(topt_Error *e) {
  if (e) fprintf(stderr, "  unexpected error %s: %s\n", status_name(e), topt_error_message(e));
  topt_error_free(e);
  return e == NULL;
}

static topt_Config empty_config(void) {
  topt_Config c;
  memset(&c, 0, sizeof c);
  c.struct_size = sizeof c;
  /* Every field explicitly unset, so the process environment never leaks in. */
  c.manifest_file = c.payloads_in_files = c.undeclared_outputs_dir = "";
  c.runfiles_manifest_file = c.runfiles_dir = c.test_srcdir = c.java_runfiles = "";
  c.argv0 = c.source_repository = "";
  return c;
}

/* ---------- basic API ---------- */

static void test_versions(void) {
  uint32_t abi = topt_abi_version();
  CHECK(abi >> 16 == TOPT_ABI_VERSION_MAJOR, "abi %u", abi);
  CHECK((abi & 0xffff) == TOPT_ABI_VERSION_MINOR, "abi %u", abi);
  CHECK(topt_version() != NULL && strlen(topt_version()) > 0, "version");
  CHECK(strcmp(topt_status_name(TOPT_STATUS_NOT_FOUND), "NOT_FOUND") == 0, "status name");
  CHECK(strcmp(topt_status_name(12345), "UNKNOWN") == 0, "unknown status");
}

static void test_null_and_struct_size(void) {
  topt_Context *ctx = (topt_Context *)1;
  CHECK(take_error(topt_context_new(NULL, NULL), "NULL_POINTER"), "out NULL");
  topt_Config c = empty_config();
  c.struct_size = 8;
  CHECK(take_error(topt_context_new(&c, &ctx), "STRUCT_SIZE"), "small struct");
  CHECK(ctx == NULL, "out reset on error");
  c = empty_config();
  CHECK(take_ok(topt_context_new(&c, &ctx)), "new");
  topt_Info info;
  memset(&info, 0, sizeof info);
  info.struct_size = 4;
  CHECK(take_error(topt_context_info(ctx, &info), "STRUCT_SIZE"), "small info");
  CHECK(take_error(topt_context_info(NULL, &info), "NULL_POINTER"), "info ctx NULL");
  CHECK(take_error(topt_context_info(ctx, NULL), "NULL_POINTER"), "info out NULL");
  info.struct_size = sizeof info;
  CHECK(take_ok(topt_context_info(ctx, &info)), "info");
  CHECK(info.manifest_enabled == 0 && info.payloads_enabled == 0, "modes off");
  CHECK(info.runfiles_mode == TOPT_RUNFILES_MODE_NONE, "mode none");
  CHECK(info.manifest_diagnostic && strstr(info.manifest_diagnostic, "DD_TEST_OPTIMIZATION_MANIFEST_FILE"),
        "diagnostic names the variable");

  topt_Bytes b = {0};
  CHECK(take_error(topt_rlocation(ctx, NULL, &b), "NULL_POINTER"), "rlocation path NULL");
  CHECK(take_error(topt_rlocation(ctx, "a", NULL), "NULL_POINTER"), "rlocation out NULL");
  CHECK(take_error(topt_rlocation(ctx, "../x", &b), "INVALID_ARGUMENT"), "bad path");
  CHECK(take_error(topt_rlocation(ctx, "\xff\xfe", &b), "INVALID_ARGUMENT"), "non-UTF-8 path");
  CHECK(take_ok(topt_rlocation(ctx, "/abs/x", &b)), "absolute");
  CHECK(b.len == 6 && strcmp((const char *)b.ptr, "/abs/x") == 0, "absolute passthrough, NUL-terminated");
  topt_bytes_free(&b);
  CHECK(b.ptr == NULL && b.len == 0, "bytes zeroed after free");
  topt_bytes_free(&b); /* double free of a zeroed value is harmless */
  topt_bytes_free(NULL);

  topt_Source src = TOPT_SOURCE_FULL_BUNDLE;
  CHECK(take_error(topt_cache_read(ctx, TOPT_CACHE_FILE_SETTINGS, NULL, &b, &src), "NOT_ENABLED"), "cache off");
  CHECK(src == 0, "out_source reset on error: %u", src);
  src = TOPT_SOURCE_CANONICAL;
  CHECK(take_error(topt_cache_read(ctx, 99, NULL, &b, &src), "INVALID_ARGUMENT"), "unknown file");
  CHECK(src == 0, "out_source reset on error: %u", src);
  src = TOPT_SOURCE_CANONICAL;
  CHECK(take_error(topt_cache_read(ctx, 0, NULL, NULL, &src), "NULL_POINTER"), "cache out NULL");
  CHECK(src == 0, "out_source reset on error: %u", src);
  CHECK(take_error(topt_payload_write(ctx, TOPT_PAYLOAD_KIND_TESTS, TOPT_PAYLOAD_FORMAT_JSON,
                                      (const uint8_t *)"{\"a\":1}", 7, &b), "NOT_ENABLED"), "payloads off");
  CHECK(take_error(topt_payload_write(ctx, 7, 0, (const uint8_t *)"{}", 2, NULL), "INVALID_ARGUMENT"), "bad kind");
  CHECK(take_error(topt_payload_write(ctx, 0, 7, (const uint8_t *)"{}", 2, NULL), "INVALID_ARGUMENT"), "bad format");
  CHECK(take_error(topt_payload_write(ctx, 0, 0, NULL, 5, NULL), "NULL_POINTER"), "data NULL with len");
  CHECK(take_error(topt_payload_write(NULL, 0, 0, NULL, 0, NULL), "NULL_POINTER"), "ctx NULL");

  CHECK(take_error(topt_select_module(NULL, &b), "NULL_POINTER"), "select NULL");
  CHECK(take_error(topt_select_module("{not json", &b), "INVALID_ARGUMENT"), "select bad JSON");
  CHECK(take_error(topt_label_sanitize("x", NULL), "NULL_POINTER"), "sanitize out NULL");
  CHECK(take_error(topt_label_dedup("{}", &b), "INVALID_ARGUMENT"), "dedup wants an array");
  CHECK(take_error(topt_label_map("[]", &b), "INVALID_ARGUMENT"), "label map wants an object");

  CHECK(topt_error_code(NULL) == TOPT_STATUS_OK, "code of NULL");
  CHECK(topt_error_message(NULL) == NULL, "message of NULL");
  topt_error_free(NULL);
  topt_context_free(ctx);
  topt_context_free(NULL);
}

/* ---------- versioned structs ---------- */

/* topt_Config and topt_Info exactly as the first published header (ABI 1.0) declared them: what
 * a caller built against that header passes, whatever the library has appended since. */
typedef struct {
  uint32_t struct_size;
  uint32_t _reserved;
  const char *manifest_file, *payloads_in_files, *undeclared_outputs_dir, *runfiles_manifest_file,
      *runfiles_dir, *test_srcdir, *java_runfiles, *argv0, *source_repository;
} config_v1;

typedef struct {
  uint32_t struct_size, manifest_version, manifest_enabled, payloads_enabled, runfiles_mode, _reserved;
  const char *manifest_given, *manifest_path, *manifest_diagnostic, *payloads_dir, *payloads_diagnostic,
      *runfiles_location;
} info_v1;

/* A caller built against a future header: today's struct, then fields this library lacks. */
typedef struct {
  topt_Config now;
  const char *later_string;
  uint64_t later_number;
} config_future;

typedef struct {
  topt_Info now;
  uint64_t later[3];
} info_future;

static config_v1 v1_config(void) {
  config_v1 c;
  memset(&c, 0, sizeof c);
  c.struct_size = sizeof c;
  c.manifest_file = c.runfiles_manifest_file = c.runfiles_dir = c.test_srcdir = c.java_runfiles = "";
  c.argv0 = c.source_repository = "";
  c.payloads_in_files = "true";
  c.undeclared_outputs_dir = "/outputs";
  return c;
}

static void test_versioned_structs(void) {
  /* A first-version caller, both structs. */
  config_v1 c1 = v1_config();
  topt_Context *ctx = NULL;
  CHECK(take_ok(topt_context_new((const topt_Config *)&c1, &ctx)), "v1 config accepted");
  info_v1 i1;
  memset(&i1, 0, sizeof i1);
  i1.struct_size = sizeof i1;
  CHECK(take_ok(topt_context_info(ctx, (topt_Info *)&i1)), "v1 info accepted");
  CHECK(i1.struct_size == sizeof i1, "v1 info filled to its size: %u", i1.struct_size);
  CHECK(i1.payloads_enabled == 1 && i1.payloads_dir && !strcmp(i1.payloads_dir, "/outputs/payloads"),
        "v1 fields read and written");

  /* A newer caller's Info: what this library knows is filled, the rest zeroed. */
  info_future fi;
  memset(&fi, 0xff, sizeof fi);
  fi.now.struct_size = sizeof fi;
  CHECK(take_ok(topt_context_info(ctx, &fi.now)), "future info accepted");
  CHECK(fi.now.struct_size == sizeof(topt_Info), "struct_size says what was filled: %u", fi.now.struct_size);
  CHECK(fi.later[0] == 0 && fi.later[1] == 0 && fi.later[2] == 0, "unknown info fields zeroed");
  topt_context_free(ctx);

  /* A newer caller's Config: accepted while the fields this library lacks are zero. */
  config_future fc;
  memset(&fc, 0, sizeof fc);
  memcpy(&fc.now, &c1, sizeof c1);
  fc.now.struct_size = sizeof fc;
  ctx = NULL;
  CHECK(take_ok(topt_context_new(&fc.now, &ctx)), "future config with zero new fields");
  topt_context_free(ctx);
  fc.later_string = "set";
  ctx = (topt_Context *)1;
  CHECK(take_error(topt_context_new(&fc.now, &ctx), "STRUCT_SIZE"), "future config with a new field set");
  CHECK(ctx == NULL, "out reset");

  /* Sizes that are no version, and reserved bits. */
  c1 = v1_config();
  c1.struct_size = sizeof c1 - sizeof(const char *);
  CHECK(take_error(topt_context_new((const topt_Config *)&c1, &ctx), "STRUCT_SIZE"), "size ending inside a version");
  c1.struct_size = 1u << 20;
  CHECK(take_error(topt_context_new((const topt_Config *)&c1, &ctx), "STRUCT_SIZE"), "absurd size");
  c1 = v1_config();
  c1._reserved = 1;
  CHECK(take_error(topt_context_new((const topt_Config *)&c1, &ctx), "INVALID_ARGUMENT"), "reserved set");
}

/* ---------- the panic boundary ---------- */

static void test_panic_boundary(void) {
#ifdef TOPT_PANIC_PROBE
  /* The library was built with the panic-probe feature: this input panics inside the export. */
  topt_Bytes b = {0};
  topt_Error *e = topt_label_sanitize("\001topt-panic-probe", &b);
  CHECK(topt_error_code(e) == TOPT_STATUS_PANIC, "panic becomes TOPT_STATUS_PANIC, got %s", status_name(e));
  CHECK(e && strstr(topt_error_message(e), "internal panic"), "panic message");
  CHECK(b.ptr == NULL && b.len == 0, "out-parameter stays empty");
  topt_error_free(e);
  topt_error_free(e); /* the panic error is static: freeing it is a no-op */
  /* The process and the library carry on. */
  CHECK(take_ok(topt_label_sanitize("github.com/a/b", &b)) && b.ptr && !strcmp((const char *)b.ptr, "github_com_a_b"),
        "library usable after a panic");
  topt_bytes_free(&b);
  printf("panic boundary: checked through the panic probe\n");
#else
  printf("panic boundary: not checked (library built without the panic-probe feature)\n");
#endif
}

/* ---------- vectors ---------- */

static int json_string_eq(const cJSON *item, const char *text) {
  return cJSON_IsString(item) && strcmp(item->valuestring, text) == 0;
}

static void test_label_vectors(void) {
  cJSON *v = load_vectors("labels.json");
  int n = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "sanitize")) {
    topt_Bytes b = {0};
    const char *in = cJSON_GetObjectItem(c, "input")->valuestring;
    CHECK(take_ok(topt_label_sanitize(in, &b)), "sanitize %s", in);
    CHECK(b.ptr && json_string_eq(cJSON_GetObjectItem(c, "output"), (const char *)b.ptr), "sanitize(%s) = %s", in,
          b.ptr ? (const char *)b.ptr : "");
    topt_bytes_free(&b);
    n++;
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "dedup")) {
    topt_Bytes b = {0};
    char *in = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "input"));
    CHECK(take_ok(topt_label_dedup(in, &b)), "dedup");
    cJSON *got = cJSON_Parse((const char *)b.ptr);
    CHECK(cJSON_Compare(got, cJSON_GetObjectItem(c, "output"), 1), "dedup %s -> %s", in, (const char *)b.ptr);
    cJSON_Delete(got);
    free(in);
    topt_bytes_free(&b);
    n++;
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "label_map")) {
    topt_Bytes b = {0};
    char *in = cJSON_PrintUnformatted(c);
    CHECK(take_ok(topt_label_map(in, &b)), "label map");
    cJSON *got = cJSON_Parse((const char *)b.ptr);
    CHECK(cJSON_Compare(got, cJSON_GetObjectItem(c, "labels"), 1), "label map %s", (const char *)b.ptr);
    cJSON_Delete(got);
    free(in);
    topt_bytes_free(&b);
    n++;
  }
  printf("labels.json: %d cases\n", n);
  CHECK(n >= 30, "label vector count %d", n);
  cJSON_Delete(v);
}

static void test_selection_vectors(void) {
  cJSON *v = load_vectors("selection.json");
  int n = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    cJSON *req = cJSON_Duplicate(c, 1);
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    cJSON *expect = cJSON_GetObjectItem(c, "expect");
    cJSON_DeleteItemFromObject(req, "name");
    cJSON_DeleteItemFromObject(req, "expect");
    char *text = cJSON_PrintUnformatted(req);
    topt_Bytes b = {0};
    topt_Error *e = topt_select_module(text, &b);
    cJSON *want_err = cJSON_GetObjectItem(expect, "error_contains");
    if (want_err) {
      CHECK(e && strstr(topt_error_message(e), want_err->valuestring), "%s: error %s", name,
            e ? topt_error_message(e) : "none");
      topt_error_free(e);
    } else {
      CHECK(take_ok(e), "%s", name);
      cJSON *got = cJSON_Parse(b.ptr ? (const char *)b.ptr : "{}");
      cJSON *field;
      cJSON_ArrayForEach(field, expect) {
        CHECK(cJSON_Compare(cJSON_GetObjectItem(got, field->string), field, 1), "%s: %s in %s", name, field->string,
              (const char *)b.ptr);
      }
      cJSON_Delete(got);
    }
    topt_bytes_free(&b);
    free(text);
    cJSON_Delete(req);
    n++;
  }
  printf("selection.json: %d cases\n", n);
  CHECK(n >= 40, "selection vector count %d", n);
  cJSON_Delete(v);
}

static const char *mode_name(topt_RunfilesMode m) {
  return m == TOPT_RUNFILES_MODE_MANIFEST ? "manifest" : m == TOPT_RUNFILES_MODE_DIRECTORY ? "directory" : "none";
}

static const char *source_name(topt_Source s) {
  switch (s) {
    case TOPT_SOURCE_CANONICAL: return "canonical";
    case TOPT_SOURCE_MODULE_FILE: return "module_file";
    case TOPT_SOURCE_FILTERED_BUNDLE: return "filtered_bundle";
    case TOPT_SOURCE_FULL_BUNDLE: return "full_bundle";
    default: return "?";
  }
}

static topt_CacheFile cache_file(const char *name) {
  const char *names[] = {"settings", "known_tests", "test_management", "flaky_tests", "skippable_tests"};
  for (uint32_t i = 0; i < 5; i++)
    if (strcmp(names[i], name) == 0) return i;
  return 99;
}

static int str_eq_sub(const char *got, const cJSON *want, const char *root) {
  if (cJSON_IsNull(want)) return got == NULL;
  char *w = subst(want->valuestring, root);
  int ok = got && strcmp(got, w) == 0;
  free(w);
  return ok;
}

static void check_info(const char *name, topt_Context *ctx, cJSON *info, const char *root) {
  topt_Info in;
  memset(&in, 0, sizeof in);
  in.struct_size = sizeof in;
  CHECK(take_ok(topt_context_info(ctx, &in)), "%s: info", name);
  cJSON *k;
  cJSON_ArrayForEach(k, info) {
    const char *key = k->string;
    if (!strcmp(key, "manifest_enabled")) CHECK(in.manifest_enabled == (uint32_t)cJSON_IsTrue(k), "%s: %s", name, key);
    else if (!strcmp(key, "payloads_enabled")) CHECK(in.payloads_enabled == (uint32_t)cJSON_IsTrue(k), "%s: %s", name, key);
    else if (!strcmp(key, "manifest_version")) CHECK(in.manifest_version == (uint32_t)k->valueint, "%s: %s", name, key);
    else if (!strcmp(key, "manifest_path")) CHECK(str_eq_sub(in.manifest_path, k, root), "%s: %s = %s", name, key, in.manifest_path);
    else if (!strcmp(key, "payloads_dir")) CHECK(str_eq_sub(in.payloads_dir, k, root), "%s: %s", name, key);
    else if (!strcmp(key, "runfiles_mode")) CHECK(!strcmp(mode_name(in.runfiles_mode), k->valuestring), "%s: %s", name, key);
    else if (!strcmp(key, "manifest_diagnostic_contains"))
      CHECK(in.manifest_diagnostic && strstr(in.manifest_diagnostic, k->valuestring), "%s: %s", name, key);
    else if (!strcmp(key, "payloads_diagnostic_contains"))
      CHECK(in.payloads_diagnostic && strstr(in.payloads_diagnostic, k->valuestring), "%s: %s", name, key);
    else CHECK(0, "%s: unknown info key %s", name, key);
  }
}

static void test_context_vectors(void) {
  cJSON *v = load_vectors("context.json");
  int n = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    char *root = make_tmpdir();
    cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(c, "files")) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", root, f->string);
      char *content = subst(f->valuestring, root);
      write_file(path, content, strlen(content));
      free(content);
    }
    /* Every config field explicitly: "" unless the case sets it. */
    cJSON *cfg = cJSON_GetObjectItem(c, "config");
    const char *fields[] = {"manifest_file", "payloads_in_files", "undeclared_outputs_dir", "runfiles_manifest_file",
                            "runfiles_dir", "test_srcdir", "java_runfiles", "argv0", "source_repository"};
    char *values[9];
    for (int i = 0; i < 9; i++) {
      cJSON *val = cJSON_GetObjectItem(cfg, fields[i]);
      values[i] = subst(val ? val->valuestring : "", root);
    }
    topt_Config conf = empty_config();
    conf.manifest_file = values[0];
    conf.payloads_in_files = values[1];
    conf.undeclared_outputs_dir = values[2];
    conf.runfiles_manifest_file = values[3];
    conf.runfiles_dir = values[4];
    conf.test_srcdir = values[5];
    conf.java_runfiles = values[6];
    conf.argv0 = values[7];
    conf.source_repository = values[8];
    topt_Context *ctx = NULL;
    topt_Error *e = topt_context_new(&conf, &ctx);
    cJSON *want_err = cJSON_GetObjectItem(c, "context_error");
    if (want_err) {
      CHECK(e && !strcmp(status_name(e), cJSON_GetObjectItem(want_err, "code")->valuestring) &&
                strstr(topt_error_message(e), cJSON_GetObjectItem(want_err, "message_contains")->valuestring),
            "%s: context error %s %s", name, e ? status_name(e) : "none", e ? topt_error_message(e) : "");
      CHECK(ctx == NULL, "%s: no context on error", name);
      topt_error_free(e);
    } else if (take_ok(e)) {
      cJSON *info = cJSON_GetObjectItem(c, "info");
      if (info) check_info(name, ctx, info, root);
      cJSON *r;
      cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rlocation")) {
        const char *p = cJSON_GetObjectItem(r, "path")->valuestring;
        topt_Bytes b = {0};
        topt_Error *re = topt_rlocation(ctx, p, &b);
        cJSON *want = cJSON_GetObjectItem(r, "expect");
        if (want) {
          CHECK(take_ok(re) && str_eq_sub((const char *)b.ptr, want, root), "%s: rlocation(%s) = %s", name, p,
                b.ptr ? (const char *)b.ptr : "");
        } else {
          CHECK(take_error(re, cJSON_GetObjectItem(r, "error")->valuestring), "%s: rlocation(%s)", name, p);
        }
        topt_bytes_free(&b);
      }
      cJSON *q;
      cJSON_ArrayForEach(q, cJSON_GetObjectItem(c, "cache")) {
        cJSON *mod = cJSON_GetObjectItem(q, "module");
        const char *file = cJSON_GetObjectItem(q, "file")->valuestring;
        topt_Bytes b = {0};
        topt_Source src = 0;
        topt_Error *ce = topt_cache_read(ctx, cache_file(file), mod ? mod->valuestring : NULL, &b, &src);
        cJSON *err = cJSON_GetObjectItem(q, "error");
        if (err) {
          CHECK(take_error(ce, err->valuestring), "%s: cache %s", name, file);
        } else {
          CHECK(take_ok(ce), "%s: cache %s", name, file);
          CHECK(!strcmp(source_name(src), cJSON_GetObjectItem(q, "source")->valuestring), "%s: cache %s source %s",
                name, file, source_name(src));
          const char *text = cJSON_GetObjectItem(q, "text")->valuestring;
          CHECK(b.len == strlen(text) && memcmp(b.ptr, text, b.len) == 0, "%s: cache %s text", name, file);
        }
        topt_bytes_free(&b);
      }
    }
    topt_context_free(ctx);
    for (int i = 0; i < 9; i++) free(values[i]);
    rm_rf(root);
    free(root);
    n++;
  }
  printf("context.json: %d cases\n", n);
  CHECK(n >= 30, "context vector count %d", n);
  cJSON_Delete(v);
}

static topt_Context *payload_context(const char *root) {
  topt_Config conf = empty_config();
  conf.payloads_in_files = "true";
  conf.undeclared_outputs_dir = root;
  topt_Context *ctx = NULL;
  if (!take_ok(topt_context_new(&conf, &ctx))) exit(2);
  return ctx;
}

static int count_dir(const char *dir, int *temps) {
  DIR *d = opendir(dir);
  int n = 0;
  if (temps) *temps = 0;
  if (!d) return 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    if (ent->d_name[0] == '.') {
      if (temps && strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) (*temps)++;
      continue;
    }
    n++;
  }
  closedir(d);
  return n;
}

static void test_payload_vectors(void) {
  cJSON *v = load_vectors("payloads.json");
  regex_t re;
  CHECK(regcomp(&re, cJSON_GetObjectItem(v, "name_pattern")->valuestring, REG_EXTENDED | REG_NOSUB) == 0, "regex");
  int n = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    const char *kind_s = cJSON_GetObjectItem(c, "kind")->valuestring;
    topt_PayloadKind kind = !strcmp(kind_s, "tests") ? TOPT_PAYLOAD_KIND_TESTS
                            : !strcmp(kind_s, "coverage") ? TOPT_PAYLOAD_KIND_COVERAGE : TOPT_PAYLOAD_KIND_TELEMETRY;
    topt_PayloadFormat fmt = !strcmp(cJSON_GetObjectItem(c, "format")->valuestring, "json") ? TOPT_PAYLOAD_FORMAT_JSON
                                                                                         : TOPT_PAYLOAD_FORMAT_MSGPACK;
    uint8_t *data;
    size_t len;
    cJSON *hex = cJSON_GetObjectItem(c, "input_hex");
    if (hex) {
      len = strlen(hex->valuestring) / 2;
      data = malloc(len + 1);
      for (size_t i = 0; i < len; i++) sscanf(hex->valuestring + 2 * i, "%2hhx", &data[i]);
    } else {
      len = strlen(cJSON_GetObjectItem(c, "input")->valuestring);
      data = (uint8_t *)strdup(cJSON_GetObjectItem(c, "input")->valuestring);
    }
    char *root = make_tmpdir();
    topt_Context *ctx = payload_context(root);
    topt_Bytes path = {0};
    topt_Error *e = topt_payload_write(ctx, kind, fmt, len ? data : NULL, len, &path);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/payloads/%s", root, kind_s);
    int temps = 0, files = count_dir(dir, &temps);
    cJSON *err = cJSON_GetObjectItem(c, "error");
    if (err) {
      CHECK(take_error(e, err->valuestring) && files == 0, "%s", name);
    } else {
      CHECK(take_ok(e) && files == 1 && temps == 0, "%s: files %d temps %d", name, files, temps);
      const char *base = path.ptr ? strrchr((const char *)path.ptr, '/') + 1 : "";
      CHECK(regexec(&re, base, 0, NULL, 0) == 0 && !strncmp(base, kind_s, strlen(kind_s)), "%s: name %s", name, base);
      size_t got_len = 0;
      char *got = path.ptr ? read_file((const char *)path.ptr, &got_len) : NULL;
      const char *want = cJSON_GetObjectItem(c, "output")->valuestring;
      CHECK(got && got_len == strlen(want) && !memcmp(got, want, got_len), "%s: content %s", name, got ? got : "");
      free(got);
    }
    topt_bytes_free(&path);
    topt_context_free(ctx);
    rm_rf(root);
    free(root);
    free(data);
    n++;
  }
  regfree(&re);
  printf("payloads.json: %d cases\n", n);
  CHECK(n >= 20, "payload vector count %d", n);
  cJSON_Delete(v);
}

/* ---------- threads and fork ---------- */

#define THREADS 8
#define PER_THREAD 40

struct worker {
  topt_Context *ctx;
  int id;
  int errors;
};

static void *write_many(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    char body[128];
    int len = snprintf(body, sizeof body, "{\"version\":1,\"events\":[{\"thread\":%d,\"i\":%d}]}", w->id, i);
    topt_Bytes path = {0};
    topt_Error *e = topt_payload_write(w->ctx, TOPT_PAYLOAD_KIND_TESTS, TOPT_PAYLOAD_FORMAT_JSON,
                                       (const uint8_t *)body, (size_t)len, &path);
    if (e) {
      w->errors++;
      topt_error_free(e);
    } else {
      size_t got_len = 0;
      char *got = read_file((const char *)path.ptr, &got_len);
      if (!got || got_len != (size_t)len || memcmp(got, body, got_len)) w->errors++;
      free(got);
    }
    topt_bytes_free(&path);
  }
  return NULL;
}

static void test_threads_and_fork(void) {
  char *root = make_tmpdir();
  topt_Context *ctx = payload_context(root);
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (struct worker){ctx, i, 0};
    pthread_create(&threads[i], NULL, write_many, &workers[i]);
  }
  int errors = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    errors += workers[i].errors;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/payloads/tests", root);
  int temps = 0;
  CHECK(errors == 0, "thread write errors %d", errors);
  CHECK(count_dir(dir, &temps) == THREADS * PER_THREAD && temps == 0, "unique complete files, no temps");

  /* A forked child writes through the inherited context; names stay unique (pid per write). */
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    struct worker w = {ctx, 99, 0};
    write_many(&w);
    /* The child owns copies of the parent's allocations: free them so leak checkers stay quiet. */
    topt_context_free(ctx);
    free(root);
    _exit(w.errors == 0 ? 0 : 1);
  }
  struct worker parent = {ctx, 100, 0};
  write_many(&parent);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child writes");
  CHECK(parent.errors == 0, "parent writes after fork");
  CHECK(count_dir(dir, &temps) == THREADS * PER_THREAD + 2 * PER_THREAD && temps == 0, "fork: no name clash");
  topt_context_free(ctx);
  rm_rf(root);
  free(root);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <testdata/vectors>\n", argv[0]);
    return 2;
  }
  vectors_dir = argv[1];
  test_versions();
  test_null_and_struct_size();
  test_versioned_structs();
  test_panic_boundary();
  test_label_vectors();
  test_selection_vectors();
  test_context_vectors();
  test_payload_vectors();
  test_threads_and_fork();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
