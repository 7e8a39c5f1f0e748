# Sourced by every lang/<x>/test.sh: the library under test and an environment outside Bazel.
#
# An absolute TOPT_LIBRARY already set (say, a release build) is tested as is; otherwise libtopt
# is built with cargo (into $CARGO_TARGET_DIR if set) and TOPT_LIBRARY points at it. The Bazel
# test variables are unset, so a context opened from the environment sees "not under Bazel", and
# TOPT_VECTORS_DIR names testdata/vectors for the suites that read it.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${TOPT_LIBRARY:-}" != /* ]]; then
  (cd "$root" && cargo build -q -p topt-ffi)
  target="${CARGO_TARGET_DIR:-target}"
  [[ "$target" == /* ]] || target="$root/$target"
  export TOPT_LIBRARY="$target/debug/libtopt.so"
fi
export TOPT_VECTORS_DIR="$root/testdata/vectors"
unset RUNFILES_DIR RUNFILES_MANIFEST_FILE TEST_SRCDIR JAVA_RUNFILES TEST_UNDECLARED_OUTPUTS_DIR \
  DD_TEST_OPTIMIZATION_MANIFEST_FILE TEST_OPTIMIZATION_MANIFEST_FILE \
  DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES
