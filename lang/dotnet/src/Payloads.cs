namespace Datadog.Topt
{
    /// <summary>The kind of a payload file; selects payloads/{tests,coverage,telemetry}/.</summary>
    public enum PayloadKind : uint
    {
        /// <summary>Test events (citestcycle envelope).</summary>
        Tests = Abi.TOPT_PAYLOAD_KIND_TESTS,
        Coverage = Abi.TOPT_PAYLOAD_KIND_COVERAGE,
        /// <summary>One raw telemetry request body.</summary>
        Telemetry = Abi.TOPT_PAYLOAD_KIND_TELEMETRY,
    }

    /// <summary>How payload bytes are encoded.</summary>
    public enum PayloadFormat : uint
    {
        /// <summary>Validated, then written byte for byte.</summary>
        Json = Abi.TOPT_PAYLOAD_FORMAT_JSON,
        /// <summary>Transcoded to JSON (binary as base64, 64-bit integers exact).</summary>
        Msgpack = Abi.TOPT_PAYLOAD_FORMAT_MSGPACK,
    }
}
