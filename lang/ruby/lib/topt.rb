# frozen_string_literal: true

# Ruby binding of libtopt, the core of Datadog Test Optimization under Bazel.
#
#   Topt::Context.open do |ctx|
#     ctx.read_cache(:known_tests, "my-module").json
#     ctx.write_payload(:tests, events_json)
#   end
require "json"
require_relative "topt/version"
require_relative "topt/error"
require_relative "topt/raw"
require_relative "topt/discovery"
require_relative "topt/library"
require_relative "topt/labels"
require_relative "topt/context"
