namespace Datadog.Topt
{
    /// <summary>Module label rules, exactly as `topt sync` applies them.</summary>
    public static class Labels
    {
        /// <summary>The label fragment of a module name (github.com/a/b → github_com_a_b).</summary>
        public static string Sanitize(string name) => Library.JsonCall((byte[] i, ref RawBytes o) => Library.N.topt_label_sanitize(i, ref o), name);

        /// <summary>De-duplicates keys in order; a JSON array of strings in and out.</summary>
        public static string Dedup(string keysJson) => Library.JsonCall((byte[] i, ref RawBytes o) => Library.N.topt_label_dedup(i, ref o), keysJson);

        /// <summary>
        /// The label of every module: {"known_tests": [...], "test_management": [...], "flaky_tests": [...]}
        /// in, {"&lt;module&gt;": "&lt;label&gt;"} out (JSON).
        /// </summary>
        public static string Map(string sourcesJson) => Library.JsonCall((byte[] i, ref RawBytes o) => Library.N.topt_label_map(i, ref o), sourcesJson);
    }
}
