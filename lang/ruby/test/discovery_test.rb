# frozen_string_literal: true

require_relative "test_helper"

# testdata/vectors/discovery.json with a fake opener, and the real loader's error.
class DiscoveryTest < Minitest::Test
  include TestHelper

  CASES = JSON.parse(File.read(File.join(VECTORS_DIR, "discovery.json"))).fetch("cases")

  def test_the_shared_cases
    refute_empty CASES
    CASES.each { |c| Dir.mktmpdir { |root| run_case(c, root) } }
  end

  def run_case(c, root)
    sub = ->(s) { s.gsub("{T}", root).gsub("{NAME}", Topt::Discovery.file_name) }
    c["files"].each do |rel, content|
      FileUtils.mkdir_p(File.dirname(File.join(root, rel)))
      File.write(File.join(root, rel), sub.(content))
    end
    loadable = c["loadable"].map(&sub)
    attempts = []
    discovery = Topt::Discovery.new(c["env"].transform_values(&sub)) do |path|
      attempts << path
      raise LoadError, "refused" unless loadable.include?(path)
    end
    c["loads"].each do |step|
      attempts.clear
      explicit = step["explicit"] && sub.(step["explicit"])
      if step["loaded"]
        assert_equal sub.(step["loaded"]), discovery.load(explicit), c["name"]
      else
        e = assert_raises(LoadError, c["name"]) { discovery.load(explicit) }
        (step.fetch("tried", []) + step.fetch("error_contains", [])).each do |want|
          assert_includes e.message, sub.(want), c["name"]
        end
      end
      assert_equal step["attempts"].map(&sub), attempts, c["name"]
    end
  end

  def test_the_real_loader_says_why
    Dir.mktmpdir do |dir|
      missing = File.join(dir, "nope.so")
      discovery = Topt::Discovery.new({}) { |p| FFI::DynamicLibrary.open(p, FFI::DynamicLibrary::RTLD_NOW) }
      e = assert_raises(LoadError) { discovery.load(missing) }
      assert_includes e.message, "explicit path #{missing}: "
    end
  end
end
