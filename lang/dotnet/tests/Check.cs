using System;

namespace Datadog.Topt.Tests
{
    sealed class CheckFailed : Exception
    {
        public CheckFailed(string message) : base(message) { }
    }

    static class Check
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new CheckFailed(what);
        }

        public static void Equal<T>(T want, T got, string what)
        {
            if (!Equals(want, got)) throw new CheckFailed(what + ": want <" + want + ">, got <" + got + ">");
        }

        public static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new CheckFailed(what + ": want " + typeof(T).Name + ", got " + e);
            }
            throw new CheckFailed(what + ": want " + typeof(T).Name + ", nothing was thrown");
        }
    }
}
