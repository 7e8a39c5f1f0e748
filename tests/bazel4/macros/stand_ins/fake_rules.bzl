"""Stand-ins for the Node.js, .NET and Ruby test rules, which have no ruleset that runs on Bazel 4
here. The macros only need "a test rule": these accept the attributes the macros pass and run
lang_check.py, which checks the environment and the selected module's files through libtopt
(Python binding) and writes a payload, as a tracer would."""

def _fake_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, "\n".join([
        "#!/bin/sh",
        "export SMOKE_ENTRY_POINT='%s'" % ctx.attr.entry_point,
        "exec python3 \"${RUNFILES_DIR:-$0.runfiles}/%s/%s\" \"$@\"" % (ctx.workspace_name, ctx.file._check.short_path),
        "",
    ]), is_executable = True)
    runfiles = ctx.runfiles(files = ctx.files.data + ctx.files.srcs + [ctx.file._check])
    for dep in ctx.attr.data + ctx.attr.deps:
        runfiles = runfiles.merge(dep[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

fake_lang_test = rule(
    implementation = _fake_test_impl,
    test = True,
    doc = "A test rule standing in for js_test, csharp_test and rb_test.",
    attrs = {
        "data": attr.label_list(allow_files = True, doc = "Runfiles."),
        "deps": attr.label_list(doc = "Libraries (walked by the macros' aspects)."),
        "entry_point": attr.string(doc = "Node.js entry point."),
        "main": attr.string(doc = "Ruby: main file."),
        "srcs": attr.label_list(allow_files = True, doc = "Sources."),
        "_check": attr.label(default = ":lang_check.py", allow_single_file = True),
    },
)

def _fake_library_impl(_ctx):
    return [DefaultInfo()]

fake_library = rule(
    implementation = _fake_library_impl,
    doc = "A library carrying the attribute the Ruby candidate aspect reads (require_path).",
    attrs = {
        "deps": attr.label_list(doc = "Dependencies."),
        "require_path": attr.string(doc = "Ruby require path."),
    },
)
