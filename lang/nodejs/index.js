'use strict';
// @datadog/topt: the Node.js binding of libtopt (Datadog Test Optimization inside Bazel tests).

const library = require('./lib/library');
const { constants } = require('./lib/raw');
const { bytesCall } = require('./lib/bytes');
const { Context } = require('./lib/context');
const { ToptError } = require('./lib/errors');

function text(fn) {
  const raw = library.lib();
  return bytesCall(raw, (out) => fn(raw, out)).toString('utf8');
}

module.exports = {
  Context,
  ToptError,
  /** The ABI major version this binding was written against. */
  ABI_VERSION_MAJOR: constants.TOPT_ABI_VERSION_MAJOR,

  /** Loads libtopt now, from `explicitPath` alone if given; returns where it was loaded from. */
  load: (explicitPath) => library.load(explicitPath),
  /** Where libtopt was loaded from (loading it if needed). */
  libraryPath: () => library.load(),
  /** `(major << 16) | minor` of the loaded library's ABI. */
  abiVersion: () => library.lib().topt_abi_version(),
  /** The library's semantic version, e.g. '0.1.0'. */
  version: () => library.lib().topt_version(),

  /** Shorthand for Context.fromEnvironment(). */
  fromEnvironment: () => Context.fromEnvironment(),
  /** Shorthand for Context.open(config). */
  open: (config) => Context.open(config),

  /**
   * Selects the module group for a test target by the dd_topt_<lang>_test macros' rules; see
   * testdata/vectors/selection.json. A strict miss throws ToptError INVALID_ARGUMENT.
   */
  selectModule(request) {
    const json = typeof request === 'string' ? request : JSON.stringify(request);
    return JSON.parse(text((raw, out) => raw.topt_select_module(json, out)));
  },
  /** The label fragment of a module name ('github.com/a/b' -> 'github_com_a_b'). */
  sanitizeLabel: (name) => text((raw, out) => raw.topt_label_sanitize(name, out)),
  /** De-duplicates keys in order (['a', 'a'] -> ['a', 'a_2']). */
  dedupLabels: (keys) => JSON.parse(text((raw, out) => raw.topt_label_dedup(JSON.stringify(keys), out))),
  /** `{ known_tests, test_management, flaky_tests }` module lists -> `{ module: label }`. */
  labelMap: (sources) => JSON.parse(text((raw, out) => raw.topt_label_map(JSON.stringify(sources), out))),
};
