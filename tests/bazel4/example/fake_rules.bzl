"""Stand-ins for language test rules (rules_go, rules_java, rules_js, rules_dotnet, rules_ruby are
not available offline under Bazel 4.2.3). The macros only need "a test rule": these accept the
attributes the macros pass and run lang_check.py, which checks the environment and the selected
module's files through libtopt (Python binding) and writes a payload, as a tracer would."""

def _fake_test_impl(ctx):
    flags = [ctx.expand_location(f, ctx.attr.data) for f in ctx.attr.jvm_flags]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, "\n".join([
        "#!/bin/sh",
        "export SMOKE_RULE_FLAGS='%s'" % " ".join(flags),
        "export SMOKE_ENTRY_POINT='%s'" % ctx.attr.entry_point,
        "exec python3 \"${RUNFILES_DIR:-$0.runfiles}/%s/lang_check.py\" \"$@\"" % ctx.workspace_name,
        "",
    ]), is_executable = True)
    runfiles = ctx.runfiles(files = ctx.files.data + ctx.files.srcs + [ctx.file._check])
    for dep in ctx.attr.data + ctx.attr.deps + ctx.attr.runtime_deps:
        runfiles = runfiles.merge(dep[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

fake_lang_test = rule(
    implementation = _fake_test_impl,
    test = True,
    doc = "A test rule standing in for go_test, java_test, js_test, csharp_test and rb_test.",
    attrs = {
        "data": attr.label_list(allow_files = True, doc = "Runfiles."),
        "deps": attr.label_list(doc = "Libraries (walked by the macros' aspects)."),
        "embed": attr.label_list(doc = "Go: embedded libraries."),
        "entry_point": attr.string(doc = "Node.js entry point."),
        "jvm_flags": attr.string_list(doc = "Java: JVM flags ($(rootpath) expanded)."),
        "main": attr.string(doc = "Ruby: main file."),
        "rundir": attr.string(doc = "Go: run directory."),
        "runtime_deps": attr.label_list(doc = "Java: runtime dependencies."),
        "srcs": attr.label_list(allow_files = True, doc = "Sources."),
        "test_class": attr.string(doc = "Java: test class."),
        "_check": attr.label(default = ":lang_check.py", allow_single_file = True),
    },
)

def _fake_library_impl(_ctx):
    return [DefaultInfo()]

fake_library = rule(
    implementation = _fake_library_impl,
    doc = "A library carrying the attributes the candidate aspects read (importpath, require_path...).",
    attrs = {
        "deps": attr.label_list(doc = "Dependencies."),
        "embed": attr.label_list(doc = "Go: embedded libraries."),
        "importpath": attr.string(doc = "Go import path."),
        "java_package": attr.string(doc = "Java package."),
        "require_path": attr.string(doc = "Ruby require path."),
    },
)
