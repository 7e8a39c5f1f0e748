# frozen_string_literal: true

require_relative "test_helper"

class ErrorsTest < Minitest::Test
  include TestHelper

  def test_rlocation_of_parent_path_is_invalid_argument
    Topt::Context.open(**isolated) do |ctx|
      e = assert_topt_error("INVALID_ARGUMENT") { ctx.rlocation("../x") }
      assert_includes e.detail, "../x"
    end
  end

  def test_cache_read_with_manifest_off_is_not_enabled
    Topt::Context.open(**isolated) do |ctx|
      assert_topt_error("NOT_ENABLED") { ctx.read_cache(:known_tests, "m") }
    end
  end

  def test_payload_errors
    Dir.mktmpdir do |dir|
      payload_context(dir) do |ctx|
        assert_topt_error("PARSE") { ctx.write_payload(:tests, '{"version":1,') }
        assert_topt_error("INVALID_ARGUMENT") { ctx.write_payload(:tests, "") }
        assert_raises(ArgumentError) { ctx.write_payload(:nope, "{}") }
      end
    end
    Topt::Context.open(**isolated) do |off|
      assert_topt_error("NOT_ENABLED") { off.write_payload(:tests, '{"version":1}') }
    end
  end

  def test_bad_inputs
    # Malformed JSON arguments (as opposed to payload content) are INVALID_ARGUMENT.
    assert_topt_error("INVALID_ARGUMENT") { Topt.select_module("{") }
    assert_raises(ArgumentError) { Topt::Labels.sanitize("a\0b") }
    assert_raises(ArgumentError) { Topt::Context.open(nope: "x") }
    assert_equal "UNKNOWN", Topt.status_name(999)
    assert_equal "NOT_FOUND", Topt.status_name(Topt::Raw::STATUS_NOT_FOUND)
  end

  def test_context_error_is_raised_from_open
    Dir.mktmpdir do |dir|
      e = assert_raises(Topt::Error) do
        Topt::Context.open(**isolated, runfiles_manifest_file: File.join(dir, "missing", "MANIFEST"))
      end
      refute_equal 0, e.code
    end
  end
end
