//! `topt inspect`: what libtopt sees in this environment. The first thing to run when a tracer
//! "does not see" its metadata or writes no payloads.

use std::process::ExitCode;

use serde_json::{Value, json};
use topt_core::cache::CacheFile;
use topt_core::config::{Config, Setting, vars};
use topt_core::context::Context;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Reads the same environment libtopt reads inside a test (once, at start) and reports:
the variables used and where each value came from, the runfiles mode, the resolved
manifest.txt and its version, every cache file with its resolved path and the source it
would be read from (canonical, module_file, filtered_bundle, full_bundle), the payload
directory, and why manifest mode or payload files are off.

Examples:
  # inside a test's environment (e.g. from a debugging test or `bazel run` wrapper)
  topt inspect
  # what a tracer for module github.com/acme/checkout/pkg/cart would read
  topt inspect --module github.com/acme/checkout/pkg/cart
  # machine-readable
  topt inspect --json

Exit status: 0 when manifest mode is on, 1 when it is off (the report says why), 2 when the
environment is broken (a malformed line anywhere in the runfiles manifest, or a malformed
_repo_mapping): unlike libtopt, which checks only the lines it reads, inspect checks them all.")]
pub struct Args {
    /// The tracer's module (test.module / bundle) to narrow cache files to.
    #[arg(long, value_name = "NAME")]
    module: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn setting(name: &str, s: &Setting) -> Value {
    json!({
        "name": name,
        "value": s.value.as_ref().map(|v| v.to_string_lossy().into_owned()),
        "origin": s.origin.describe(),
    })
}

fn settings(config: &Config) -> Vec<Value> {
    vec![
        setting("manifest_file", &config.manifest_file),
        setting("payloads_in_files", &config.payloads_in_files),
        setting("undeclared_outputs_dir", &config.undeclared_outputs_dir),
        setting("runfiles_manifest_file", &config.runfiles_manifest_file),
        setting("runfiles_dir", &config.runfiles_dir),
        setting("test_srcdir", &config.test_srcdir),
        setting("java_runfiles", &config.java_runfiles),
        setting("argv0", &config.argv0),
    ]
}

fn report(ctx: &Context, module: Option<&str>) -> Value {
    let manifest = ctx.manifest();
    let payloads = ctx.payloads();
    let runfiles = ctx.runfiles();
    let cache: Vec<Value> = CacheFile::ALL
        .iter()
        .map(|&file| match ctx.read_cache(file, module) {
            Ok(read) => json!({
                "file": file.name(),
                "path": read.path.display().to_string(),
                "source": read.source.name(),
                "bytes": read.bytes.len(),
            }),
            Err(err) => json!({
                "file": file.name(),
                "error": err.kind().name(),
                "message": err.message(),
            }),
        })
        .collect();
    json!({
        "settings": settings(ctx.config()),
        "runfiles": {
            "mode": runfiles.mode().name(),
            "origin": runfiles.origin().describe(),
            "manifest": runfiles.manifest_path().map(|p| p.display().to_string()),
            "directory": runfiles.directory().map(|p| p.display().to_string()),
            "repo_mapping": runfiles.repo_mapping().is_ok_and(|m| !m.is_empty()),
        },
        "manifest": {
            "enabled": manifest.enabled,
            "given": manifest.given,
            "origin": manifest.origin,
            "path": manifest.path.as_ref().map(|p| p.display().to_string()),
            "version": manifest.version,
            "diagnostic": manifest.diagnostic,
        },
        "module": module,
        "cache": cache,
        "payloads": {
            "enabled": payloads.enabled,
            "dir": payloads.dir.as_ref().map(|p| p.display().to_string()),
            "diagnostic": payloads.diagnostic,
        },
    })
}

fn text(value: &Value) -> String {
    let s = |v: &Value| match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    out.push_str("Environment (read once, as libtopt does):\n");
    for item in value["settings"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {:<24} {:<40} ({})\n",
            s(&item["name"]),
            s(&item["value"]),
            s(&item["origin"])
        ));
    }
    let r = &value["runfiles"];
    out.push_str(&format!(
        "Runfiles: {} mode, from {}; manifest {}; directory {}; repo mapping {}\n",
        s(&r["mode"]),
        s(&r["origin"]),
        s(&r["manifest"]),
        s(&r["directory"]),
        if r["repo_mapping"] == true {
            "yes"
        } else {
            "no"
        }
    ));
    let m = &value["manifest"];
    if m["enabled"] == true {
        out.push_str(&format!(
            "Manifest: ON  {} (version {}) from {}={}\n",
            s(&m["path"]),
            s(&m["version"]),
            s(&m["origin"]),
            s(&m["given"])
        ));
    } else {
        out.push_str(&format!("Manifest: OFF {}\n", s(&m["diagnostic"])));
    }
    if m["enabled"] != true {
        out.push_str("Cache files: not readable while manifest mode is off\n");
    } else if let Some(module) = value["module"].as_str() {
        out.push_str(&format!("Cache files for module {module}:\n"));
    } else {
        out.push_str("Cache files (no module given):\n");
    }
    let cache = if m["enabled"] == true {
        value["cache"].as_array()
    } else {
        None
    };
    for c in cache.into_iter().flatten() {
        if c.get("error").is_some() {
            out.push_str(&format!(
                "  {:<16} {}: {}\n",
                s(&c["file"]),
                s(&c["error"]),
                s(&c["message"])
            ));
        } else {
            out.push_str(&format!(
                "  {:<16} {} ({}, {} bytes)\n",
                s(&c["file"]),
                s(&c["path"]),
                s(&c["source"]),
                s(&c["bytes"])
            ));
        }
    }
    let p = &value["payloads"];
    if p["enabled"] == true {
        out.push_str(&format!("Payload files: ON  {}\n", s(&p["dir"])));
    } else {
        out.push_str(&format!("Payload files: OFF {}\n", s(&p["diagnostic"])));
    }
    out
}

pub fn run(args: Args) -> ExitCode {
    let ctx = match Context::from_env() {
        Ok(ctx) => ctx,
        Err(err) => {
            eprintln!("topt inspect: {} ({})", err.message(), err.kind().name());
            return ExitCode::from(2);
        }
    };
    let sorted = match ctx.runfiles().verify_manifest() {
        Ok(sorted) => sorted,
        Err(err) => {
            eprintln!("topt inspect: {} ({})", err.message(), err.kind().name());
            return ExitCode::from(2);
        }
    };
    let mut value = report(&ctx, args.module.as_deref());
    value["runfiles"]["manifest_sorted"] = json!(sorted);
    if args.json {
        println!("{value:#}");
    } else {
        print!("{}", text(&value));
        if !ctx.manifest().enabled {
            println!(
                "hint: tests get {} from the dd_topt_<lang>_test macros; outside Bazel set it to \
                 the absolute path of .testoptimization/manifest.txt",
                vars::MANIFEST_FILE
            );
        }
    }
    if ctx.manifest().enabled {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
