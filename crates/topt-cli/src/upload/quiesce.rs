//! Waiting until tests stopped writing: polls the payload files (counted recursively, zips
//! included) and proceeds once the newest is `quiescent` old, or `max_wait` elapsed. A tree where
//! nothing ran, or where every result came from a cache, ends at once: no payload is coming.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::interrupt;
use crate::counted::counted;
use crate::outputs::Attempt;
use crate::outputs::cached;
use crate::outputs::testlogs as discover;

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub quiescent: Duration,
    pub max_wait: Duration,
    pub poll: Duration,
}

#[derive(Debug)]
pub enum Outcome {
    /// Go ahead with these directories, which hold about `files` payload files.
    Ready {
        attempts: Vec<Attempt>,
        files: usize,
    },
    /// No payload files; `results` test results exist, `cached` of them came from a cache.
    Nothing {
        results: usize,
        cached: usize,
        dirs: usize,
    },
    Interrupted,
}

pub fn wait(
    root: &Path,
    max_depth: usize,
    invocation_start: Option<SystemTime>,
    t: Timing,
    log: &dyn Fn(&str),
    warnings: &mut Vec<String>,
) -> Outcome {
    let start = Instant::now();
    let mut first = true;
    loop {
        if interrupt::requested() {
            return Outcome::Interrupted;
        }
        let mut w = Vec::new();
        let dirs = discover::find_outputs(root, max_depth, invocation_start, &mut w);
        // Without a wait only the count is used (a stat per file saved).
        let waits = !(t.quiescent.is_zero() || t.max_wait.is_zero());
        let (n, newest) = discover::activity(&dirs, waits);
        let elapsed = start.elapsed();
        if n == 0 {
            let results = cached::results(root, invocation_start);
            let cached = results.iter().filter(|r| r.cached.is_some()).count();
            // Nothing ran, or every result came from a cache: no payload is coming.
            let settled = results.len() == cached && (cached > 0 || dirs.is_empty());
            if (first && settled) || t.max_wait.is_zero() || elapsed > t.max_wait {
                warnings.extend(w);
                return Outcome::Nothing {
                    results: results.len(),
                    cached,
                    dirs: dirs.len(),
                };
            }
            if first {
                log(&format!(
                    "no payload files yet; waiting up to {} s for tests to write them",
                    t.max_wait.as_secs()
                ));
            }
            first = false;
            sleep(t.poll);
            continue;
        }
        let idle = newest
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or(Duration::ZERO);
        // No wait asked for (topt ci: the tests have exited) is not a wait that ran out.
        let said = if !waits {
            Some(format!(
                "uploading {} (no quiescence wait asked for)",
                counted(n, "file", "files")
            ))
        } else if idle >= t.quiescent {
            Some(format!(
                "outputs quiescent for {} s ({n} files); starting upload",
                idle.as_secs()
            ))
        } else if elapsed > t.max_wait {
            Some(format!(
                "files still changing after the {} s --max-wait-sec; uploading them as they are ({n} files)",
                t.max_wait.as_secs()
            ))
        } else {
            None
        };
        if let Some(line) = said {
            log(&line);
            warnings.extend(w);
            return Outcome::Ready {
                attempts: dirs,
                files: n,
            };
        }
        if first {
            log(&format!(
                "payload files changed {} ms ago; waiting for {} s of quiet",
                idle.as_millis(),
                t.quiescent.as_secs()
            ));
        }
        first = false;
        sleep_towards_quiet(&t, idle, elapsed);
    }
}

/// One poll, cut short when the quiet period or the maximum wait ends sooner.
fn sleep_towards_quiet(t: &Timing, idle: Duration, elapsed: Duration) {
    let left_quiet = t.quiescent - idle;
    let left_total = t.max_wait.saturating_sub(elapsed) + Duration::from_millis(1);
    sleep(
        t.poll
            .min(left_quiet)
            .min(left_total)
            .max(Duration::from_millis(10)),
    );
}

/// Sleeps in short slices so Ctrl-C is noticed quickly.
pub fn sleep(d: Duration) {
    let end = Instant::now() + d;
    while !interrupt::requested() {
        let now = Instant::now();
        if now >= end {
            return;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}
