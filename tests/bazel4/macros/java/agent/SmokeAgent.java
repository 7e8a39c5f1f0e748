import java.lang.instrument.Instrumentation;

/** A minimal Java agent: proves that dd_topt_java_test's -javaagent flag reaches the JVM. */
public final class SmokeAgent {
  private SmokeAgent() {}

  public static void premain(String args, Instrumentation inst) {
    System.setProperty("topt.smoke.agent", "loaded");
  }
}
