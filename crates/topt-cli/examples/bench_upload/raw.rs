//! The raw limits, each a process of its own like the program it bounds: read every payload file
//! and POST it as it is (`raw-post`), read every payload file and parse it as JSON (`raw-parse`),
//! and a bare HTTP sink that reads each request and answers 200 (`sink`). No claims, no checks,
//! no enrichment: only what the work cannot do without.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{raw_post, tree};

/// `raw-post URL TESTLOGS WORKERS`: `WORKERS` threads over kept-alive connections, as the
/// uploader's workers.
pub fn post_main(args: &[String]) {
    let (url, testlogs, workers) = (&args[0], Path::new(&args[1]), args[2].parse().unwrap());
    let files = tree::payload_files(testlogs);
    let agent = raw_post::agent(workers);
    each(&files, workers, |p| {
        raw_post::post(&agent, url, &std::fs::read(p).unwrap());
    });
}

/// `raw-parse TESTLOGS THREADS [validate]`: what any validation must at least do: read each file
/// and parse it as JSON into `serde_json::Value`, or, with `validate`, check every byte (syntax,
/// UTF-8, escapes, numbers) and build nothing.
pub fn parse_main(args: &[String]) {
    let (testlogs, threads) = (Path::new(&args[0]), args[1].parse().unwrap());
    let validate = args.get(2).is_some_and(|a| a == "validate");
    let files = tree::payload_files(testlogs);
    each(&files, threads, |p| {
        let body = std::fs::read(p).unwrap();
        if validate {
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).unwrap();
        } else {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(v.is_object());
        }
    });
}

fn each(files: &[PathBuf], threads: usize, work: impl Fn(&Path) + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(p) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    work(p);
                }
            });
        }
    });
}

/// `sink ADDR_FILE`: reads each request (Content-Length body) and answers 200, nothing else.
pub fn sink_main(args: &[String]) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let tmp = format!("{}.tmp", args[0]);
    std::fs::write(&tmp, format!("http://{}", l.local_addr().unwrap())).unwrap();
    std::fs::rename(&tmp, &args[0]).unwrap();
    for s in l.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = s.set_nodelay(true);
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let mut line = String::new();
            loop {
                let mut len = 0usize;
                let mut first = true;
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" && !first {
                        break;
                    }
                    first = false;
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err()
                    || w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                        .is_err()
                {
                    return;
                }
            }
        });
    }
}
