# frozen_string_literal: true

require_relative "raw"
require_relative "discovery"
require_relative "error"

module Topt
  # The process's libtopt: each candidate is bound, then refused if its ABI major differs.
  DISCOVERY = Discovery.new(ENV) do |path|
    Raw.bind(path)
    major = Raw.topt_abi_version >> 16
    raise LoadError, "ABI major version #{major}; this binding needs #{Raw::ABI_VERSION_MAJOR}" if major != Raw::ABI_VERSION_MAJOR
  end
  private_constant :DISCOVERY

  class << self
    # Loads libtopt now: `path` alone when given, else TOPT_LIBRARY if set, else the platform's
    # search (see README), and returns where it was loaded from. A process loads libtopt once;
    # asking for another path then raises LoadError naming both, as does a failure (listing
    # every place tried).
    def load(path = nil) = DISCOVERY.load(path)

    # Where libtopt was loaded from (loads it if needed).
    def loaded_from = load

    # (major << 16) | minor of the loaded library's C ABI.
    def abi_version
      load
      Raw.topt_abi_version
    end

    # The library's semantic version, e.g. "0.1.0".
    def version
      load
      Raw.topt_version
    end

    # The stable name of a status code ("NOT_FOUND"; "UNKNOWN" for codes this libtopt lacks).
    def status_name(code)
      load
      Raw.topt_status_name(code)
    end

    # Selects the module group for a test target by the dd_topt_<lang>_test macros' rules.
    # `request` is a Hash (or JSON text) shaped as in testdata/vectors/selection.json; returns the
    # result Hash ("group", "label", "identifier", "identifier_source", "payload_selection", ...).
    # A strict miss raises Topt::Error (INVALID_ARGUMENT) with the macros' message.
    def select_module(request)
      JSON.parse(Native.json_call(:topt_select_module, request.is_a?(String) ? request : JSON.generate(request)))
    end
  end

  # Plumbing shared by Context and the module functions: errors and owned bytes.
  module Native
    module_function

    # Raises the Topt::Error for a topt_Error* (and frees it); NULL = success.
    def check(error)
      return if error.null?

      code = Raw.topt_error_code(error)
      message = Raw.topt_error_message(error).force_encoding(Encoding::UTF_8)
      Raw.topt_error_free(error)
      raise Error.new(code, Raw.topt_status_name(code), message)
    end

    # Copies and frees bytes returned by libtopt (a binary String).
    def take(bytes)
      ptr = bytes[:ptr]
      ptr.null? ? +"" : ptr.read_bytes(bytes[:len])
    ensure
      Raw.topt_bytes_free(bytes)
    end

    # The shape of topt_select_module and topt_label_*: a C string in, owned UTF-8 text out.
    def json_call(function, input)
      Topt.load
      out = Raw::Bytes.new
      check(Raw.public_send(function, c_string(input), out))
      take(out).force_encoding(Encoding::UTF_8)
    end

    # A String for a `const char *` argument: UTF-8, no NUL inside (ffi raises ArgumentError).
    def c_string(text)
      text&.encode(Encoding::UTF_8)
    end
  end
  private_constant :Native
end
