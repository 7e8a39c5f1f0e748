"""Entry point of dd_topt_py_test(runner_mode = "managed_pytest"): runs pytest with the test's args."""

import sys

import pytest

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
