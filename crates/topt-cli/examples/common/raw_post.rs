//! The raw POST the benchmarks' send limits use (`bench_upload`, `bench_remote`): the payload's
//! bytes as they are, with the headers a tracer's request carries, over kept-alive connections.

/// An agent keeping `connections` connections (and room) alive, statuses not turned into errors.
pub fn agent(connections: usize) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections_per_host(connections * 2)
        .build()
        .into()
}

/// POSTs `body` to `url` and reads the answer; panics unless it is a 2xx.
pub fn post(agent: &ureq::Agent, url: &str, body: &[u8]) {
    let mut resp = agent
        .post(url)
        .header("DD-API-KEY", "bench")
        .header("Content-Type", "application/json")
        .header("Datadog-Meta-Lang", "python")
        .header("Datadog-Meta-Tracer-Version", "3.9.0")
        .send(body)
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let _ = resp.body_mut().read_to_vec();
}
