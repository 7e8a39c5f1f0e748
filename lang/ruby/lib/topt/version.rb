# frozen_string_literal: true

module Topt
  # The gem's version (libtopt's own is Topt.version).
  GEM_VERSION = "0.1.0"
end
