"""The default of `@topt//lang/java:jna`: fails analysis with the fix, when the binding is used."""

def _jna_not_configured_impl(ctx):
    fail(("%s: the topt Java binding needs JNA. Point the flag at your JNA target, e.g. in " +
          ".bazelrc: build --@topt//lang/java:jna=@maven//:net_java_dev_jna_jna (with WORKSPACE " +
          "setups, use the name you gave the topt repository instead of @topt).") % ctx.label)

jna_not_configured = rule(
    implementation = _jna_not_configured_impl,
    doc = "Stands in for JNA until `--@topt//lang/java:jna` names the real one.",
)
