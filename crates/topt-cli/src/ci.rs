//! `topt ci -- <test command>`: tests, then doctor, then a dry-run enrichment check, then the real
//! upload. The test status wins; a doctor or dry-run failure stops the real upload; an upload
//! failure fails an otherwise green run. Each step is this same binary run as a child process, so
//! what `ci` does is exactly what the individual commands do. The steps get the time the tests
//! started (`--invocation-start`), so results Bazel served from its cache are not errors.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use crate::http::redact;

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

Exit status: the test command's status if it failed; else 1 (or the step's code) when the doctor,
the dry-run or the upload failed; else 0. If the tests fail, payloads are still checked and
uploaded (failed tests are what you want to see in Datadog). A warm cache is not a failure:
results older than the moment the test command started came from Bazel's cache, and their
payloads were sent by the run that executed them. The command is echoed with secrets redacted
(values of *KEY*/*TOKEN*/*SECRET*/*PASSWORD*=… arguments, --*header=…, URL credentials)."
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
    let Some((program, rest)) = args.command.split_first() else {
        say("error: missing test command after --");
        return ExitCode::from(2);
    };
    // Ctrl-C reaches the children (same process group); ci itself just notes it and stops after
    // the running step instead of dying and leaving it orphaned.
    crate::upload::interrupt::install();
    say(&format!(
        "running tests: {}",
        redact_command(&args.command).join(" ")
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
    let (doctor, dry_run, upload) = check_and_upload(&args, &exe, started);
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

/// Doctor, dry-run and upload, each skipped when an earlier one failed.
fn check_and_upload(args: &Args, exe: &std::path::Path, started: SystemTime) -> (Step, Step, Step) {
    let mut common: Vec<OsString> = Vec::new();
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
