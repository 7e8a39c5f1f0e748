//! The reader over BEP files the real Bazel 4.2.3 wrote (testdata/bep/bazel-4.2.3, captured by
//! tests/remote/capture.sh against BuildGrid), and over hostile variants of them.

use std::io::{BufReader, Cursor};
use std::path::PathBuf;

use super::lines::{Line, read_bounded};
use super::*;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/bep/bazel-4.2.3")
        .join(name)
}

fn fixture(name: &str) -> String {
    let p = fixture_path(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn parse_str(s: &str) -> Invocation {
    parse(Cursor::new(s.as_bytes()), DEFAULT_MAX_LINE).unwrap_or_else(|e| panic!("{e}"))
}

fn find<'a>(inv: &'a Invocation, label: &str, shard: u32, attempt: u32) -> &'a TestAttempt {
    inv.attempts
        .iter()
        .find(|a| a.label == label && a.shard == shard && a.attempt == attempt && a.run == 1)
        .unwrap_or_else(|| panic!("no attempt {label} shard {shard} attempt {attempt}"))
}

fn names(a: &TestAttempt) -> Vec<&str> {
    a.outputs.iter().map(|o| o.name.as_str()).collect()
}

fn zip_uri(a: &TestAttempt) -> &ByteStreamUri {
    match a.undeclared_outputs().map(|o| &o.location).next() {
        Some(Location::ByteStream(b)) => b,
        other => panic!("{}: outputs.zip is {other:?}", a.label),
    }
}

#[test]
fn executed_run_names_every_attempt_and_its_outputs_zip_by_bytestream_uri() {
    let inv = read(&fixture_path("executed.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(inv.complete, "Bazel finished the stream (lastMessage)");
    assert!(!inv.torn_tail);
    assert_eq!((inv.malformed_count, inv.duplicates), (0, 0));
    assert_eq!(inv.attempts.len(), 5, "{:#?}", inv.attempts);

    let hello = find(&inv, "//pkg:hello_test", 1, 1);
    assert_eq!(hello.status, TestStatus::Passed);
    assert_eq!(hello.cached, Cached::No);
    assert_eq!(hello.strategy.as_deref(), Some("linux-sandbox"));
    assert_eq!(
        names(hello),
        [
            "test.log",
            "test.xml",
            "test.outputs__outputs.zip",
            "test.outputs_manifest__MANIFEST"
        ]
    );
    let zip = zip_uri(hello);
    assert_eq!(zip.authority, "127.0.0.1:43971");
    assert_eq!(zip.instance, "");
    assert_eq!(zip.digest_function, None);
    assert_eq!(
        zip.hash,
        "76ca9238701651426e083f6233075d7ab674797a12cd72661d8d741f2b9b2eea"
    );
    assert_eq!(zip.size, 339);
    assert_eq!(
        zip.resource_name(""),
        "blobs/76ca9238701651426e083f6233075d7ab674797a12cd72661d8d741f2b9b2eea/339"
    );
    assert_eq!(hello.undeclared_outputs().count(), 1);

    // shard_count = 2: one attempt per shard, each with its own outputs.zip.
    let (s1, s2) = (
        find(&inv, "//pkg:sharded_test", 1, 1),
        find(&inv, "//pkg:sharded_test", 2, 1),
    );
    assert_ne!(zip_uri(s1).hash, zip_uri(s2).hash);

    // flaky = True: the first attempt failed, the second passed; both name an outputs.zip.
    let (f1, f2) = (
        find(&inv, "//pkg:flaky_test", 1, 1),
        find(&inv, "//pkg:flaky_test", 1, 2),
    );
    assert_eq!(
        (&f1.status, &f2.status),
        (&TestStatus::Failed, &TestStatus::Passed)
    );
    assert_eq!(f1.undeclared_outputs().count(), 1);

    let flaky = inv.summaries.iter().find(|s| s.label == "//pkg:flaky_test");
    assert_eq!(flaky.map(|s| &s.overall_status), Some(&TestStatus::Flaky));
    let sharded = inv
        .summaries
        .iter()
        .find(|s| s.label == "//pkg:sharded_test");
    assert_eq!(sharded.map(|s| s.shard_count), Some(2));
}

#[test]
fn second_run_in_the_same_output_base_is_cached_locally_and_still_names_the_outputs() {
    let inv = parse_str(&fixture("cached-locally.json"));
    assert!(inv.complete);
    assert_eq!(inv.attempts.len(), 4);
    let hello = find(&inv, "//pkg:hello_test", 1, 1);
    assert_eq!(hello.cached, Cached::Locally);
    assert_eq!(
        hello.strategy, None,
        "executionInfo is empty for a local cache hit"
    );
    // The same blob the executing run named.
    let executed = parse_str(&fixture("executed.json"));
    assert_eq!(
        zip_uri(hello),
        zip_uri(find(&executed, "//pkg:hello_test", 1, 1))
    );
    // A flaky result is never cached locally; its passing attempt came from the remote cache.
    let flaky = find(&inv, "//pkg:flaky_test", 1, 1);
    assert_eq!(flaky.cached, Cached::Remotely);
    assert_eq!(
        names(flaky),
        ["test.log", "test.xml"],
        "test.xml made locally"
    );
    assert_eq!(flaky.undeclared_outputs().count(), 0);
}

#[test]
fn fresh_output_base_gets_remote_cache_hits_that_name_only_the_log() {
    let inv = parse_str(&fixture("cached-remotely.json"));
    assert_eq!(inv.attempts.len(), 4);
    for a in &inv.attempts {
        assert_eq!(a.cached, Cached::Remotely, "{}", a.label);
        assert_eq!(a.strategy.as_deref(), Some("remote cache hit"));
        assert_eq!(a.status, TestStatus::Passed);
        assert_eq!(
            names(a),
            ["test.log"],
            "no outputs.zip for a remote cache hit"
        );
        assert_eq!(a.undeclared_outputs().count(), 0);
    }
}

#[test]
fn remote_instance_name_is_the_first_path_segment_of_the_uri() {
    let inv = parse_str(&fixture("instance-name.json"));
    assert_eq!(inv.attempts.len(), 5);
    for a in &inv.attempts {
        for o in &a.outputs {
            let Location::ByteStream(b) = &o.location else {
                panic!("{}: {:?}", o.name, o.location)
            };
            assert_eq!(b.instance, "main", "{}", o.name);
            assert!(b.resource_name("ignored").starts_with("main/blobs/"));
        }
    }
}

#[test]
fn without_a_remote_cache_outputs_are_local_files_where_the_layout_says() {
    let inv = parse_str(&fixture("local-files.json"));
    // --runs_per_test=2: 2 runs × (1 + 2 shards + 1 flaky with 2 attempts each).
    assert_eq!(inv.attempts.len(), 10);
    let mut checked = 0;
    for a in &inv.attempts {
        for o in &a.outputs {
            let Location::File(path) = &o.location else {
                panic!("{}: {:?}", o.name, o.location)
            };
            let s = path.to_string_lossy();
            let (_, under) = s.split_once("/testlogs/").unwrap_or_else(|| panic!("{s}"));
            match inv.testlogs_path(a, o) {
                Some(rel) => {
                    assert_eq!(rel, PathBuf::from(under), "{} {:?}", a.label, o.name);
                    checked += 1;
                }
                None => assert_eq!(o.kind(), OutputKind::Other, "{}", o.name),
            }
        }
    }
    // test.log, test.xml and outputs.zip of all 10 attempts, incl. the earlier flaky ones.
    assert_eq!(checked, 30);
}

#[test]
fn a_stream_cut_mid_line_keeps_what_came_before_and_says_it_was_torn() {
    let text = fixture("executed.json");
    let full = parse_str(&text);
    // Cut inside the last test result event: every attempt but the last one is kept.
    let start = text.rfind(r#"{"id":{"testResult":"#);
    let cut = start.unwrap_or_else(|| panic!("no test result")) + 60;
    let inv = parse_str(&text[..cut]);
    assert!(inv.torn_tail);
    assert!(!inv.complete);
    assert_eq!(inv.malformed_count, 0);
    assert_eq!(inv.attempts, full.attempts[..full.attempts.len() - 1]);

    // Cut at a line boundary before the end: nothing torn, but not complete either.
    let at_line = text[..cut].rfind('\n').map_or(0, |i| i + 1);
    let inv = parse_str(&text[..at_line]);
    assert!(!inv.torn_tail && !inv.complete);
    assert_eq!(inv.attempts, full.attempts[..full.attempts.len() - 1]);
}

#[test]
fn unknown_events_fields_blank_lines_and_crlf_are_ignored() {
    let mut out = String::new();
    for (i, line) in fixture("executed.json").lines().enumerate() {
        if i == 3 {
            out.push_str(
                r#"{"id":{"someFutureEvent":{"x":1}},"someFutureEvent":{"deep":[{"a":null}]}}"#,
            );
            out.push_str("\r\n\r\n   \n");
        }
        // A newer Bazel adds fields to known events.
        out.push_str(&line.replacen(r#""status":"#, r#""futureField":{"k":[1,2]},"status":"#, 1));
        out.push_str("\r\n");
    }
    let inv = parse_str(&out);
    assert_eq!(inv.malformed_count, 0);
    assert!(inv.complete);
    assert_eq!(inv.attempts, parse_str(&fixture("executed.json")).attempts);
}

#[test]
fn malformed_lines_are_counted_and_skipped() {
    let text = fixture("executed.json");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "this is not json");
    lines.insert(
        5,
        r#"{"id":{"testResult":{"label":"//x:y","run":-1}},"testResult":{}}"#,
    );
    lines.insert(
        6,
        r#"{"id":{"testResult":{"label":"//x:z"}},"testResult":{"status":{}}}"#,
    );
    lines.insert(7, "\u{fffd}\u{0}\u{1}garbage");
    let inv = parse_str(&(lines.join("\n") + "\n"));
    assert_eq!(inv.malformed_count, 4);
    assert_eq!(inv.malformed_lines, [3, 6, 7, 8]);
    assert_eq!(inv.attempts.len(), 5);
    assert!(inv.complete);

    // Invalid UTF-8 and NUL bytes anywhere: no panic, counted.
    let mut bytes = text.clone().into_bytes();
    bytes.splice(0..0, b"\xff\xfe\x00{\"id\":\n".iter().copied());
    let inv = parse(Cursor::new(bytes), DEFAULT_MAX_LINE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((inv.malformed_count, inv.attempts.len()), (1, 5));
}

#[test]
fn lines_over_the_limit_are_skipped_without_being_kept() {
    let text = fixture("executed.json");
    let huge = format!(
        r#"{{"id":{{"namedSet":{{"id":"9"}}}},"namedSetOfFiles":{{"files":[{}]}}}}"#,
        r#"{"name":"f","uri":"file:///x"},"#.repeat(40_000) + r#"{"name":"g"}"#
    );
    assert!(huge.len() > 1 << 20);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, &huge);
    let joined = lines.join("\n") + "\n";
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    let inv = parse(Cursor::new(joined.as_bytes()), longest + 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.oversized_lines, [2]);
    assert_eq!(inv.malformed_count, 0);
    assert_eq!(inv.attempts.len(), 5);

    // The same, read through a 7-byte buffer: lines are assembled across reads.
    let inv = parse(
        BufReader::with_capacity(7, Cursor::new(joined.as_bytes())),
        longest + 2,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((inv.oversized_lines.len(), inv.attempts.len()), (1, 5));
}

#[test]
fn proto_field_names_numbers_as_strings_and_enum_numbers_are_accepted() {
    let line = r#"{"id":{"test_result":{"label":"//a:b","run":"2","shard":1,"attempt":3,"configuration":{"id":"c"}}},"test_result":{"status":4,"cached_locally":false,"execution_info":{"cached_remotely":true,"strategy":"remote"},"test_action_output":[{"name":"test.outputs__outputs.zip","uri":"bytestream://cache.example:443/a/b/blobs/0123ABCD/12"},{"name":"test.outputs/sub/x.json","uri":"file:///tmp/a%20b/x.json"},{"name":"test.log"}]}}"#;
    let inv = parse_str(&format!("{line}\n{{\"last_message\":true}}\n"));
    assert!(inv.complete);
    let a = &inv.attempts[0];
    assert_eq!((a.run, a.shard, a.attempt), (2, 1, 3));
    assert_eq!(a.configuration.as_deref(), Some("c"));
    assert_eq!(a.status, TestStatus::Failed);
    assert_eq!(a.cached, Cached::Remotely);
    let Location::ByteStream(b) = &a.outputs[0].location else {
        panic!("{:?}", a.outputs[0])
    };
    assert_eq!(
        (b.instance.as_str(), b.hash.as_str(), b.size),
        ("a/b", "0123abcd", 12)
    );
    assert_eq!(
        a.outputs[1].kind(),
        OutputKind::UndeclaredOutput("sub/x.json")
    );
    assert_eq!(
        a.outputs[1].location,
        Location::File(PathBuf::from("/tmp/a b/x.json"))
    );
    assert!(matches!(a.outputs[2].location, Location::Unsupported(_)));
    assert_eq!(a.undeclared_outputs().count(), 2);

    // The strategy alone says remote cache hit; cachedLocally wins over both.
    let by_strategy = r#"{"id":{"testResult":{"label":"//a:b"}},"testResult":{"executionInfo":{"strategy":"remote cache hit"}}}"#;
    let both = r#"{"id":{"testResult":{"label":"//a:c"}},"testResult":{"cachedLocally":true,"executionInfo":{"cachedRemotely":true}}}"#;
    let inv = parse_str(&format!("{by_strategy}\n{both}\n"));
    let cached: Vec<Cached> = inv.attempts.iter().map(|a| a.cached).collect();
    assert_eq!(cached, [Cached::Remotely, Cached::Locally]);
    assert_eq!(inv.attempts[0].status, TestStatus::NoStatus);
}

#[test]
fn aborted_results_and_duplicates() {
    let lines = [
        r#"{"id":{"testResult":{"label":"//a:b","run":1,"shard":1,"attempt":1}},"aborted":{"reason":"USER_INTERRUPTED","description":"Ctrl-C"}}"#,
        r#"{"id":{"testResult":{"label":"//a:c","run":1,"shard":1,"attempt":1}},"testResult":{"status":"PASSED"}}"#,
        r#"{"id":{"testResult":{"label":"//a:c","run":1,"shard":1,"attempt":1}},"testResult":{"status":"FAILED"}}"#,
        r#"{"id":{"testResult":{"label":"//a:d","run":1,"shard":1,"attempt":1}},"testResult":{"status":"SOMETHING_NEW"}}"#,
    ];
    let inv = parse_str(&lines.join("\n"));
    assert_eq!(inv.attempts.len(), 3);
    assert_eq!(
        inv.attempts[0].status,
        TestStatus::Aborted("USER_INTERRUPTED: Ctrl-C".into())
    );
    assert_eq!(
        inv.attempts[1].status,
        TestStatus::Passed,
        "the first one is kept"
    );
    assert_eq!(inv.duplicates, 1);
    assert_eq!(
        inv.attempts[2].status,
        TestStatus::Other("SOMETHING_NEW".into())
    );
    assert!(
        !inv.torn_tail,
        "an unterminated last line that parses is fine"
    );
    assert!(!inv.complete);
}

#[test]
fn empty_and_missing_files() {
    assert_eq!(parse_str(""), Invocation::default());
    let err = read(&fixture_path("no-such.json"));
    assert!(matches!(err, Err(BepError::Io(..))));
    let msg = err.map(|_| ()).unwrap_err().to_string();
    assert!(msg.contains("no-such.json"), "{msg}");
}

#[test]
fn bytestream_uris() {
    let ok = |s: &str| ByteStreamUri::parse(s).unwrap_or_else(|| panic!("{s}"));
    let b = ok("bytestream://h:1/blobs/ab/0");
    assert_eq!(
        (b.authority.as_str(), b.instance.as_str(), b.size),
        ("h:1", "", 0)
    );
    let b = ok("bytestream://h/x/y/blobs/blake3/AB/7");
    assert_eq!(b.instance, "x/y");
    assert_eq!(b.digest_function.as_deref(), Some("blake3"));
    assert_eq!(b.resource_name(""), "x/y/blobs/blake3/ab/7");
    assert_eq!(b.to_string(), "bytestream://h/x/y/blobs/blake3/ab/7");
    // The URI's instance wins over the fallback; the fallback fills an empty one.
    assert_eq!(
        ok("bytestream://h/blobs/ab/1").resource_name("/inst/"),
        "inst/blobs/ab/1"
    );
    assert_eq!(
        ok("bytestream://h/i/blobs/ab/1").resource_name("other"),
        "i/blobs/ab/1"
    );
    for bad in [
        "bytestream://",
        "bytestream:///blobs/ab/1",
        "bytestream://h/blobs/ab",
        "bytestream://h/blobs/xyz/1",
        "bytestream://h/blobs/ab/-1",
        "bytestream://h/blobs/ab/+1",
        "bytestream://h/blobs/ab/99999999999999999999999",
        "bytestream://h/uploads/ab/1",
        "bytestream://h//blobs/ab/1",
        "bytestream://h/a/b/c/ab/1",
    ] {
        assert_eq!(ByteStreamUri::parse(bad), None, "{bad}");
        assert!(
            matches!(Location::parse(bad), Location::Unsupported(_)),
            "{bad}"
        );
    }
    assert_eq!(
        Location::parse("file://localhost/a/%41b%2f"),
        Location::File(PathBuf::from("/a/Ab/"))
    );
    for bad in [
        "file://relative",
        "file:///a%zz",
        "file:///a%4",
        "https://x/y",
        "",
    ] {
        assert!(
            matches!(Location::parse(bad), Location::Unsupported(_)),
            "{bad}"
        );
    }
}

#[test]
fn bounded_line_reader() {
    let mut buf = Vec::new();
    let mut r = BufReader::with_capacity(3, Cursor::new(b"ab\ncdefgh\nij".to_vec()));
    let mut seen = Vec::new();
    loop {
        let l = read_bounded(&mut r, &mut buf, 4).unwrap_or_else(|e| panic!("{e}"));
        if l == Line::Eof {
            break;
        }
        seen.push((l, String::from_utf8_lossy(&buf).into_owned()));
    }
    assert_eq!(
        seen,
        [
            (Line::Complete, "ab\n".to_string()),
            (Line::TooLong, String::new()),
            (Line::Unterminated, "ij".to_string()),
        ]
    );
}

#[test]
fn testlogs_paths_of_external_and_odd_labels() {
    let a = |label: &str| TestAttempt {
        label: label.into(),
        configuration: None,
        run: 1,
        shard: 1,
        attempt: 1,
        status: TestStatus::Passed,
        cached: Cached::No,
        strategy: None,
        outputs: vec![],
    };
    let zip = OutputRef {
        name: "test.outputs__outputs.zip".into(),
        location: Location::Unsupported(String::new()),
    };
    let inv = Invocation::default();
    let path = |label: &str| inv.testlogs_path(&a(label), &zip);
    assert_eq!(
        path("@r//p/q:t"),
        Some(PathBuf::from("external/r/p/q/t/test.outputs/outputs.zip"))
    );
    assert_eq!(
        path("//:t"),
        Some(PathBuf::from("t/test.outputs/outputs.zip"))
    );
    assert_eq!(
        path("//p:a/b"),
        Some(PathBuf::from("p/a/b/test.outputs/outputs.zip"))
    );
    for bad in ["//p:../x", "//../p:x", "p:x", "//p", "@a/b//p:x", "//p:"] {
        assert_eq!(path(bad), None, "{bad}");
    }
    let escape = OutputRef {
        name: "test.outputs/../../etc/passwd".into(),
        location: Location::Unsupported(String::new()),
    };
    assert_eq!(inv.testlogs_path(&a("//p:t"), &escape), None);
}

#[test]
fn where_the_invocation_ran_output_base_exec_root_configurations_remote_cache() {
    let inv = parse_str(&fixture("executed.json"));
    let info = &inv.info;
    assert_eq!(
        info.output_base,
        Some(PathBuf::from("/tmp/bep-capture/ob1"))
    );
    assert_eq!(
        info.exec_root,
        Some(PathBuf::from("/tmp/bep-capture/ob1/execroot/__main__"))
    );
    assert_eq!(info.workspace, Some(PathBuf::from("/tmp/bep-capture/ws")));
    assert_eq!(
        info.uuid.as_deref(),
        Some("bbd7cbf9-dc25-4dfa-a1da-6c1a37fb42f6")
    );
    assert_eq!(info.remotes, ["grpc://127.0.0.1:43971"]);
    let hello = find(&inv, "//pkg:hello_test", 1, 1);
    assert_eq!(
        info.testlogs(hello.configuration.as_deref()),
        Some(PathBuf::from(
            "/tmp/bep-capture/ob1/execroot/__main__/bazel-out/k8-fastbuild/testlogs"
        ))
    );
    assert_eq!(info.testlogs(Some("no-such-configuration")), None);
    // Without the startup option, the output base is two levels above the exec root.
    let without = InvocationInfo {
        output_base: None,
        ..info.clone()
    };
    assert_eq!(
        without.output_base(),
        Some(PathBuf::from("/tmp/bep-capture/ob1"))
    );
    // No remote cache at all: no remotes.
    assert!(
        parse_str(&fixture("local-files.json"))
            .info
            .remotes
            .is_empty()
    );
}

#[test]
fn attempt_labels_say_which_shard_run_and_retry() {
    use super::resolve::label;
    let inv = parse_str(&fixture("executed.json"));
    let shown: Vec<String> = inv.attempts.iter().map(|a| label(&inv, a)).collect();
    for want in [
        "//pkg:hello_test",
        "//pkg:sharded_test (shard 1 of 2)",
        "//pkg:sharded_test (shard 2 of 2)",
        "//pkg:flaky_test (attempt 1)",
        "//pkg:flaky_test (attempt 2)",
    ] {
        assert!(shown.iter().any(|s| s == want), "{want} not in {shown:?}");
    }
    let runs = parse_str(&fixture("local-files.json"));
    let shown: Vec<String> = runs.attempts.iter().map(|a| label(&runs, a)).collect();
    assert!(
        shown.iter().any(|s| s == "//pkg:hello_test (run 2 of 2)"),
        "{shown:?}"
    );
}
