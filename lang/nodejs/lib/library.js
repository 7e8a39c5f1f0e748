'use strict';
// The process-wide libtopt: loaded once, on first use, by the discovery rules.

const raw = require('./raw');
const { discover } = require('./discovery');

let loaded = null; // { library, from }

function open(pathOrName) {
  const lib = raw.bind(pathOrName);
  const major = lib.topt_abi_version() >>> 16;
  if (major !== raw.constants.TOPT_ABI_VERSION_MAJOR) {
    throw new Error(`ABI major version ${major}, this binding needs ${raw.constants.TOPT_ABI_VERSION_MAJOR}`);
  }
  return lib;
}

/**
 * Loads libtopt now, from `explicitPath` alone if given. Throws if it is already loaded from elsewhere.
 * Returns the path (or platform name) it was loaded from.
 */
function load(explicitPath) {
  if (loaded !== null) {
    if (explicitPath && explicitPath !== loaded.from) {
      throw new Error(`libtopt is already loaded from ${loaded.from}`);
    }
    return loaded.from;
  }
  loaded = discover(explicitPath, process.env, open);
  return loaded.from;
}

/** The bound raw functions, loading the library if needed. */
function lib() {
  if (loaded === null) load();
  return loaded.library;
}

module.exports = { load, lib };
