//! `topt ci -- <test command>`: tests, then doctor, then a dry-run enrichment check, then the real
//! upload. The test status wins; a doctor or dry-run failure stops the real upload; an upload
//! failure fails an otherwise green run. Each step is this same binary run as a child process, so
//! what `ci` does is exactly what the individual commands do. A `bazel test` (or `coverage`)
//! gets `--build_event_json_file` when it has none, and the steps read that file (`--bep`): the
//! invocation's exact test attempts, cached ones reported and not errors, outputs read from the
//! remote cache when they are not on this machine. Other test commands keep `bazel-testlogs`
//! discovery, with the time the tests started (`--invocation-start`) telling cached results.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use crate::http::redact;
use crate::remote::RemoteArgs;

const EXAMPLES: &str = concat!(
    "\
Environment (the doctor and both uploads run with it; see topt upload --help):
",
    crate::upload::endpoint_env!(),
    "
  DD_TEST_OPTIMIZATION_QUIESCENT_SEC, DD_TEST_OPTIMIZATION_MAX_WAIT_SEC
                          Unset, ci passes 0 for both to the uploads (the tests have exited, so
                          their payloads are final); set, the uploads wait as they say
  TESTLOGS_DIR            As --testlogs

Examples:
  # Replaces: bazel test; bazel run doctor; bazel run uploader -- --dry-run; bazel run uploader
  # (context.json is in the sync repository under Bazel's output base; see topt upload --help):
  CTX=$(bazel info output_base)/external/test_optimization_data/.testoptimization/context.json
  DD_API_KEY=... topt ci --context \"$CTX\" -- bazel test //...

  # Through a local agent, with extra doctor/upload flags:
  DD_TEST_OPTIMIZATION_AGENT_URL=http://127.0.0.1:8126 \\
    topt ci --doctor-arg=--allow-full-bundle-no-match --upload-arg=--gzip -- bazel test //svc/...

  # Remote execution / Build without the Bytes: nothing to download, outputs read from the cache:
  topt ci --context \"$CTX\" --remote-cache grpcs://cache.example.com \\
    --remote-header x-api-key=$CACHE_KEY -- \\
    bazel test --remote_executor=grpcs://cache.example.com --remote_download_minimal //...

Build events: for `bazel test` / `bazel coverage` (any program named bazel*), ci adds
--build_event_json_file=<temp file> right after the verb unless the command has one (then that
file is read), and passes the file to the doctor and the uploads as --bep (--no-bep: don't).

Exit status: the test command's status if it failed; else 1 (or the step's code) when the doctor,
the dry-run or the upload failed; else 0. If the tests fail, payloads are still checked and
uploaded (failed tests are what you want to see in Datadog). A warm cache is not a failure: the
BEP says which results came from a cache (without it: results older than the moment the test
command started), and their payloads were sent by the run that executed them. The command is
echoed with secrets redacted (values of *KEY*/*TOKEN*/*SECRET*/*PASSWORD*=… arguments,
--*header=…, URL credentials)."
);

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// context.json for doctor and upload, as PATH or REPO_KEY=PATH (repeatable).
    #[arg(long = "context", value_name = "[KEY=]PATH")]
    pub context: Vec<String>,
    /// Context manifest written by the Bazel rules.
    #[arg(long, value_name = "FILE")]
    pub context_manifest: Option<PathBuf>,
    /// bazel-testlogs directory (default: $BUILD_WORKSPACE_DIRECTORY/bazel-testlogs, ./bazel-testlogs).
    #[arg(long, env = "TESTLOGS_DIR", value_name = "DIR")]
    pub testlogs: Option<PathBuf>,
    /// Extra argument for `topt doctor` (repeatable).
    #[arg(long = "doctor-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub doctor_arg: Vec<String>,
    /// Extra argument for both `topt upload` runs (repeatable).
    #[arg(long = "upload-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub upload_arg: Vec<String>,
    /// Skip the doctor step.
    #[arg(long)]
    pub skip_doctor: bool,
    /// Skip the dry-run enrichment check.
    #[arg(long)]
    pub skip_dry_run: bool,
    /// Do not add --build_event_json_file to a `bazel test`; discover outputs in bazel-testlogs.
    #[arg(long)]
    pub no_bep: bool,
    #[command(flatten, next_help_heading = "Remote cache (with build events)")]
    pub remote: RemoteArgs,
    /// The test command, after `--`.
    #[arg(last = true, required = true, value_name = "TEST_COMMAND")]
    pub command: Vec<OsString>,
}

/// Outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Ok,
    Failed(u8),
    Skipped,
}

impl Step {
    fn show(self) -> String {
        match self {
            Step::Ok => "ok".into(),
            Step::Failed(c) => format!("failed ({c})"),
            Step::Skipped => "skipped".into(),
        }
    }
}

fn say(msg: &str) {
    eprintln!("[topt ci] {msg}");
}

pub fn run(args: Args) -> ExitCode {
    let Some(program) = args.command.first() else {
        say("error: missing test command after --");
        return ExitCode::from(2);
    };
    // Ctrl-C reaches the children (same process group); ci itself just notes it and stops after
    // the running step instead of dying and leaving it orphaned.
    crate::upload::interrupt::install();
    let events = if args.no_bep {
        None
    } else {
        match BuildEvents::for_command(&args.command) {
            Ok(e) => e,
            Err(e) => {
                say(&format!("error: {e}"));
                return ExitCode::from(2);
            }
        }
    };
    let command = events
        .as_ref()
        .map_or_else(|| args.command.clone(), |e| e.command.clone());
    let rest = &command[1..];
    say(&format!(
        "running tests: {}",
        redact_command(&command).join(" ")
    ));
    let started = SystemTime::now();
    let tests = match Command::new(program).args(rest).status() {
        Ok(s) => code_of(s),
        Err(e) => {
            say(&format!(
                "error: cannot run {}: {e}",
                program.to_string_lossy()
            ));
            return ExitCode::from(127);
        }
    };
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            say(&format!("error: cannot locate the topt binary: {e}"));
            return ExitCode::from(2);
        }
    };
    if crate::upload::interrupt::requested() {
        say("interrupted: not checking or uploading");
        return ExitCode::from(130);
    }
    let bep = events.as_ref().and_then(|e| {
        let there = e.file.is_file();
        if !there {
            say(&format!(
                "no build event file at {} (the test command did not write it): reading bazel-testlogs",
                e.file.display()
            ));
        }
        there.then_some(e.file.as_path())
    });
    let (doctor, dry_run, upload) = check_and_upload(&args, &exe, started, bep);
    let test_step = if tests == 0 {
        Step::Ok
    } else {
        Step::Failed(tests)
    };
    say(&format!(
        "tests: {}, doctor: {}, dry-run: {}, upload: {}",
        test_step.show(),
        doctor.show(),
        dry_run.show(),
        upload.show()
    ));
    let code = if crate::upload::interrupt::requested() && upload != Step::Ok {
        130
    } else if tests != 0 {
        tests
    } else {
        [doctor, dry_run, upload]
            .iter()
            .find_map(|s| {
                if let Step::Failed(c) = s {
                    Some(*c)
                } else {
                    None
                }
            })
            .unwrap_or(0)
    };
    ExitCode::from(code)
}

/// The build event file of a `bazel test` command: the one it names, or one ci adds.
#[derive(Debug)]
struct BuildEvents {
    /// The command to run (with `--build_event_json_file` when ci added it).
    command: Vec<OsString>,
    file: PathBuf,
    /// Holds the file ci asked for; removed when ci ends.
    _dir: Option<tempfile::TempDir>,
}

const BEP_FLAG: &str = "--build_event_json_file";

impl BuildEvents {
    /// `Ok(None)` for a command that is not `bazel* [startup options] test|coverage …`, or that
    /// disables the file (`--build_event_json_file=`).
    fn for_command(command: &[OsString]) -> Result<Option<BuildEvents>, String> {
        let Some((verb, named)) = bazel_test(command) else {
            return Ok(None);
        };
        match named {
            Some(f) if f.as_os_str().is_empty() => Ok(None),
            Some(f) => Ok(Some(BuildEvents {
                command: command.to_vec(),
                file: absolute(&f),
                _dir: None,
            })),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("topt-ci-")
                    .tempdir()
                    .map_err(|e| format!("cannot create a directory for the build events: {e}"))?;
                let file = dir.path().join("build_events.json");
                let mut flag = OsString::from(format!("{BEP_FLAG}="));
                flag.push(&file);
                let mut cmd = command.to_vec();
                cmd.insert(verb + 1, flag);
                Ok(Some(BuildEvents {
                    command: cmd,
                    file,
                    _dir: Some(dir),
                }))
            }
        }
    }
}

/// For `bazel* [--startup …] test|coverage [args] [-- targets]`: the verb's index and the build
/// event file the command names (before `--`), if any.
fn bazel_test(command: &[OsString]) -> Option<(usize, Option<PathBuf>)> {
    let program = Path::new(command.first()?).file_name()?.to_string_lossy();
    if !program.starts_with("bazel") {
        return None;
    }
    // Startup options come as --name=value or --[no]name: the verb is the first non-option.
    let verb = command
        .iter()
        .skip(1)
        .position(|a| !a.as_encoded_bytes().starts_with(b"-"))?
        + 1;
    if !matches!(command[verb].to_str(), Some("test" | "coverage")) {
        return None;
    }
    let mut named = None;
    let mut args = command[verb + 1..].iter();
    while let Some(a) = args.next() {
        if a == OsStr::new("--") {
            break;
        }
        if a == OsStr::new(BEP_FLAG) {
            named = args.next().map(PathBuf::from);
        } else if let Some(v) = a
            .as_encoded_bytes()
            .strip_prefix(format!("{BEP_FLAG}=").as_bytes())
        {
            named = Some(PathBuf::from(OsStr::from_bytes(v)));
        }
    }
    Some((verb, named))
}

/// Bazel resolves a relative path against the directory it was started in: ci's.
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_path_buf();
    }
    std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
}

/// Doctor, dry-run and upload, each skipped when an earlier one failed.
fn check_and_upload(
    args: &Args,
    exe: &Path,
    started: SystemTime,
    bep: Option<&Path>,
) -> (Step, Step, Step) {
    let mut common: Vec<OsString> = Vec::new();
    if let Some(b) = bep {
        common.extend(["--bep".into(), b.into()]);
        common.extend(args.remote.to_args());
    }
    if let Ok(t) = started.duration_since(SystemTime::UNIX_EPOCH) {
        common.extend([
            "--invocation-start".into(),
            format!("{:.3}", t.as_secs_f64()).into(),
        ]);
    }
    if let Some(t) = &args.testlogs {
        common.extend(["--testlogs".into(), t.clone().into()]);
    }
    for c in &args.context {
        common.extend(["--context".into(), c.into()]);
    }
    if let Some(m) = &args.context_manifest {
        common.extend(["--context-manifest".into(), m.clone().into()]);
    }
    let doctor = if args.skip_doctor {
        Step::Skipped
    } else {
        say("doctor");
        step(
            Command::new(exe)
                .arg("doctor")
                .args(&common)
                .args(&args.doctor_arg),
        )
    };
    // The tests have exited, so their payloads are final: no quiescence wait unless asked for.
    let mut upload_common = common.clone();
    if std::env::var_os("DD_TEST_OPTIMIZATION_QUIESCENT_SEC").is_none() {
        upload_common.extend(["--quiescent-sec".into(), "0".into()]);
    }
    if std::env::var_os("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC").is_none() {
        upload_common.extend(["--max-wait-sec".into(), "0".into()]);
    }
    let dry_run = if args.skip_dry_run || matches!(doctor, Step::Failed(_)) {
        Step::Skipped
    } else {
        say("dry-run enrichment check");
        step(
            Command::new(exe)
                .args(["upload", "--dry-run", "--validate-enrichment"])
                .args(&upload_common)
                .args(&args.upload_arg),
        )
    };
    let upload = if crate::upload::interrupt::requested() {
        say("interrupted: not uploading");
        Step::Skipped
    } else if matches!(doctor, Step::Failed(_)) || matches!(dry_run, Step::Failed(_)) {
        say("not uploading: fix the problems reported above, then re-run `topt upload`");
        Step::Skipped
    } else {
        say("upload");
        step(
            Command::new(exe)
                .arg("upload")
                .args(&upload_common)
                .args(&args.upload_arg),
        )
    };
    (doctor, dry_run, upload)
}

fn step(cmd: &mut Command) -> Step {
    match cmd.status() {
        Ok(s) if s.success() => Step::Ok,
        Ok(s) => Step::Failed(code_of(s).max(1)),
        Err(e) => {
            say(&format!("error: {e}"));
            Step::Failed(2)
        }
    }
}

/// Arguments naming a secret: `NAME=VALUE` (alone or after `--flag=`) whose NAME says so.
const SECRET_WORDS: [&str; 5] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"];

/// Flags whose value is an HTTP header, i.e. usually a credential (`--remote_header=…`,
/// `--bes_header=…`, `--remote_cache_header=…`, …).
fn is_header_flag(flag: &str) -> bool {
    flag.starts_with("--") && flag.ends_with("header")
}

/// The command as echoed: every secret replaced by `<redacted>`, so a CI log never shows it.
pub fn redact_command(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut header_next = false;
    for a in args {
        let a = a.to_string_lossy();
        if std::mem::take(&mut header_next) {
            out.push("<redacted>".to_string());
            continue;
        }
        out.push(redact_arg(&a, &mut header_next));
    }
    out
}

fn redact_arg(a: &str, header_next: &mut bool) -> String {
    let (flag, rest) = match a.split_once('=') {
        Some((f, r)) if f.starts_with('-') => (Some(f), r),
        _ => (None, a),
    };
    if let Some(f) = flag
        && is_header_flag(f)
    {
        return format!("{f}=<redacted>");
    }
    if flag.is_none() && is_header_flag(a) {
        *header_next = true;
        return a.to_string();
    }
    let redacted = match rest.split_once('=') {
        Some((name, value))
            if !value.is_empty()
                && SECRET_WORDS
                    .iter()
                    .any(|w| name.to_ascii_uppercase().contains(w)) =>
        {
            format!("{name}=<redacted>")
        }
        _ => redact::text(rest),
    };
    match flag {
        Some(f) => format!("{f}={redacted}"),
        None => redacted,
    }
}

/// Exit code of a child; killed by a signal ⇒ 128 + signal, like a shell.
fn code_of(s: std::process::ExitStatus) -> u8 {
    if let Some(c) = s.code() {
        return u8::try_from(c).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return u8::try_from(128 + sig).unwrap_or(1);
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_build_event_file_goes_right_after_the_test_verb() {
        let e = BuildEvents::for_command(&os(&[
            "/usr/bin/bazel",
            "--batch",
            "--output_base=/ob",
            "test",
            "--config=ci",
            "--",
            "//...",
            "-//slow/...",
        ]))
        .unwrap()
        .unwrap();
        let shown: Vec<String> = e
            .command
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            shown[..4],
            ["/usr/bin/bazel", "--batch", "--output_base=/ob", "test"]
        );
        assert_eq!(shown[4], format!("{BEP_FLAG}={}", e.file.display()));
        assert_eq!(shown[5..], ["--config=ci", "--", "//...", "-//slow/..."]);
        assert!(e.file.parent().is_some_and(Path::is_dir));
        let e = BuildEvents::for_command(&os(&["bazelisk", "coverage", "//..."]))
            .unwrap()
            .unwrap();
        assert_eq!(e.command.len(), 4);
    }

    #[test]
    fn a_build_event_file_the_command_names_is_read_and_nothing_added() {
        for cmd in [
            &["bazel", "test", "--build_event_json_file=ev.json", "//..."][..],
            &[
                "bazel",
                "test",
                "--build_event_json_file",
                "ev.json",
                "//...",
            ],
        ] {
            let e = BuildEvents::for_command(&os(cmd)).unwrap().unwrap();
            assert_eq!(e.command, os(cmd));
            assert_eq!(e.file, std::env::current_dir().unwrap().join("ev.json"));
        }
        // After `--` it is a target pattern, not a flag.
        let cmd = ["bazel", "test", "--", "--build_event_json_file=x"];
        let e = BuildEvents::for_command(&os(&cmd)).unwrap().unwrap();
        assert_eq!(e.command.len(), 5);
        // Disabled, another verb, another program: nothing.
        for cmd in [
            &["bazel", "test", "--build_event_json_file=", "//..."][..],
            &["bazel", "build", "//..."],
            &["bazel", "--output_base", "/ob", "test", "//..."],
            &["sh", "-c", "bazel test //..."],
            &["make", "test"],
        ] {
            assert!(
                BuildEvents::for_command(&os(cmd)).unwrap().is_none(),
                "{cmd:?}"
            );
        }
    }

    #[test]
    fn echoed_commands_hide_secrets() {
        let args: Vec<OsString> = [
            "bazel",
            "test",
            "--repo_env=DD_API_KEY=abc123",
            "--repo_env=DD_API_KEY",
            "--action_env=GITHUB_TOKEN=ghp_x",
            "--remote_header=x-buildbuddy-api-key=bb1",
            "--bes_header",
            "Authorization=Bearer t0k",
            "--remote_cache=grpcs://user:pw@cache.example:443",
            "MY_SECRET=s",
            "--test_output=errors",
            "//...",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let shown = redact_command(&args).join(" ");
        for secret in ["abc123", "ghp_x", "bb1", "t0k", "pw@", "=s "] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("--repo_env=DD_API_KEY=<redacted>"));
        assert!(
            shown.contains("--repo_env=DD_API_KEY "),
            "a bare name stays: {shown}"
        );
        assert!(shown.contains("--remote_header=<redacted>"));
        assert!(shown.contains("--bes_header <redacted>"));
        assert!(shown.contains("--test_output=errors //..."));
    }
}
