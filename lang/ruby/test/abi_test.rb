# frozen_string_literal: true

require_relative "test_helper"

# The raw layer is declared by hand; these checks keep it in step with include/topt.h.
class AbiTest < Minitest::Test
  include TestHelper

  HEADER = File.read(File.join(VECTORS_DIR, "..", "..", "include", "topt.h"))

  def test_every_header_constant_has_the_same_value
    defines = HEADER.scan(/^#define TOPT_([A-Z_]+) (\d+)$/)
    refute_empty defines
    defines.each do |name, value|
      assert Topt::Raw.const_defined?(name), "Topt::Raw::#{name} is missing"
      assert_equal Integer(value), Topt::Raw.const_get(name), "Topt::Raw::#{name}"
    end
  end

  def test_every_header_function_is_attached
    Topt.load
    functions = HEADER.scan(/\b(topt_[a-z_]+)\(/).flatten.uniq
    assert_equal 17, functions.size
    functions.each { |f| assert_respond_to Topt::Raw, f }
  end

  def test_struct_layouts_match_the_c_abi
    ptr = FFI.type_size(:pointer)
    assert_equal 8 + 9 * ptr, Topt::Raw::Config.size
    assert_equal 24 + 6 * ptr, Topt::Raw::Info.size
    assert_equal 3 * ptr, Topt::Raw::Bytes.size
    assert_equal 8, Topt::Raw::Config.offset_of(:manifest_file)
    assert_equal 24, Topt::Raw::Info.offset_of(:manifest_given)
  end
end
