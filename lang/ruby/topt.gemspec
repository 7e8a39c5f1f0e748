# frozen_string_literal: true

require_relative "lib/topt/version"

Gem::Specification.new do |spec|
  spec.name = "topt"
  spec.version = Topt::GEM_VERSION
  spec.summary = "Ruby binding of libtopt, the core of Datadog Test Optimization under Bazel"
  spec.description = "Opens a topt context, reads synced Test Optimization metadata and writes payload " \
                     "files through libtopt's C ABI, with the ffi gem."
  spec.authors = ["Datadog"]
  spec.license = "Apache-2.0"
  spec.homepage = "https://example.invalid/topt"
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir["lib/**/*.rb"] + ["README.md"]
  spec.require_paths = ["lib"]
  spec.add_dependency "ffi", ">= 1.15"
  spec.add_development_dependency "minitest", ">= 5.15"
end
