//! `topt intake`: a local stand-in for the Datadog intake (agentless) and the agent's EVP proxy.
//! It records exactly what it receives, serves the four sync API endpoints from fixtures, and can
//! inject faults (error bursts, 429 + Retry-After, broken connections, stalls, pattern rejects,
//! redirects).

mod faults;
mod fixtures;
pub(crate) mod http;
mod record;
mod routes;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use faults::{Fate, Fault, Faults};
use fixtures::Fixtures;
use http::Reply;
use record::Sink;
use routes::Route;

const EXAMPLES: &str = "\
Examples:
  # Start on a free port, write its URL for scripts, record every request:
  topt intake --port 0 --addr-file /tmp/intake.url --record /tmp/intake.jsonl &
  export DD_TEST_OPTIMIZATION_AGENTLESS_URL=$(cat /tmp/intake.url) DD_API_KEY=local
  topt sync ...            # served from the embedded API fixtures
  topt upload              # uploads land in /tmp/intake.jsonl

  # Pretend to be the agent (EVP proxy) instead:
  DD_TEST_OPTIMIZATION_AGENT_URL=$(cat /tmp/intake.url) topt upload

  # Fault injection: first 3 uploads get 503 with Retry-After: 1, every 7th connection breaks,
  # payloads containing 'Manual.BadRequest' are rejected with 400:
  topt intake --fail-first 3 --fail-status 503 --retry-after 1 --reset-every 7 \\
              --reject-status 400 --reject-pattern Manual.BadRequest

  # Answer every upload with 307 and a Location elsewhere (clients must not follow it):
  topt intake --redirect-to http://127.0.0.1:9/api/v2/citestcycle --redirect-status 307

Endpoints: POST /api/v2/{citestcycle,citestcov,apmtelemetry} (agentless, DD-API-KEY required),
POST /evp_proxy/v2/api/v2/{citestcycle,citestcov} and /telemetry/proxy/api/v2/apmtelemetry (agent,
DD-API-KEY forbidden), the four sync API endpoints, and GET /__intake/stats (counters as JSON).
Record format: one JSON object per request: seq, upload_seq, method, path, kind, headers (DD-API-KEY
shown as <redacted>), body_len, body_b64 (bytes as received), body (decoded: gunzipped JSON, or
multipart parts), status, fault, error.

Output: `PORT=<n>`, a listening line, then one line per request; --quiet prints nothing on stdout
(scripts read the URL from --addr-file instead).

Exit status: runs until stopped (Ctrl-C, SIGTERM); 2 when it cannot start (bad --api-fixtures,
--record not writable, cannot listen, cannot write --addr-file) or on a usage error.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    addr: String,
    /// Port to listen on; 0 picks a free one (printed as `PORT=<n>`, written to --addr-file).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write the base URL (`http://127.0.0.1:<port>`) to this file once listening.
    #[arg(long)]
    addr_file: Option<PathBuf>,
    /// Record every request: a `*.jsonl` path appends JSON lines, any other path is a directory
    /// that gets one `<seq>.json` file per request.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Directory whose settings.json / known_tests.json / test_management.json / flaky_tests.json
    /// replace the embedded API responses.
    #[arg(long)]
    api_fixtures: Option<PathBuf>,
    /// Answer the first N upload requests with --fail-status.
    #[arg(long, default_value_t = 0)]
    fail_first: u64,
    /// Status used by --fail-first (e.g. 503, 429, 500).
    #[arg(long, default_value_t = 503)]
    fail_status: u16,
    /// Send `Retry-After: S` with injected 429/5xx answers.
    #[arg(long)]
    retry_after: Option<u64>,
    /// Break the connection (TCP reset instead of an answer) on every Nth upload request.
    #[arg(long, default_value_t = 0)]
    reset_every: u64,
    /// Cut the answer to every Nth upload request after its headers, as a connection lost in
    /// transit would; the request itself is processed (a 2xx is recorded as accepted).
    #[arg(long, default_value_t = 0)]
    truncate_every: u64,
    /// Only the first N upload requests stall (default: all of them, when --stall-ms is set).
    #[arg(long)]
    stall_first: Option<u64>,
    /// Delay answers to upload requests by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    stall_ms: u64,
    /// Status for uploads whose (decoded) body contains --reject-pattern.
    #[arg(long, default_value_t = 400)]
    reject_status: u16,
    /// Reject uploads whose body contains this text.
    #[arg(long)]
    reject_pattern: Option<String>,
    /// Answer every upload request with --redirect-status and this `Location` (sent as given).
    #[arg(long, value_name = "URL")]
    redirect_to: Option<String>,
    /// Status used by --redirect-to (301, 302, 303, 307 or 308).
    #[arg(long, default_value_t = 302)]
    redirect_status: u16,
    /// Print nothing on stdout: no `PORT=<n>`, listening line or per-request lines.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug)]
struct State {
    fixtures: Fixtures,
    faults: Faults,
    retry_after: Option<u64>,
    redirect: Option<(u16, String)>,
    sink: Sink,
    quiet: bool,
    seq: AtomicU64,
    accepted: [AtomicU64; 3],
    requests: AtomicU64,
}

pub fn run(args: Args) -> ExitCode {
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[topt intake] error: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: Args) -> Result<(), String> {
    let fixtures = Fixtures::load(args.api_fixtures.as_deref())?;
    let sink = Sink::open(args.record.clone())?;
    let (listener, addr) = http::bind(&args.addr, args.port)
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.addr, args.port))?;
    let url = format!("http://{addr}");
    if !args.quiet {
        println!("PORT={}", addr.port());
        println!("[topt intake] listening on {url}");
        let _ = std::io::stdout().flush();
    }
    if let Some(f) = &args.addr_file {
        let tmp = f.with_extension("tmp-topt");
        std::fs::write(&tmp, format!("{url}\n"))
            .and_then(|()| std::fs::rename(&tmp, f))
            .map_err(|e| format!("cannot write {}: {e}", f.display()))?;
    }
    let state = Arc::new(State {
        fixtures,
        faults: Faults::new(
            args.fail_first,
            args.fail_status,
            args.reset_every,
            args.truncate_every,
            args.stall_first.unwrap_or(u64::MAX),
            args.stall_ms,
            args.reject_status,
            args.reject_pattern,
        ),
        retry_after: args.retry_after,
        redirect: args.redirect_to.map(|to| (args.redirect_status, to)),
        sink,
        quiet: args.quiet,
        seq: AtomicU64::new(0),
        accepted: Default::default(),
        requests: AtomicU64::new(0),
    });
    let handler: Arc<http::Handler> = Arc::new(move |req| handle(req, &state));
    http::serve(listener, handler);
    Ok(())
}

fn json_reply(status: u16, body: &Value, retry_after: Option<u64>) -> Reply {
    Reply::Json {
        status,
        body: body.to_string(),
        retry_after,
    }
}

fn handle(req: http::Request, st: &State) -> Reply {
    let seq = st.seq.fetch_add(1, Ordering::SeqCst) + 1;
    st.requests.fetch_add(1, Ordering::SeqCst);
    let (method, path) = (req.method.as_str(), req.path.as_str());
    let route = Route::of(path, method == "POST" && st.fixtures.get(path).is_some());
    let header = |name: &str| req.header(name).map(str::to_string);
    let record = |n: u64, view: Value| {
        let body: &[u8] = if matches!(st.sink, Sink::None) {
            &[]
        } else {
            &req.body
        };
        let mut rec = base_record(seq, n, method, path, route, &req.headers, body, view);
        if let Some(m) = rec.as_object_mut() {
            m.insert("remote".into(), Value::String(req.remote.clone()));
        }
        rec
    };
    match route {
        Route::Stats => {
            let a = |i: usize| st.accepted[i].load(Ordering::SeqCst);
            let stats = json!({"requests": st.requests.load(Ordering::SeqCst),
                "accepted": {"citestcycle": a(0), "citestcov": a(1), "apmtelemetry": a(2)}});
            return json_reply(200, &stats, None);
        }
        Route::Api => {
            finish_record(st, seq, record(0, Value::Null), 200, None, None);
            let body = st.fixtures.get(path).unwrap_or("{}").to_string();
            return Reply::Json {
                status: 200,
                body,
                retry_after: None,
            };
        }
        Route::Unknown => {
            finish_record(
                st,
                seq,
                record(0, Value::Null),
                404,
                None,
                Some("unknown path"),
            );
            return json_reply(404, &json!({"error": "unknown path"}), None);
        }
        _ => {}
    }
    let content_type = header("Content-Type").unwrap_or_default();
    let gzip = header("Content-Encoding").is_some_and(|v| v.contains("gzip"));
    // Decoding costs as much as serving: only when recording or matching a reject pattern.
    let recording = !matches!(st.sink, Sink::None);
    let (plain, view) = if recording || st.faults.reject_pattern.is_some() {
        record::decoded_body(&req.body, &content_type, gzip)
    } else {
        (Vec::new(), Value::Null)
    };
    let validation = if method == "POST" {
        route.validate(&header)
    } else {
        Err("only POST is served".into())
    };
    let fate = match &validation {
        Ok(()) => st.faults.next(&String::from_utf8_lossy(&plain)),
        Err(_) => Fate::NONE,
    };
    let (n, stall, fault) = (fate.n, fate.stall_ms, fate.fault);
    let rec = record(n, view);
    if stall > 0 {
        std::thread::sleep(Duration::from_millis(stall));
    }
    if let (Ok(()), Some((status, location))) = (&validation, &st.redirect) {
        finish_record(st, seq, rec, *status, Some("redirect"), None);
        return Reply::Redirect {
            status: *status,
            location: location.clone(),
        };
    }
    let (status, fault_name) = match (&validation, fault) {
        (Err(_), _) => (400, None),
        (Ok(()), Fault::Reset) => {
            finish_record(st, seq, rec, 0, Some("reset"), None);
            return Reply::Reset;
        }
        (Ok(()), Fault::Status(s)) => (s, Some("status")),
        (Ok(()), Fault::None) => (202, if stall > 0 { Some("stall") } else { None }),
    };
    let err = validation.as_ref().err().map(String::as_str);
    let truncate = fate.truncate && err.is_none();
    let fault_name = if truncate {
        Some("truncate")
    } else {
        fault_name
    };
    finish_record(st, seq, rec, status, fault_name, err);
    answer_upload(st, route, status, err, truncate)
}

/// The answer to a recorded upload request: counted when accepted, cut short when truncated.
fn answer_upload(
    st: &State,
    route: Route,
    status: u16,
    err: Option<&str>,
    truncate: bool,
) -> Reply {
    if (200..300).contains(&status) {
        let idx = match route {
            Route::TestCycle { .. } => 0,
            Route::Coverage { .. } => 1,
            _ => 2,
        };
        st.accepted[idx].fetch_add(1, Ordering::SeqCst);
    }
    if truncate {
        return Reply::Truncated { status };
    }
    let retry_after = if status == 429 || status >= 500 {
        st.retry_after
    } else {
        None
    };
    let answer = match err {
        Some(e) => json!({"error": e}),
        None if (200..300).contains(&status) => json!({}),
        None => json!({"error": format!("injected status {status}")}),
    };
    json_reply(status, &answer, retry_after)
}

#[allow(clippy::too_many_arguments)]
fn base_record(
    seq: u64,
    upload_seq: u64,
    method: &str,
    path: &str,
    route: Route,
    headers: &[(String, String)],
    body: &[u8],
    view: Value,
) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    json!({"seq": seq, "upload_seq": upload_seq, "time_ms": now as u64, "method": method, "path": path,
        "kind": route.name(), "headers": record::headers_json(headers), "body_len": body.len(),
        "body_b64": record::base64(body), "body": view})
}

fn finish_record(
    st: &State,
    seq: u64,
    mut rec: Value,
    status: u16,
    fault: Option<&str>,
    error: Option<&str>,
) {
    if let Some(m) = rec.as_object_mut() {
        m.insert("status".into(), json!(status));
        m.insert("fault".into(), json!(fault));
        m.insert("error".into(), json!(error));
    }
    st.sink.write(seq, &rec);
    if !st.quiet {
        let path = rec.get("path").and_then(Value::as_str).unwrap_or_default();
        let shown = if status == 0 {
            "reset".to_string()
        } else {
            status.to_string()
        };
        println!(
            "[topt intake] #{seq} POST {path} -> {shown}{}",
            error.map(|e| format!(" ({e})")).unwrap_or_default()
        );
    }
}
