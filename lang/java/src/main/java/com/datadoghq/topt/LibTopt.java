package com.datadoghq.topt;

import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw layer: {@code include/topt.h} declared for JNA, one to one, and nothing else.
 *
 * <p>Strings cross as {@link Pointer}s to UTF-8 bytes that {@link Strings} encodes, never as
 * {@code String}, so JNA's platform-default charset (ASCII under a C locale on Java 17) is never
 * involved. Opaque handles ({@code topt_Context*}, {@code topt_Error*}) are plain pointers. Constant
 * names and values must equal the header's {@code #define}s; {@code HeaderTest} checks that.
 */
interface LibTopt extends Library {
  int TOPT_ABI_VERSION_MAJOR = 1;
  int TOPT_ABI_VERSION_MINOR = 0;

  int TOPT_CACHE_FILE_SETTINGS = 0;
  int TOPT_CACHE_FILE_KNOWN_TESTS = 1;
  int TOPT_CACHE_FILE_TEST_MANAGEMENT = 2;
  int TOPT_CACHE_FILE_FLAKY_TESTS = 3;
  int TOPT_CACHE_FILE_SKIPPABLE_TESTS = 4;

  int TOPT_SOURCE_CANONICAL = 1;
  int TOPT_SOURCE_MODULE_FILE = 2;
  int TOPT_SOURCE_FILTERED_BUNDLE = 3;
  int TOPT_SOURCE_FULL_BUNDLE = 4;

  int TOPT_RUNFILES_MODE_NONE = 0;
  int TOPT_RUNFILES_MODE_MANIFEST = 1;
  int TOPT_RUNFILES_MODE_DIRECTORY = 2;

  int TOPT_STATUS_OK = 0;
  int TOPT_STATUS_INVALID_ARGUMENT = 1;
  int TOPT_STATUS_NOT_ENABLED = 2;
  int TOPT_STATUS_NOT_FOUND = 3;
  int TOPT_STATUS_IO = 4;
  int TOPT_STATUS_PARSE = 5;
  int TOPT_STATUS_UNSUPPORTED_VERSION = 6;
  int TOPT_STATUS_PANIC = 7;
  int TOPT_STATUS_STRUCT_SIZE = 8;
  int TOPT_STATUS_NULL_POINTER = 9;

  int TOPT_PAYLOAD_KIND_TESTS = 0;
  int TOPT_PAYLOAD_KIND_COVERAGE = 1;
  int TOPT_PAYLOAD_KIND_TELEMETRY = 2;

  int TOPT_PAYLOAD_FORMAT_JSON = 0;
  int TOPT_PAYLOAD_FORMAT_MSGPACK = 1;

  /** C {@code size_t}. */
  final class SizeT extends IntegerType {
    private static final long serialVersionUID = 1L;

    public SizeT() {
      this(0);
    }

    public SizeT(long value) {
      super(Native.SIZE_T_SIZE, value, true);
    }
  }

  /** {@code topt_Bytes}: owned by libtopt until {@code topt_bytes_free}. */
  @Structure.FieldOrder({"ptr", "len", "_cap"})
  final class Bytes extends Structure {
    public Pointer ptr;
    public SizeT len = new SizeT();
    public SizeT _cap = new SizeT();
  }

  /** {@code topt_Config}: a NULL string field means "read the environment". */
  @Structure.FieldOrder({
    "struct_size",
    "_reserved",
    "manifest_file",
    "payloads_in_files",
    "undeclared_outputs_dir",
    "runfiles_manifest_file",
    "runfiles_dir",
    "test_srcdir",
    "java_runfiles",
    "argv0",
    "source_repository"
  })
  final class Config extends Structure {
    public int struct_size;
    public int _reserved;
    public Pointer manifest_file;
    public Pointer payloads_in_files;
    public Pointer undeclared_outputs_dir;
    public Pointer runfiles_manifest_file;
    public Pointer runfiles_dir;
    public Pointer test_srcdir;
    public Pointer java_runfiles;
    public Pointer argv0;
    public Pointer source_repository;

    Config() {
      struct_size = size();
    }
  }

  /** {@code topt_Info}: strings are borrowed from the context. */
  @Structure.FieldOrder({
    "struct_size",
    "manifest_version",
    "manifest_enabled",
    "payloads_enabled",
    "runfiles_mode",
    "_reserved",
    "manifest_given",
    "manifest_path",
    "manifest_diagnostic",
    "payloads_dir",
    "payloads_diagnostic",
    "runfiles_location"
  })
  final class Info extends Structure {
    public int struct_size;
    public int manifest_version;
    public int manifest_enabled;
    public int payloads_enabled;
    public int runfiles_mode;
    public int _reserved;
    public Pointer manifest_given;
    public Pointer manifest_path;
    public Pointer manifest_diagnostic;
    public Pointer payloads_dir;
    public Pointer payloads_diagnostic;
    public Pointer runfiles_location;

    Info() {
      struct_size = size();
    }
  }

  void topt_bytes_free(Bytes bytes);

  Pointer topt_cache_read(
      Pointer ctx, int file, Pointer module, Bytes outJson, IntByReference outSource);

  Pointer topt_context_new(Config config, PointerByReference out);

  void topt_context_free(Pointer ctx);

  Pointer topt_context_info(Pointer ctx, Info out);

  Pointer topt_rlocation(Pointer ctx, Pointer path, Bytes outPath);

  int topt_error_code(Pointer error);

  Pointer topt_error_message(Pointer error);

  void topt_error_free(Pointer error);

  Pointer topt_status_name(int status);

  Pointer topt_select_module(Pointer requestJson, Bytes outJson);

  Pointer topt_label_sanitize(Pointer name, Bytes out);

  Pointer topt_label_dedup(Pointer keysJson, Bytes outJson);

  Pointer topt_label_map(Pointer sourcesJson, Bytes outJson);

  Pointer topt_payload_write(
      Pointer ctx, int kind, int format, byte[] data, SizeT len, Bytes outPath);

  int topt_abi_version();

  Pointer topt_version();
}
