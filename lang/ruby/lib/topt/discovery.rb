# frozen_string_literal: true

require "ffi"

module Topt
  # Finds libtopt by the rules shared by every topt binding:
  #   1. an explicit path from the caller: if given, the only candidate;
  #   2. else TOPT_LIBRARY, if set, the only source: absolute = used as is; relative = a Bazel
  #      runfiles path ($(rlocationpath)), resolved as below;
  #   3. else the default runfiles candidates topt+/, topt/, _main/ + the platform file name, then
  #      the platform's default search by file name.
  # A runfiles path <p> is RUNFILES_DIR/<p>, TEST_SRCDIR/<p> if the file exists, then the exact key
  # <p> in RUNFILES_MANIFEST_FILE (libtopt is not loaded yet, so this is a minimal lookup).
  # An explicit setting is authoritative: if it fails, nothing else is tried. A failure lists every
  # place tried.
  module Discovery
    ENV_VAR = "TOPT_LIBRARY"
    RUNFILES_REPOS = %w[topt+ topt _main].freeze

    Candidate = Struct.new(:where, :path)

    module_function

    def file_name
      if FFI::Platform.windows? then "topt.dll"
      elsif FFI::Platform.mac? then "libtopt.dylib"
      else "libtopt.so"
      end
    end

    # Calls `load` with each candidate path in order until one returns without LoadError; returns
    # that path. Raises LoadError listing every place tried.
    def open(explicit = nil, env: ENV, &load)
      tried = []
      each_candidate(explicit, env, tried) do |c|
        load.call(c.path)
        return c.path
      rescue LoadError => e
        tried << "#{c.where} #{c.path}: #{e.message.lines.first&.strip}"
      end
      raise LoadError, "libtopt could not be loaded. Tried, in order:\n  #{tried.join("\n  ")}\n" \
                       "Set #{ENV_VAR} to the library's absolute path or runfiles path."
    end

    # Yields loadable candidates in order; places that yield nothing are noted in `tried`.
    def each_candidate(explicit, env, tried)
      return enum_for(:each_candidate, explicit, env, tried) unless block_given?

      if explicit && !explicit.empty?
        yield Candidate.new("explicit path", explicit)
        return # authoritative: nothing else is tried
      end
      from_env = env[ENV_VAR]
      from_env = nil if from_env&.empty?
      if from_env && File.absolute_path?(from_env)
        yield Candidate.new(ENV_VAR, from_env)
        return # authoritative: nothing else is tried
      end
      tried << "#{ENV_VAR} is not set" unless from_env
      runfiles_paths = from_env ? [from_env] : RUNFILES_REPOS.map { |repo| "#{repo}/#{file_name}" }
      runfiles_paths.each do |p|
        %w[RUNFILES_DIR TEST_SRCDIR].each do |root|
          dir = env[root]
          if dir.nil? || dir.empty?
            note(tried, "#{root} is not set")
            next
          end
          full = File.join(dir, p)
          if File.file?(full) then yield Candidate.new(root, full)
          else tried << "#{root} #{full}: no such file"
          end
        end
        manifest = env["RUNFILES_MANIFEST_FILE"]
        if manifest.nil? || manifest.empty?
          note(tried, "RUNFILES_MANIFEST_FILE is not set")
          next
        end
        mapped, why = manifest_lookup(manifest, p)
        if mapped then yield Candidate.new("RUNFILES_MANIFEST_FILE #{manifest} key #{p} ->", mapped)
        else tried << "RUNFILES_MANIFEST_FILE #{manifest}: #{why}"
        end
      end
      if from_env
        tried << "#{ENV_VAR} #{from_env}: no runfile loaded; nothing else is tried"
      else
        yield Candidate.new("default search", file_name)
      end
    end

    # Records a place once, however many candidate paths it was skipped for.
    def note(tried, place)
      tried << place unless tried.include?(place)
    end

    # Exact-key lookup: lines are "<key> <path>", split at the first space.
    def manifest_lookup(manifest, key)
      File.foreach(manifest, chomp: true) do |line|
        space = line.index(" ")
        return [line[(space + 1)..], nil] if space && line[0, space] == key
      end
      [nil, "no line for #{key}"]
    rescue SystemCallError, IOError => e
      [nil, e.message]
    end
  end
end
