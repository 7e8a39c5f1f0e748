// Stand-in for Bazel's JUnit test runner (Runner_deploy.jar in remote_java_tools, which Debian's
// Bazel 4.2.3 does not ship): java_test runs this class with -Dbazel.test_suite=<test_class>. It
// runs that class with JUnit 4's JUnitCore from the test's own classpath and exits non-zero on a
// failure or when no test ran (a test that cannot fail is a defect).
package com.google.testing.junit.runner;

import java.lang.reflect.Method;
import java.util.List;

public final class BazelTestRunner {
  private BazelTestRunner() {}

  public static void main(String[] args) throws Exception {
    String suite = System.getProperty("bazel.test_suite");
    if (suite == null || suite.isEmpty()) {
      System.err.println("BazelTestRunner stand-in: no -Dbazel.test_suite (set test_class)");
      System.exit(2);
    }
    Class<?> core = Class.forName("org.junit.runner.JUnitCore");
    Method runClasses = core.getMethod("runClasses", Class[].class);
    Object result = runClasses.invoke(null, (Object) new Class<?>[] {Class.forName(suite)});
    Class<?> resultClass = result.getClass();
    int run = (Integer) resultClass.getMethod("getRunCount").invoke(result);
    List<?> failures = (List<?>) resultClass.getMethod("getFailures").invoke(result);
    for (Object failure : failures) {
      System.err.println("FAILED: " + failure);
      Object trace = failure.getClass().getMethod("getTrace").invoke(failure);
      System.err.println(trace);
    }
    System.out.printf("%s: %d run, %d failed%n", suite, run, failures.size());
    System.exit(failures.isEmpty() && run > 0 ? 0 : 1);
  }
}
