# frozen_string_literal: true

require_relative "test_helper"

# testdata/vectors/context.json through the binding: every topt_Config field in, every topt_Info
# field, cache source and runfiles path out. The other vector files exercise only libtopt's own
# logic (Rust and the C test run them); marshalling_test.rb covers their functions.
class VectorsTest < Minitest::Test
  include TestHelper

  def report(file, ran, failures)
    puts "  #{file}: ran #{ran} cases"
    assert_operator ran, :>, 0, "#{file} has no cases"
    assert_empty failures, "#{failures.size} of #{ran} cases failed:\n  #{failures.join("\n  ")}"
  end

  CACHE_FILES = %w[settings known_tests test_management flaky_tests skippable_tests].freeze

  def test_context
    v = vectors("context.json")
    fields = v.fetch("config_fields").map(&:to_sym)
    assert_empty fields - Topt::Raw::Config::STRINGS, "unknown config fields"
    cases = v.fetch("cases")
    failures = cases.filter_map do |c|
      errs = Dir.mktmpdir { |root| context_case(c, fields, root) }
      "#{c["name"]}:\n    #{errs.join("\n    ")}" unless errs.empty?
    end
    report("context.json", cases.size, failures)
  end

  def sub(text, root) = text.gsub("${F}", root)

  def context_case(c, fields, root)
    errs = []
    c.fetch("files").each do |rel, content|
      path = File.join(root, rel)
      FileUtils.mkdir_p(File.dirname(path))
      File.binwrite(path, sub(content, root))
    end
    config = fields.to_h { |f| [f, sub(c.fetch("config")[f.to_s] || "", root)] }
    begin
      ctx = Topt::Context.open(**config)
    rescue Topt::Error => e
      want = c["context_error"]
      if want.nil? then errs << "unexpected error #{e.message}"
      elsif e.code_name != want["code"] || !e.detail.include?(want["message_contains"])
        errs << "error #{e.message} does not match #{want.to_json}"
      end
      return errs
    end
    begin
      return errs << "expected error #{c["context_error"].to_json}" if c.key?("context_error")

      check_info(ctx.info, c["info"], root, errs) if c.key?("info")
      (c["rlocation"] || []).each do |r|
        got = ctx.rlocation(r["path"])
        errs << "rlocation(#{r["path"].inspect}) = #{got.inspect}, want #{r.to_json}" unless r["expect"] && got == sub(r["expect"], root)
      rescue Topt::Error => e
        errs << "rlocation(#{r["path"].inspect}) = #{e.message}, want #{r.to_json}" unless e.code_name == r["error"]
      end
      (c["cache"] || []).each do |r|
        assert_includes CACHE_FILES, r["file"]
        read = ctx.read_cache(r["file"].to_sym, r["module"])
        ok = !r.key?("error") && read.source.to_s == r["source"] && read.json.b == r["text"].b
        errs << "cache #{r.to_json}: got #{read.source} #{read.json.inspect}" unless ok
      rescue Topt::Error => e
        errs << "cache #{r.to_json}: got #{e.message}" unless e.code_name == r["error"]
      end
    ensure
      ctx.close
    end
    errs
  end

  def check_info(info, want, root, errs)
    want.each do |key, expected|
      got =
        case key
        when "manifest_enabled", "manifest_version", "manifest_path", "payloads_enabled", "payloads_dir"
          info[key.to_sym]
        when "runfiles_mode" then info.runfiles_mode.to_s
        when "manifest_diagnostic_contains", "payloads_diagnostic_contains"
          diag = info[key.delete_suffix("_contains").to_sym] || ""
          errs << "#{key}: #{diag.inspect} lacks #{expected.inspect}" unless diag.include?(expected)
          next
        else flunk "unknown info key #{key}"
        end
      expected = sub(expected, root) if expected.is_a?(String)
      errs << "#{key}: got #{got.inspect}, want #{expected.inspect}" unless got == expected
    end
  end
end
