#!/usr/bin/env bash
# Installs what lang/java's tests need on a clean Debian 12 machine (run as root); idempotent.
# JDK 17 and Maven ship with the project's machines; JNA, JUnit 5 and Gson come from Maven
# Central through pom.xml, fetched here once so test.sh runs without download noise.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Re-resolve only when pom.xml changed since the last successful run.
stamp=target/.setup-stamp
sum=$(sha256sum pom.xml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  mvn -B -q --no-transfer-progress -Dstyle.color=never dependency:go-offline
  mkdir -p target && echo "$sum" > "$stamp"
fi
