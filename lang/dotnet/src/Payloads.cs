namespace Datadog.Topt
{
    /// <summary>The kind of a payload file; selects payloads/{tests,coverage,telemetry}/.</summary>
    public enum PayloadKind : uint
    {
        /// <summary>Test events (citestcycle envelope).</summary>
        Tests = 0,
        Coverage = 1,
        /// <summary>One raw telemetry request body.</summary>
        Telemetry = 2,
    }

    /// <summary>How payload bytes are encoded.</summary>
    public enum PayloadFormat : uint
    {
        /// <summary>Validated, then written byte for byte.</summary>
        Json = 0,
        /// <summary>Transcoded to JSON (binary as base64, 64-bit integers exact).</summary>
        Msgpack = 1,
    }
}
