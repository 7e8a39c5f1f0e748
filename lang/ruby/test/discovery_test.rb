# frozen_string_literal: true

require_relative "test_helper"

class DiscoveryTest < Minitest::Test
  include TestHelper

  def test_failure_lists_every_place
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "MANIFEST"), "_main/other /nowhere\n")
      env = { "TOPT_LIBRARY" => "_main/lib/libtopt.so", "RUNFILES_DIR" => File.join(dir, "r"),
              "RUNFILES_MANIFEST_FILE" => File.join(dir, "MANIFEST") }
      explicit = File.join(dir, "explicit.so")
      e = assert_raises(LoadError) do
        Topt::Discovery.open(explicit, env: env) { |p| FFI::DynamicLibrary.open(p, FFI::DynamicLibrary::RTLD_NOW) }
      end
      ["explicit path #{explicit}", "RUNFILES_DIR #{File.join(dir, "r", "_main/lib/libtopt.so")}",
       "TEST_SRCDIR is not set", "no line for _main/lib/libtopt.so", "default search libtopt.so"].each do |place|
        assert_includes e.message, place
      end
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

      abs = File.join(dir, "abs.so")
      found = Topt::Discovery.each_candidate("/explicit.so", { "TOPT_LIBRARY" => abs }, []).map(&:path)
      assert_equal ["/explicit.so", abs, "libtopt.so"], found
    end
  end
end
