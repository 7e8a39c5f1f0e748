using System;

namespace Datadog.Topt
{
    /// <summary>An error reported by libtopt: its status code and message.</summary>
    public class ToptException : Exception
    {
        /// <summary>The status code (number and enum name).</summary>
        public Status Code { get; }

        /// <summary>libtopt's stable name for the code, e.g. "NOT_FOUND" (also right for codes newer than this binding).</summary>
        public string CodeName { get; }

        public ToptException(Status code, string codeName, string message) : base(message)
        {
            Code = code;
            CodeName = codeName;
        }

        public override string ToString() => GetType().FullName + " [" + CodeName + " (" + (uint)Code + ")]: " + Message;
    }
}
