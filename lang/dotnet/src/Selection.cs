namespace Datadog.Topt
{
    /// <summary>Module selection by the dd_topt_&lt;lang&gt;_test macros' rules.</summary>
    public static class Selection
    {
        /// <summary>
        /// Selects the module group for a test target. <paramref name="requestJson"/> is a selection
        /// request (see testdata/vectors/selection.json); returns the result object as JSON:
        /// {"group", "label", "identifier", "identifier_source", "payload_selection", ...}.
        /// A strict miss throws <see cref="ToptException"/> (InvalidArgument) with the macros' message.
        /// </summary>
        public static string SelectModule(string requestJson) =>
            Library.JsonCall((byte[] i, ref RawBytes o) => Library.N.topt_select_module(i, ref o), requestJson);
    }
}
