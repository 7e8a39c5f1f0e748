//! Validation of user inputs, done before any request (a usage error exits 2).

use crate::http::ApiKey;

/// `out_dir` as a clean relative path inside the sync repository: trimmed, `\` read as `/`,
/// empty and `.` segments dropped; absolute paths, drive prefixes, `..` and control characters
/// are errors.
pub fn normalize_out_dir(raw: &str) -> Result<String, String> {
    let fix = "use a relative path inside the sync repository such as `.testoptimization`";
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(format!("--out-dir is empty; {fix}"));
    }
    if trimmed.contains(['\n', '\r', '\t']) {
        return Err(format!(
            "--out-dir {raw:?} contains a control character; {fix}"
        ));
    }
    let slashed = trimmed.replace('\\', "/");
    if slashed.starts_with('/') {
        return Err(format!("--out-dir {raw:?} is absolute; {fix}"));
    }
    if slashed.as_bytes().get(1) == Some(&b':') {
        return Err(format!("--out-dir {raw:?} has a drive prefix; {fix}"));
    }
    let mut parts = Vec::new();
    for part in slashed.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(format!("--out-dir {raw:?} contains `..`; {fix}")),
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err(format!("--out-dir {raw:?} names no directory; {fix}"));
    }
    Ok(parts.join("/"))
}

/// The service name, trimmed; empty or longer than 200 bytes is an error. A space is allowed
/// but suspicious, so it is reported as a warning (returned alongside).
pub fn validate_service(raw: &str) -> Result<(String, Option<String>), String> {
    let service = raw.trim();
    if service.is_empty() {
        return Err("the service name is empty; pass --service or set DD_SERVICE".to_owned());
    }
    if service.len() > 200 {
        return Err(format!(
            "the service name is {} bytes long (limit 200); pass a shorter --service",
            service.len()
        ));
    }
    let warning = service.contains(' ').then(|| {
        format!("service name {service:?} contains a space; Datadog service names usually do not")
    });
    Ok((service.to_owned(), warning))
}

/// The API key, by the rules every command shares ([`ApiKey::parse`]). Errors never echo it.
pub fn validate_api_key(raw: &str) -> Result<ApiKey, String> {
    ApiKey::parse(raw).map_err(|e| {
        // No value-less `--repo_env=DD_API_KEY` here: Bazel before 5.3 crashes on it.
        e.message(
            "DD_API_KEY is not set.\n\
             topt sync needs a Datadog API key to fetch test optimization metadata.\n\
             - In a shell: export DD_API_KEY=<your key>\n\
             - Under Bazel: set DD_API_KEY for the repository rule; see \
             docs/bazel.md#the-api-key for the form that works on your Bazel version. Never \
             pass it with --test_env: tests never need the key.",
        )
    })
}

/// Runtime name/version for requests and telemetry: trimmed, `unknown` when empty.
pub fn runtime_or_unknown(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        "unknown".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// One HTTP policy integer: the flag unless it is absent or `-1`, then the environment variable,
/// then the default. Env values must be plain base-10 integers (an optional `-`, digits).
pub fn policy_int(
    flag_name: &str,
    flag: Option<i64>,
    env_name: &str,
    env_value: &str,
    default: i64,
    min: i64,
) -> Result<i64, String> {
    let value = match flag {
        Some(v) if v != -1 => v,
        _ if !env_value.is_empty() => parse_plain_int(env_value).ok_or_else(|| {
            format!("{env_name}={env_value:?} is not a base-10 integer; unset it or fix the value")
        })?,
        _ => default,
    };
    if value < min {
        let bound = if min == 0 { ">= 0" } else { "> 0" };
        return Err(format!(
            "{flag_name} (or {env_name}) is {value}; it must be {bound} (default {default})"
        ));
    }
    Ok(value)
}

fn parse_plain_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_dir_normalises_and_rejects_escapes() {
        assert_eq!(normalize_out_dir("./foo//bar/").as_deref(), Ok("foo/bar"));
        assert_eq!(normalize_out_dir(" a\\b ").as_deref(), Ok("a/b"));
        for bad in ["", "foo/../bar", "/abs", "C:/x", "a\tb", "./."] {
            assert!(normalize_out_dir(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn service_rules() {
        assert!(validate_service("  ").is_err());
        assert!(validate_service(&"x".repeat(201)).is_err());
        assert_eq!(
            validate_service(" café ").map(|s| s.0).as_deref(),
            Ok("café")
        );
        assert!(matches!(validate_service("a b"), Ok((_, Some(_)))));
    }

    #[test]
    fn api_key_errors_never_echo_the_key() {
        let err = validate_api_key("secret\u{7}key").err().unwrap_or_default();
        assert!(
            !err.contains("secret") && err.contains("malformed"),
            "{err}"
        );
        let err = validate_api_key(" \n").err().unwrap_or_default();
        assert!(
            err.contains("DD_API_KEY is not set") && err.contains("docs/bazel.md#the-api-key"),
            "{err}"
        );
    }

    #[test]
    fn policy_precedence() {
        assert_eq!(policy_int("--x", Some(5), "X", "7", 10, 1), Ok(5));
        assert_eq!(policy_int("--x", Some(-1), "X", "7", 10, 1), Ok(7));
        assert_eq!(policy_int("--x", None, "X", "", 10, 1), Ok(10));
        assert!(policy_int("--x", None, "X", "+7", 10, 1).is_err());
        assert!(policy_int("--x", Some(0), "X", "", 10, 1).is_err());
        assert_eq!(policy_int("--x", Some(0), "X", "", 2, 0), Ok(0));
    }
}
