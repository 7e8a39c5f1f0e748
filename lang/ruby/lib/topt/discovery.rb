# frozen_string_literal: true

require "ffi"

module Topt
  # The process's libtopt, found and opened by the first #load and kept afterwards, by the rule
  # every topt binding follows (testdata/vectors/discovery.json holds the cases): an explicit path
  # is the only candidate; else TOPT_LIBRARY is the only source (absolute: opened as is;
  # relative: a runfiles path, looked up minimally because libtopt, which knows Bazel's whole
  # algorithm, is not loaded yet); else the platform's search. A later request for a different
  # path is an error naming both.
  class Discovery
    ENV_VAR = "TOPT_LIBRARY"

    def self.file_name
      if FFI::Platform.windows? then "topt.dll"
      elsif FFI::Platform.mac? then "libtopt.dylib"
      else "libtopt.so"
      end
    end

    # Where the library was loaded from; nil before.
    attr_reader :path

    # `open` is called with each candidate path and raises LoadError when it cannot load it;
    # `env` is read on each load.
    def initialize(env, &open)
      @env = env
      @open = open
      @lock = Mutex.new
      @path = nil
    end

    # Loads libtopt unless already loaded and returns its path. Raises LoadError listing every
    # place tried, or naming both paths when another one is already loaded.
    def load(explicit = nil)
      explicit = nil if explicit&.empty?
      return @path if @path && explicit.nil? # loaded: no lock needed to read it
      @lock.synchronize do
        if @path
          raise LoadError, "libtopt is already loaded from #{@path}; cannot also load #{explicit}" if explicit && explicit != @path

          return @path
        end
        tried = []
        candidates(explicit, tried).each do |where, path|
          @open.call(path)
          return @path = path
        rescue LoadError => e
          tried << "#{where} #{path}: #{e.message.lines.first&.strip}"
        end
        raise LoadError, "cannot load libtopt; tried:\n  #{tried.join("\n  ")}\nSet #{ENV_VAR} to the library's absolute path."
      end
    end

    private

    # [where, path] pairs in order; places that yield none are noted in `tried`.
    def candidates(explicit, tried)
      value = @env[ENV_VAR]
      return [["explicit path", explicit]] if explicit
      return [["platform search", self.class.file_name]] if value.nil? || value.empty?
      return [[ENV_VAR, value]] if File.absolute_path?(value)

      runfile(value, tried)
    end

    def runfile(rpath, tried)
      out = []
      %w[RUNFILES_DIR TEST_SRCDIR].each do |var|
        dir = @env[var]
        if dir.nil? || dir.empty?
          tried << "#{var} is not set"
          next
        end
        full = File.join(dir, rpath)
        if File.file?(full) then out << [var, full]
        else tried << "#{var} #{full}: no such file"
        end
      end
      manifest = @env["RUNFILES_MANIFEST_FILE"]
      if manifest.nil? || manifest.empty?
        tried << "RUNFILES_MANIFEST_FILE is not set"
      elsif (mapped = manifest_lookup(manifest, rpath, tried))
        out << ["RUNFILES_MANIFEST_FILE", mapped]
      end
      out
    end

    # Exact-key lookup: lines are "<key> <path>", split at the first space.
    def manifest_lookup(manifest, key, tried)
      File.foreach(manifest, chomp: true) do |line|
        space = line.index(" ")
        return line[(space + 1)..] if space && line[0, space] == key
      end
      tried << "RUNFILES_MANIFEST_FILE #{manifest}: no entry #{key}"
      nil
    rescue SystemCallError, IOError => e
      tried << "RUNFILES_MANIFEST_FILE #{manifest}: #{e.message}"
      nil
    end
  end
end
