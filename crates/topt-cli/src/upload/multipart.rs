//! The coverage request body: `multipart/form-data` with an `event` part and the raw `coveragex` file.

/// Builds (content type, body) for one coverage file. `msgpack` switches the part's type and name.
pub fn coverage_body(coverage: &[u8], msgpack: bool) -> (String, Vec<u8>) {
    let boundary = format!("topt-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let (fname, ctype) = if msgpack {
        ("filecoveragex.msgpack", "application/msgpack")
    } else {
        ("filecoveragex.json", "application/json")
    };
    let mut body = Vec::with_capacity(coverage.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"event\"; filename=\"fileevent.json\"\r\n\
             Content-Type: application/json\r\n\r\n{{\"dummy\":true}}\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"coveragex\"; filename=\"{fname}\"\r\n\
             Content-Type: {ctype}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(coverage);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
