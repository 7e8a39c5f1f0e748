# frozen_string_literal: true

require_relative "test_helper"

class DiscoveryTest < Minitest::Test
  include TestHelper

  def test_failure_lists_every_place
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "MANIFEST"), "_main/other /nowhere\n")
      env = { "TOPT_LIBRARY" => "_main/lib/libtopt.so", "RUNFILES_DIR" => File.join(dir, "r"),
              "RUNFILES_MANIFEST_FILE" => File.join(dir, "MANIFEST") }
      load = ->(p) { FFI::DynamicLibrary.open(p, FFI::DynamicLibrary::RTLD_NOW) }
      e = assert_raises(LoadError) { Topt::Discovery.open(nil, env: env, &load) }
      ["RUNFILES_DIR #{File.join(dir, "r", "_main/lib/libtopt.so")}", "TEST_SRCDIR is not set",
       "no line for _main/lib/libtopt.so", "TOPT_LIBRARY _main/lib/libtopt.so: no runfile loaded"].each do |place|
        assert_includes e.message, place
      end
      refute_includes e.message, "default search"

      explicit = File.join(dir, "explicit.so")
      e = assert_raises(LoadError) { Topt::Discovery.open(explicit, env: env, &load) }
      assert_includes e.message, "explicit path #{explicit}"
      refute_includes e.message, "RUNFILES_DIR"
    end
  end

  def test_candidates_in_order
    Dir.mktmpdir do |dir|
      lib = File.join(dir, "r", "topt+", "libtopt.so")
      FileUtils.mkdir_p(File.dirname(lib))
      File.write(lib, "")
      File.write(File.join(dir, "MANIFEST"), "topt/libtopt.so.x /no\ntopt/libtopt.so /real/libtopt.so\n")
      env = { "RUNFILES_DIR" => File.join(dir, "r"), "RUNFILES_MANIFEST_FILE" => File.join(dir, "MANIFEST") }
      found = Topt::Discovery.each_candidate(nil, env, []).map(&:path)
      assert_equal [lib, "/real/libtopt.so", "libtopt.so"], found
    end
  end

  def test_relative_topt_library_is_the_only_runfiles_path
    Dir.mktmpdir do |dir|
      lib = File.join(dir, "r", "custom", "libtopt.so")
      FileUtils.mkdir_p(File.dirname(lib))
      File.write(lib, "")
      File.write(File.join(dir, "r", "libtopt.so"), "")
      File.write(File.join(dir, "MANIFEST"), "topt+/libtopt.so /no\ncustom/libtopt.so /real/libtopt.so\n")
      env = { "TOPT_LIBRARY" => "custom/libtopt.so", "RUNFILES_DIR" => File.join(dir, "r"),
              "RUNFILES_MANIFEST_FILE" => File.join(dir, "MANIFEST") }
      assert_equal [lib, "/real/libtopt.so"], Topt::Discovery.each_candidate(nil, env, []).map(&:path)
    end
  end

  def test_explicit_setting_is_authoritative
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "MANIFEST"), "topt+/libtopt.so /real/libtopt.so\n")
      missing = File.join(dir, "missing", "libtopt.so")
      env = { "TOPT_LIBRARY" => missing, "RUNFILES_MANIFEST_FILE" => File.join(dir, "MANIFEST") }
      assert_equal ["/explicit.so"], Topt::Discovery.each_candidate("/explicit.so", env, []).map(&:path)
      assert_equal [missing], Topt::Discovery.each_candidate(nil, env, []).map(&:path)

      e = assert_raises(LoadError) do
        Topt::Discovery.open(nil, env: env) { |p| FFI::DynamicLibrary.open(p, FFI::DynamicLibrary::RTLD_NOW) }
      end
      assert_includes e.message, "TOPT_LIBRARY #{missing}: "
      refute_includes e.message, "default search"
    end
  end
end
