"""Public API of the topt .NET companion: `dd_topt_dotnet_test` (docs/bazel.md, ".NET"; parameters: docs/bazel-reference.md)."""

load("//lang/dotnet/private:dotnet_test.bzl", _dd_topt_dotnet_test = "dd_topt_dotnet_test")

dd_topt_dotnet_test = _dd_topt_dotnet_test
