#!/bin/sh
# singlejar stand-in: deploy jars are not supported by the stand-in Java tools.
echo "singlejar is not available in the tests/bazel4 Java tools stand-in ($*)" >&2
exit 1
