'use strict';
// The process-wide libtopt: loaded once, on first use, by the discovery rules.

const raw = require('./raw');
const { Discovery } = require('./discovery');

function open(pathOrName) {
  const lib = raw.bind(pathOrName);
  const major = lib.topt_abi_version() >>> 16;
  if (major !== raw.constants.TOPT_ABI_VERSION_MAJOR) {
    throw new Error(`ABI major version ${major}, this binding needs ${raw.constants.TOPT_ABI_VERSION_MAJOR}`);
  }
  return lib;
}

const discovery = new Discovery(process.env, open);

/**
 * Loads libtopt now, from `explicitPath` alone if given; returns the path (or platform file name)
 * it was loaded from. Throws if it is already loaded from another path.
 */
function load(explicitPath) {
  discovery.load(explicitPath);
  return discovery.path;
}

/** The bound raw functions, loading the library if needed. */
function lib() {
  return discovery.library ?? discovery.load();
}

module.exports = { load, lib };
