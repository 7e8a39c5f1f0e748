# frozen_string_literal: true

require "ffi"

module Topt
  # The raw layer: libtopt's C ABI (include/topt.h) declared for the ffi gem, one to one, with no
  # logic. The functions are attached by Raw.bind once discovery has chosen the library file.
  module Raw
    extend FFI::Library

    ABI_VERSION_MAJOR = 1
    ABI_VERSION_MINOR = 0

    CACHE_FILE_SETTINGS = 0
    CACHE_FILE_KNOWN_TESTS = 1
    CACHE_FILE_TEST_MANAGEMENT = 2
    CACHE_FILE_FLAKY_TESTS = 3
    CACHE_FILE_SKIPPABLE_TESTS = 4

    SOURCE_CANONICAL = 1
    SOURCE_MODULE_FILE = 2
    SOURCE_FILTERED_BUNDLE = 3
    SOURCE_FULL_BUNDLE = 4

    RUNFILES_MODE_NONE = 0
    RUNFILES_MODE_MANIFEST = 1
    RUNFILES_MODE_DIRECTORY = 2

    STATUS_OK = 0
    STATUS_INVALID_ARGUMENT = 1
    STATUS_NOT_ENABLED = 2
    STATUS_NOT_FOUND = 3
    STATUS_IO = 4
    STATUS_PARSE = 5
    STATUS_UNSUPPORTED_VERSION = 6
    STATUS_PANIC = 7
    STATUS_STRUCT_SIZE = 8
    STATUS_NULL_POINTER = 9

    PAYLOAD_KIND_TESTS = 0
    PAYLOAD_KIND_COVERAGE = 1
    PAYLOAD_KIND_TELEMETRY = 2

    PAYLOAD_FORMAT_JSON = 0
    PAYLOAD_FORMAT_MSGPACK = 1

    # topt_Bytes: owned by libtopt until topt_bytes_free; a NUL always follows the len bytes.
    class Bytes < FFI::Struct
      layout :ptr, :pointer,
             :len, :size_t,
             :_cap, :size_t
    end

    # topt_Config: zeroed, struct_size set; a NULL field = environment, "" = explicitly unset.
    class Config < FFI::Struct
      FIELDS = %i[manifest_file payloads_in_files undeclared_outputs_dir runfiles_manifest_file
                  runfiles_dir test_srcdir java_runfiles argv0 source_repository].freeze
      layout :struct_size, :uint32,
             :_reserved, :uint32,
             *FIELDS.flat_map { |f| [f, :pointer] }
    end

    # topt_Info: strings are borrowed from the context (valid until topt_context_free).
    class Info < FFI::Struct
      STRINGS = %i[manifest_given manifest_path manifest_diagnostic payloads_dir
                   payloads_diagnostic runfiles_location].freeze
      layout :struct_size, :uint32,
             :manifest_version, :uint32,
             :manifest_enabled, :uint32,
             :payloads_enabled, :uint32,
             :runfiles_mode, :uint32,
             :_reserved, :uint32,
             *STRINGS.flat_map { |f| [f, :pointer] }
    end

    # Attaches every function from the library at `path` (raises LoadError if it cannot load).
    # Calls that may touch the disk release the GVL (blocking: true) so threads run in parallel.
    def self.bind(path)
      ffi_lib path
      attach_function :topt_abi_version, [], :uint32
      attach_function :topt_version, [], :string
      attach_function :topt_status_name, [:uint32], :string
      attach_function :topt_bytes_free, [Bytes.by_ref], :void
      attach_function :topt_error_code, [:pointer], :uint32
      attach_function :topt_error_message, [:pointer], :pointer
      attach_function :topt_error_free, [:pointer], :void
      attach_function :topt_context_new, [:pointer, :pointer], :pointer, blocking: true
      attach_function :topt_context_free, [:pointer], :void
      attach_function :topt_context_info, [:pointer, Info.by_ref], :pointer
      attach_function :topt_rlocation, [:pointer, :string, Bytes.by_ref], :pointer, blocking: true
      attach_function :topt_cache_read, [:pointer, :uint32, :string, Bytes.by_ref, :pointer], :pointer, blocking: true
      attach_function :topt_payload_write, [:pointer, :uint32, :uint32, :pointer, :size_t, Bytes.by_ref], :pointer,
                      blocking: true
      attach_function :topt_select_module, [:string, Bytes.by_ref], :pointer
      attach_function :topt_label_sanitize, [:string, Bytes.by_ref], :pointer
      attach_function :topt_label_dedup, [:string, Bytes.by_ref], :pointer
      attach_function :topt_label_map, [:string, Bytes.by_ref], :pointer
    end
  end
end
