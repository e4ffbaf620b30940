//! The 2.x conformance suite through real HTTP: the SDK's built-in server, with the handler
//! speaking `Protocol::V2`, answers each vector as the 2.2.2 Python SDK did, and fails the
//! failing ones with an error status (the 2.x runtime retries those).

#[path = "support/conformance_v2_functions.rs"]
mod conformance_v2_functions;
#[path = "support/http_client.rs"]
mod http_client;

use http_client::{TestServer, post};
use statefun_tests::conformance_v2::{Outcome, cases, check_all, verdict};

#[tokio::test]
async fn every_2x_conformance_case_over_http() {
    let server =
        TestServer::start(conformance_v2_functions::conformance_v2_handler().into_service()).await;
    let url = server.url("/statefun");
    let cases = cases();
    let mut answers = Vec::new();
    for case in &cases {
        answers.push(post(&url, case.request.clone()).await);
    }
    let mut answers = answers.into_iter();
    check_all(&cases, |case| {
        let answer = answers.next().expect("one answer per case");
        let outcome = if answer.status == 200 {
            if answer.content_type.as_deref() != Some("application/octet-stream") {
                return Err(format!("200 with content type {:?}", answer.content_type));
            }
            Ok(&answer.body[..])
        } else {
            if matches!(case.outcome, Outcome::Error(_)) && answer.status < 400 {
                return Err(format!("a failure answered HTTP {}", answer.status));
            }
            Err(format!("HTTP {}: {}", answer.status, answer.text()))
        };
        verdict(case, outcome)
    });
    server.shut_down().await;
}
