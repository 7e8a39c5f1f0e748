# frozen_string_literal: true

require_relative "test_helper"

# Every case of testdata/vectors/*.json through the binding, with the semantics of the Rust
# reference harnesses (crates/topt-core/tests/vectors_*.rs). Failures are collected per file.
class VectorsTest < Minitest::Test
  include TestHelper

  def report(file, ran, failures)
    puts "  #{file}: ran #{ran} cases"
    assert_operator ran, :>, 0, "#{file} has no cases"
    assert_empty failures, "#{failures.size} of #{ran} cases failed:\n  #{failures.join("\n  ")}"
  end

  def test_labels_sanitize
    cases = vectors("labels.json").fetch("sanitize")
    failures = cases.filter_map do |c|
      got = Topt::Labels.sanitize(c["input"])
      "sanitize(#{c["input"].inspect}) = #{got.inspect}" unless got == c["output"]
    end
    report("labels.json sanitize", cases.size, failures)
  end

  def test_labels_dedup
    cases = vectors("labels.json").fetch("dedup")
    failures = cases.filter_map do |c|
      got = Topt::Labels.dedup(c["input"])
      "#{c.to_json}: got #{got.to_json}" unless got == c["output"]
    end
    report("labels.json dedup", cases.size, failures)
  end

  def test_labels_map
    cases = vectors("labels.json").fetch("label_map")
    failures = cases.filter_map do |c|
      got = Topt::Labels.map(known_tests: c["known_tests"], test_management: c["test_management"],
                             flaky_tests: c["flaky_tests"])
      "#{c["name"]}: got #{got.to_json}" unless got == c["labels"]
    end
    report("labels.json label_map", cases.size, failures)
  end

  def test_selection
    cases = vectors("selection.json").fetch("cases")
    failures = cases.filter_map do |c|
      expect = c["expect"]
      request = c.reject { |k, _| %w[name expect].include?(k) }
      begin
        got = Topt.select_module(request)
        ok = !expect.key?("error_contains") && expect.all? { |k, v| got.key?(k) && got[k] == v }
        "#{c["name"]}: expected #{expect.to_json}, got #{got.to_json}" unless ok
      rescue Topt::Error => e
        want = expect["error_contains"]
        "#{c["name"]}: unexpected #{e.message}" unless want && e.detail.include?(want)
      end
    end
    report("selection.json", cases.size, failures)
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

  def test_payloads
    v = vectors("payloads.json")
    pattern = Regexp.new(v.fetch("name_pattern"))
    cases = v.fetch("cases")
    failures = cases.filter_map do |c|
      Dir.mktmpdir do |dir|
        input = c.key?("input_hex") ? [c["input_hex"]].pack("H*") : c["input"]
        kind = c["kind"]
        result =
          begin
            payload_context(dir) { |ctx| ctx.write_payload(kind.to_sym, input, format: c["format"].to_sym) }
          rescue Topt::Error => e
            e
          end
        kind_dir = File.join(dir, "payloads", kind)
        files = Dir.exist?(kind_dir) ? Dir.children(kind_dir) : []
        ok =
          if result.is_a?(Topt::Error)
            result.code_name == c["error"] && files.empty?
          else
            !c.key?("error") && files.size == 1 && pattern.match?(files[0]) && files[0].start_with?(kind) &&
              File.dirname(result) == kind_dir && File.binread(result) == c["output"].b
          end
        "#{c["name"]}: got #{result.inspect}, files #{files.inspect}" unless ok
      end
    end
    report("payloads.json", cases.size, failures)
  end
end
