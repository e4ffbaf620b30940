//! The README's walkthrough, over real HTTP: PUT greet requests into the playground ingress,
//! GET the greetings from the egress.

use bytes::Bytes;
use greeter::local::{self, Ports};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

async fn call(method: &str, url: String, content_type: Option<&str>, body: &str) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = http::Request::builder().method(method).uri(url);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = client
        .request(
            request
                .body(Full::new(Bytes::from(body.to_owned())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The next greeting; the runtime processes the ingress message asynchronously, so an
/// empty topic (404) is retried a bounded number of times.
async fn next_greeting(egress: std::net::SocketAddr) -> String {
    for _ in 0..500 {
        match call("GET", format!("http://{egress}/greetings"), None, "").await {
            (200, greeting) => return greeting,
            (404, _) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            (status, body) => panic!("GET /greetings answered {status}: {body}"),
        }
    }
    panic!("no greeting arrived");
}

#[tokio::test(flavor = "multi_thread")]
async fn bob_is_welcomed_then_greeted_again_and_alice_is_welcomed() {
    let running = local::start(Ports {
        functions: 0,
        ingress: 0,
        egress: 0,
    })
    .await
    .unwrap();
    let (ingress, egress) = (running.ingress(), running.egress());
    let greet = |name: &'static str| {
        call(
            "PUT",
            format!("http://{ingress}/example/person/{name}"),
            Some("application/vnd.example/GreetRequest"),
            if name == "Bob" {
                r#"{"name": "Bob"}"#
            } else {
                r#"{"name": "Alice"}"#
            },
        )
    };

    assert_eq!(greet("Bob").await.0, 200);
    assert_eq!(next_greeting(egress).await, "Welcome Bob");
    assert_eq!(greet("Bob").await.0, 200);
    assert_eq!(next_greeting(egress).await, "Nice to see you again Bob");
    assert_eq!(greet("Alice").await.0, 200);
    assert_eq!(next_greeting(egress).await, "Welcome Alice");
    assert_eq!(greet("Bob").await.0, 200);
    assert_eq!(next_greeting(egress).await, "Third time is a charm Bob");

    assert_eq!(
        call("GET", format!("http://{egress}/greetings"), None, "")
            .await
            .0,
        404,
        "nothing more"
    );
    let person = statefun_runtime::protocol::Address::new("example", "person", "Bob");
    let visits = running
        .statefun
        .runtime()
        .state(&person, "visits")
        .expect("Bob's visits");
    assert_eq!(
        visits.value.as_ref(),
        [0x0D, 3, 0, 0, 0],
        "three visits as an io.statefun.types/int"
    );
    running.shutdown().await;
}

#[test]
fn greetings_follow_the_playground_templates() {
    assert_eq!(greeter::greeting("Bob", 1), "Welcome Bob");
    assert_eq!(greeter::greeting("Bob", 2), "Nice to see you again Bob");
    assert_eq!(greeter::greeting("Bob", 3), "Third time is a charm Bob");
    assert_eq!(
        greeter::greeting("Bob", 4),
        "Nice to see you at the 4-nth time Bob!"
    );
}
