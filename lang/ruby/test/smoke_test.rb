# frozen_string_literal: true

require_relative "test_helper"

class SmokeTest < Minitest::Test
  include TestHelper

  def test_loads_and_matches_the_binding_abi
    from = Topt.load
    assert(File.exist?(from) || from == "libtopt.so", "loaded from #{from}")
    assert_equal 1, Topt::Raw::ABI_VERSION_MAJOR, "this binding was written for ABI major 1"
    assert_equal Topt::Raw::ABI_VERSION_MAJOR, Topt.abi_version >> 16
    refute_empty Topt.version
  end

  def test_context_from_env_outside_bazel
    # test.sh runs without Bazel variables: both features are off and say why.
    Topt::Context.from_env.then do |ctx|
      info = ctx.info
      refute info.manifest_enabled
      refute info.payloads_enabled
      refute_empty info.manifest_diagnostic
      refute_empty info.payloads_diagnostic
    ensure
      ctx&.close
    end
  end

  def test_round_trip
    assert_equal "github_com_a_b", Topt::Labels.sanitize("github.com/a/b")
    Dir.mktmpdir do |dir|
      payload_context(dir) do |ctx|
        assert ctx.info.payloads_enabled
        path = ctx.write_payload(:telemetry, '{"request_type":"app-started"}')
        assert_equal '{"request_type":"app-started"}', File.read(path)
      end
    end
  end
end
