# frozen_string_literal: true

require_relative "test_helper"

# The generated raw layer against include/topt.abi.json (whose layouts `cargo xtask header`
# checks against the C compiler).
class AbiTest < Minitest::Test
  include TestHelper

  ABI = JSON.parse(File.read(File.join(VECTORS_DIR, "..", "..", "include", "topt.abi.json")))

  def test_struct_layouts_match_the_abi_description
    assert_equal ABI.dig("data_model", "pointer_size"), FFI.type_size(:pointer)
    ABI["structs"].each do |s|
      raw = Topt::Raw.const_get(s["name"].delete_prefix("topt_"))
      assert_equal s["size"], raw.size, s["name"]
      s["fields"].each { |f| assert_equal f["offset"], raw.offset_of(f["name"].to_sym), "#{s["name"]}.#{f["name"]}" }
    end
  end
end
