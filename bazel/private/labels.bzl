"""Module-name sanitising, de-duplication and the module label map.

Starlark twin of `crates/topt-core/src/labels.rs` (docs/bazel.md, "Module selection"). Both run the cases
of `testdata/vectors/labels.json`, so the labels a macro computes are the labels `topt sync` wrote.

Bazel's Starlark sees one character per UTF-8 byte; other interpreters (the test harness) see code
points. The functions below count UTF-8 bytes in both, so the all-invalid hash seed is the same.
"""

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_ALPHABET_INDEX = {c: i for i, c in enumerate(_ALPHABET.elems())}
_LOWER_OF = {c: _ALPHABET[i] for i, c in enumerate(_UPPER.elems())}

# Bazel reads this file as ISO-8859-1, so the two UTF-8 bytes of the literal are two characters.
_ONE_CHAR_PER_BYTE = len("é") == 2

# Code point limits of 1-, 2- and 3-byte UTF-8 sequences, as literals (Bazel has no ord()); only
# compared in interpreters that see code points.
_ONE_BYTE_MAX = "\177"
_THREE_BYTE_MIN = "ࠀ"
_FOUR_BYTE_MIN = "𐀀"

def _byte_len(c):
    """Number of UTF-8 bytes of one character of the running interpreter's strings."""
    if _ONE_CHAR_PER_BYTE or c <= _ONE_BYTE_MAX:
        return 1
    if c < _THREE_BYTE_MIN:
        return 2
    if c < _FOUR_BYTE_MIN:
        return 3
    return 4

def ascii_lower(s):
    """Lowercases ASCII letters only (str.lower() would also touch non-ASCII characters).

    Args:
      s: any string.

    Returns:
      `s` with `A`-`Z` replaced by `a`-`z`.
    """
    return "".join([_LOWER_OF.get(c, c) for c in s.elems()])

def sanitize_label_fragment(s):
    """Turns any module name into a label fragment made only of `[a-z0-9_]`.

    Runs of replaced characters collapse into one `_`, underscores present in the input are kept,
    leading and trailing `_` are trimmed. An empty input gives `module`; an input with no usable
    character gives `module_<seed>`, a hash over its UTF-8 bytes.

    Args:
      s: the module name (None counts as empty).

    Returns:
      The sanitised fragment.
    """
    lowered = ascii_lower(s or "")
    out = []
    last_underscore = False
    for c in lowered.elems():
        if c in _ALPHABET_INDEX:
            out.append(c)
            last_underscore = c == "_"
        elif not last_underscore:
            out.append("_")
            last_underscore = True
    result = "".join(out).strip("_")
    if result:
        return result
    if not lowered:
        return "module"
    chars = lowered.elems()
    seed = 0
    for c in chars:
        seed += _byte_len(c)
    i = 0
    for c in chars:
        idx = _ALPHABET_INDEX.get(c, 37)
        for _ in range(_byte_len(c)):
            seed = (seed * 33 + idx + i) % 1000000
            i += 1
    return "module_%d" % seed

def is_sanitized(label):
    """True when `label` is a non-empty string made only of `[a-z0-9_]`.

    Args:
      label: the value to check.

    Returns:
      A bool.
    """
    if type(label) != "string" or not label:
        return False
    for c in label.elems():
        if c not in _ALPHABET_INDEX:
            return False
    return True

def dedup_keys(keys):
    """Gives every key a unique name, in input order.

    The first `x` stays `x`, later ones become `x_2`, `x_3`, ..., skipping names already taken.

    Args:
      keys: list of strings.

    Returns:
      A list of unique strings, same length and order as `keys`.
    """
    counters = {}
    taken = {}
    out = []
    for key in keys:
        counter = counters.get(key, 0) + 1
        candidate = key if counter == 1 else "%s_%d" % (key, counter)

        # Starlark has no `while`; the cap cannot be reached with real module lists.
        for _ in range(len(keys) + len(taken) + 1):
            if candidate not in taken:
                break
            counter += 1
            candidate = "%s_%d" % (key, counter)
        if candidate in taken:
            fail("dedup_keys: could not find a free name for '%s'" % key)
        counters[key] = counter
        taken[candidate] = True
        out.append(candidate)
    return out

def label_map(known_tests = [], test_management = [], flaky_tests = []):
    """Maps each module name to its label over the union of all sources.

    The byte-order sort of the union, not the source order, decides which of two colliding names
    keeps the unsuffixed label.

    Args:
      known_tests: module names from known tests.
      test_management: module names from test management.
      flaky_tests: module names (bundles) from flaky tests.

    Returns:
      A dict from module name to label, keys in sorted order.
    """
    union = {}
    for source in (known_tests, test_management, flaky_tests):
        for name in source:
            union[name] = True
    names = sorted(union.keys())
    labels = dedup_keys([sanitize_label_fragment(n) for n in names])
    return {name: labels[i] for i, name in enumerate(names)}
