"""Providers shared by the topt test macros' rules and aspects."""

ToptCandidatesInfo = provider(
    doc = "Module identifier candidates a dependency aspect collected, in order (docs/bazel.md, \"Module selection\").",
    fields = {
        "candidates": "list of strings, first-found first, de-duplicated",
    },
)

ToptSelectionInfo = provider(
    doc = "The module selection of one test target; the Go metadata sidecar records it.",
    fields = {
        "group": "`module_<label>`, or None for the full bundle",
        "identifier": "the identifier that decided the outcome",
        "identifier_source": "`explicit`, `inferred`, `fallback` or `empty`",
        "payload_selection": "`module`, `module_override`, `full_bundle_no_match` or `full_bundle_disabled`",
    },
)
