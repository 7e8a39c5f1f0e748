# frozen_string_literal: true

require "json"
require_relative "library"

module Topt
  # Module label rules, exactly as `topt sync` applies them.
  module Labels
    module_function

    # The label fragment of a module name ("github.com/a/b" -> "github_com_a_b").
    def sanitize(name) = Native.json_call(:topt_label_sanitize, name)

    # De-duplicates keys in order (["a", "a"] -> ["a", "a_2"]).
    def dedup(keys) = JSON.parse(Native.json_call(:topt_label_dedup, JSON.generate(keys)))

    # The label of every module over the union of sources: {"<module>" => "<label>"}.
    def map(known_tests: [], test_management: [], flaky_tests: [])
      sources = { known_tests: known_tests, test_management: test_management, flaky_tests: flaky_tests }
      JSON.parse(Native.json_call(:topt_label_map, JSON.generate(sources)))
    end
  end
end
