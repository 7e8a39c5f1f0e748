# frozen_string_literal: true

module Topt
  # An error reported by libtopt: its status code (number and name) and message.
  # #message reads "[NOT_ENABLED (2)] <libtopt's message>"; #detail is libtopt's message alone.
  class Error < StandardError
    # The status number (a Topt::Raw::STATUS_* value), e.g. 2.
    attr_reader :code
    # libtopt's stable name for the code, e.g. "NOT_ENABLED".
    attr_reader :code_name
    # libtopt's message.
    attr_reader :detail

    def initialize(code, code_name, detail)
      @code = code
      @code_name = code_name
      @detail = detail
      super("[#{code_name} (#{code})] #{detail}")
    end
  end

  # A call on a closed Topt::Context (like IO's "closed stream").
  class ClosedError < IOError
    def initialize(msg = "the topt context was closed")
      super
    end
  end
end
