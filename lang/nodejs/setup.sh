#!/usr/bin/env bash
# Installs what lang/nodejs's tests need on a clean Debian 12 machine (run as root); idempotent.
# Node.js and npm ship with the project's machines; koffi (with its prebuilt native module in
# @koromix/koffi-<platform>) comes from the npm registry at the version package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# Reinstall only when the lockfile changed since the last successful run. --ignore-scripts: koffi's
# install script would only rebuild what its prebuilt package already ships.
stamp=node_modules/.topt-setup-stamp
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$sum" > "$stamp"
fi
