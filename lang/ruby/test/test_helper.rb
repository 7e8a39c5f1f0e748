# frozen_string_literal: true

require "minitest/autorun"
require "json"
require "tmpdir"
require "fileutils"
require "topt"

module TestHelper
  VECTORS_DIR = ENV.fetch("TOPT_VECTORS_DIR") { File.expand_path("../../../testdata/vectors", __dir__) }

  # A missing vector file raises (Errno::ENOENT), which fails the test.
  def vectors(name) = JSON.parse(File.read(File.join(VECTORS_DIR, name)))

  # Every config field explicitly unset, so the process environment never leaks in.
  def isolated = Topt::Raw::Config::STRINGS.to_h { |f| [f, ""] }

  def payload_context(outputs, &block)
    Topt::Context.open(**isolated, payloads_in_files: "true", undeclared_outputs_dir: outputs, &block)
  end

  # Asserts a Topt::Error with the given status name and returns it.
  def assert_topt_error(name, &block)
    e = assert_raises(Topt::Error, &block)
    assert_equal name, e.code_name
    assert_equal Topt::Raw.const_get("STATUS_#{name}"), e.code
    refute_empty e.detail
    assert_includes e.message, "[#{name} (#{e.code})]"
    e
  end
end
