"""Stand-in for rules_python under Debian's Bazel 4.2.3 (offline): forwards to the native rules."""

def py_library(**kwargs):
    native.py_library(**kwargs)  # buildifier: disable=native-py

def py_binary(**kwargs):
    native.py_binary(**kwargs)  # buildifier: disable=native-py

def py_test(**kwargs):
    native.py_test(**kwargs)  # buildifier: disable=native-py
