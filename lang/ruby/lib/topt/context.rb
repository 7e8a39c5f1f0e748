# frozen_string_literal: true

require_relative "library"

module Topt
  # What a context sees, for diagnostics: modes, paths, and why a feature is off.
  # runfiles_mode is :none, :manifest or :directory; absent strings are nil.
  Info = Struct.new(:manifest_version, :manifest_enabled, :payloads_enabled, :runfiles_mode,
                    :manifest_given, :manifest_path, :manifest_diagnostic, :payloads_dir,
                    :payloads_diagnostic, :runfiles_location, keyword_init: true)

  # The JSON of a cache file (a UTF-8 String, byte for byte) and which candidate answered:
  # :canonical, :module_file, :filtered_bundle or :full_bundle.
  CacheRead = Struct.new(:json, :source)

  # An immutable view of Bazel mode for this process (topt_Context). Thread-safe: share one per
  # process. #close frees it (twice is harmless); an FFI::AutoPointer frees it on GC otherwise.
  # A #close racing with calls on other threads waits for them to return.
  class Context
    CACHE_FILES = Raw::ENUMS.fetch("topt_CacheFile")
    SOURCES = Raw::ENUMS.fetch("topt_Source").invert.freeze
    RUNFILES_MODES = Raw::ENUMS.fetch("topt_RunfilesMode").invert.freeze
    PAYLOAD_KINDS = Raw::ENUMS.fetch("topt_PayloadKind")
    PAYLOAD_FORMATS = Raw::ENUMS.fetch("topt_PayloadFormat")

    @freed = 0
    @freed_lock = Mutex.new

    class << self
      # How many contexts were freed, by #close or by GC (for the lifetime tests).
      attr_reader :freed

      # The AutoPointer releaser: runs exactly once per context, from #close or from GC.
      def release(ptr)
        Raw.topt_context_free(ptr)
        @freed_lock.synchronize { @freed += 1 }
      end

      # Opens a context from the process environment.
      def from_env = open

      # Opens a context; each keyword overrides its environment variable (nil = environment, ""
      # = explicitly unset): manifest_file, payloads_in_files, undeclared_outputs_dir,
      # runfiles_manifest_file, runfiles_dir, test_srcdir, java_runfiles, argv0,
      # source_repository. With a block, yields the context and closes it afterwards.
      # Bazel mode being off is not an error (see #info); unusable input raises Topt::Error.
      def open(**config)
        ctx = new(config)
        return ctx unless block_given?

        begin
          yield ctx
        ensure
          ctx.close
        end
      end
    end

    def initialize(config)
      Topt.load
      unknown = config.keys - Raw::Config::STRINGS
      raise ArgumentError, "unknown config field(s): #{unknown.join(", ")}" unless unknown.empty?

      out = FFI::MemoryPointer.new(:pointer)
      if config.empty?
        Native.check(Raw.topt_context_new(nil, out))
      else
        raw = Raw::Config.new
        raw[:struct_size] = Raw::Config.size
        keep = config.map do |field, value|
          next if value.nil?

          raw[field] = FFI::MemoryPointer.from_string(Native.c_string(value.to_s))
        end
        Native.check(Raw.topt_context_new(raw, out))
        keep.clear # the strings only had to live through the call
      end
      @ptr = FFI::AutoPointer.new(out.read_pointer, self.class.method(:release))
      @lock = Mutex.new
      @idle = ConditionVariable.new
      @inflight = 0
    end

    # Frees the context now. Calling it again is harmless.
    def close
      ptr = @lock.synchronize do
        taken = @ptr
        @ptr = nil # from here on, new calls raise ClosedError
        @idle.wait(@lock) until @inflight.zero?
        taken
      end
      ptr&.free
      nil
    end

    def closed? = @ptr.nil?

    # A Topt::Info snapshot.
    def info
      use do |ctx|
        raw = Raw::Info.new
        raw[:struct_size] = Raw::Info.size
        Native.check(Raw.topt_context_info(ctx, raw))
        # Strings are borrowed from the context: copy them while #use holds it.
        strings = Raw::Info::STRINGS.to_h do |f|
          [f, raw[f].null? ? nil : raw[f].read_string.force_encoding(Encoding::UTF_8)]
        end
        Info.new(manifest_version: raw[:manifest_version], manifest_enabled: raw[:manifest_enabled] != 0,
                 payloads_enabled: raw[:payloads_enabled] != 0,
                 runfiles_mode: RUNFILES_MODES.fetch(raw[:runfiles_mode], raw[:runfiles_mode]), **strings)
      end
    end

    # Resolves a runfiles path ("repo/pkg/file") to a real path; absolute paths pass through.
    # Raises Topt::Error: INVALID_ARGUMENT for a non-normalized path, NOT_FOUND if not a runfile.
    def rlocation(path)
      use do |ctx|
        out = Raw::Bytes.new
        Native.check(Raw.topt_rlocation(ctx, Native.c_string(path), out))
        Native.take(out).force_encoding(Encoding::UTF_8)
      end
    end

    # Reads a synced cache file (:settings, :known_tests, :test_management, :flaky_tests,
    # :skippable_tests) narrowed to `mod` (nil for none); returns a Topt::CacheRead.
    # NOT_FOUND means no data for this test (treat the feature as off); NOT_ENABLED means
    # manifest mode is off.
    def read_cache(file, mod = nil)
      code = CACHE_FILES.fetch(file) { raise ArgumentError, "unknown cache file #{file.inspect}" }
      use do |ctx|
        out = Raw::Bytes.new
        source = FFI::MemoryPointer.new(:uint32)
        Native.check(Raw.topt_cache_read(ctx, code, Native.c_string(mod), out, source))
        CacheRead.new(Native.take(out).force_encoding(Encoding::UTF_8), SOURCES.fetch(source.read_uint32))
      end
    end

    # Writes one payload file atomically and returns its path. `kind` is :tests, :coverage or
    # :telemetry; `data` is JSON text or msgpack bytes (format: :msgpack). Safe from many threads.
    # Raises Topt::Error: NOT_ENABLED when payload files are off, INVALID_ARGUMENT for empty
    # input, PARSE for invalid JSON/msgpack, IO when the disk refuses.
    def write_payload(kind, data, format: :json)
      kind_code = PAYLOAD_KINDS.fetch(kind) { raise ArgumentError, "unknown payload kind #{kind.inspect}" }
      format_code = PAYLOAD_FORMATS.fetch(format) { raise ArgumentError, "unknown payload format #{format.inspect}" }
      bytes = data.b
      use do |ctx|
        buf = FFI::MemoryPointer.new(:uint8, [bytes.bytesize, 1].max)
        buf.put_bytes(0, bytes)
        out = Raw::Bytes.new
        Native.check(Raw.topt_payload_write(ctx, kind_code, format_code, buf, bytes.bytesize, out))
        Native.take(out).force_encoding(Encoding::UTF_8)
      end
    end

    private

    # Runs the block with the live pointer, counted so that #close waits for it to return.
    def use
      ptr = @lock.synchronize do
        raise ClosedError if @ptr.nil?

        @inflight += 1
        @ptr
      end
      begin
        yield ptr
      ensure
        @lock.synchronize do
          @inflight -= 1
          @idle.broadcast if @inflight.zero?
        end
      end
    end
  end
end
