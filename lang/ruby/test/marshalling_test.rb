# frozen_string_literal: true

require_relative "test_helper"

# Every function's arguments and results cross the boundary intact (text, bytes with NUL and high
# bytes, JSON both ways, enums); errors_test.rb covers the error paths.
class MarshallingTest < Minitest::Test
  include TestHelper

  CART = "github.com/acme/checkout/pkg/cart"

  def test_labels
    assert_equal "github_com_acme_checkout_pkg_cart", Topt::Labels.sanitize(CART)
    assert_equal "caf", Topt::Labels.sanitize("café/模块")
    assert_equal %w[a a_2 b a_3], Topt::Labels.dedup(%w[a a b a])
    assert_equal({ CART => "github_com_acme_checkout_pkg_cart", "x.y" => "x_y" },
                 Topt::Labels.map(known_tests: [CART], flaky_tests: ["x.y"]))
  end

  def test_select_module
    request = ->(importpath) { { language: "go", labels: ["github_com_acme_checkout_pkg_cart"], attrs: { importpath: importpath } } }
    got = Topt.select_module(request.(CART))
    assert_equal ["module_github_com_acme_checkout_pkg_cart", CART], got.values_at("group", "identifier")
    e = assert_topt_error("INVALID_ARGUMENT") { Topt.select_module(JSON.generate(request.("github.com/acme/other"))) }
    assert_includes e.detail, "github_com_acme_checkout_pkg_cart"
  end

  def test_write_payload
    [[:tests, :json, '{"version":1,"n":"é"}', '{"version":1,"n":"é"}'],
     [:coverage, :json, "{}", "{}"],
     [:telemetry, :msgpack, ["81a16100"].pack("H*"), '{"a":0}'],
     [:tests, :msgpack, ["81a162c402ff00"].pack("H*"), '{"b":"/wA="}']].each do |kind, format, data, want|
      Dir.mktmpdir do |dir|
        path = payload_context(dir) { |ctx| ctx.write_payload(kind, data, format: format) }
        assert_equal File.join(dir, "payloads", kind.to_s), File.dirname(path)
        assert_equal want.b, File.binread(path)
      end
    end
  end
end
