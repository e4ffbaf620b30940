//! The runtime over real HTTP: a hand-written greeter served by hyper on 127.0.0.1, and
//! retries of failed calls (5xx, dropped connections, wrong content type, undecodable
//! bodies, refused connections) with an exactly-once effect, and HTTPS with a CA from
//! module.yaml's `trust_cacerts`.

mod runtime_support;

use std::time::Duration;

use runtime_support::function::spec;
use runtime_support::server::Fault;
use runtime_support::{Functions, TestServer, as_int, as_string, int, string};
use statefun_protocol::{Address, typename};
use statefun_runtime::transport::{
    HttpTransport, HttpTransportConfig, TransportErrorKind, UrlTemplate,
};
use statefun_runtime::{Endpoint, ErrorKind, Harness};

/// Greets by name and counts the visits of each person.
fn greeter() -> Functions {
    Functions::new().with(
        "example/greeter",
        vec![spec("seen", typename::INT)],
        |context, argument| {
            let seen = context.get("seen").map_or(0, |seen| as_int(&seen)) + 1;
            context.set("seen", int(seen));
            let name = as_string(argument);
            context.egress(
                "example/greetings",
                string(&format!("Hello {name}, visit #{seen}")),
            );
        },
    )
}

#[tokio::test]
async fn a_greeter_over_http_keeps_its_state_across_visits() {
    let server = TestServer::start(greeter()).await;
    let harness = Harness::builder()
        .url("example/*", &server.url("/statefun/{function.name}"))
        .egress("example/greetings")
        .build()
        .unwrap();
    let bob = Address::new("example", "greeter", "bob");
    let ann = Address::new("example", "greeter", "ann");
    for (address, name) in [(&bob, "Bob"), (&ann, "Ann"), (&bob, "Bob")] {
        harness.send(address.clone(), string(name)).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }
    let greetings: Vec<_> = harness
        .egress("example/greetings")
        .iter()
        .map(as_string)
        .collect();
    assert_eq!(
        greetings,
        [
            "Hello Bob, visit #1",
            "Hello Ann, visit #1",
            "Hello Bob, visit #2"
        ]
    );
    assert_eq!(harness.state(&bob, "seen").map(|v| as_int(&v)), Some(2));
    assert_eq!(harness.state(&ann, "seen").map(|v| as_int(&v)), Some(1));
}

#[tokio::test]
async fn failed_calls_are_retried_with_the_same_batch_and_applied_exactly_once() {
    // The first visit (an incomplete-context round trip, then the batch) goes through; the
    // answers to the second visit's batch are lost six times in a row.
    let faults = vec![
        Fault::None,
        Fault::None,
        Fault::Status(500),
        Fault::Drop,
        Fault::Status(503),
        Fault::ContentType("text/plain"),
        Fault::Garbage,
        Fault::Drop,
    ];
    let server = TestServer::with_faults(greeter(), faults).await;
    let harness = Harness::builder()
        .url("example/*", &server.url("/{function.name}"))
        .egress("example/greetings")
        .build()
        .unwrap();
    let bob = Address::new("example", "greeter", "bob");
    for _ in 0..3 {
        harness.send(bob.clone(), string("Bob")).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }

    // Each visit counted once, each greeting sent once, despite six lost answers.
    assert_eq!(harness.state(&bob, "seen").map(|v| as_int(&v)), Some(3));
    let greetings: Vec<_> = harness
        .egress("example/greetings")
        .iter()
        .map(as_string)
        .collect();
    assert_eq!(
        greetings,
        [
            "Hello Bob, visit #1",
            "Hello Bob, visit #2",
            "Hello Bob, visit #3"
        ]
    );
    assert_eq!(harness.delivered().len(), 3);
    // Two requests for the first visit, seven attempts with the very same bytes for the
    // second, one for the third.
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2 + 7 + 1);
    assert!(bodies[2..9].iter().all(|body| body == &bodies[2]));
    assert_ne!(bodies[1], bodies[2]);
}

#[tokio::test]
async fn a_refused_connection_fails_the_call_when_the_budget_runs_out() {
    // A port that was free a moment ago: nothing listens there now.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = UrlTemplate::new(format!("http://127.0.0.1:{port}/statefun")).unwrap();
    let transport = HttpTransport::new(url, HttpTransportConfig::default()).unwrap();
    let harness = Harness::builder()
        .endpoint(
            "example/*",
            Endpoint::new(transport).call_budget(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let target = Address::new("example", "greeter", "bob");
    harness.send(target.clone(), string("Bob")).await.unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CallFailed);
    assert_eq!(error.address(), &target);
    assert_eq!(
        error.transport_error().unwrap().kind(),
        TransportErrorKind::Connect
    );
    assert!(error.to_string().contains("example/greeter/bob"), "{error}");
}

/// A CA, and a certificate it signed for `localhost`, with that certificate's key.
fn certificates() -> (
    String,
    rustls_pki_types::CertificateDer<'static>,
    rustls_pki_types::PrivateKeyDer<'static>,
) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let private = rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    (ca.pem(), leaf.der().clone(), private)
}

#[tokio::test]
async fn a_function_over_https_is_trusted_through_trust_cacerts() {
    let (ca_pem, certificate, key) = certificates();
    let tls = tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certificate], key)
    .unwrap();
    let server = TestServer::with_tls(
        greeter(),
        tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(tls)),
    )
    .await;
    let ca_file =
        std::env::temp_dir().join(format!("statefun-runtime-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca_pem).unwrap();

    let url = UrlTemplate::new(format!(
        "https://localhost:{}/statefun",
        server.address.port()
    ))
    .unwrap();
    let mut config = HttpTransportConfig::default();
    config.trust_cacerts = Some(ca_file.clone());
    let transport = HttpTransport::new(url.clone(), config).unwrap();
    let harness = Harness::builder()
        .endpoint("example/*", Endpoint::new(transport))
        .egress("example/greetings")
        .build()
        .unwrap();
    let bob = Address::new("example", "greeter", "bob");
    harness.send(bob.clone(), string("Bob")).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(harness.state(&bob, "seen").map(|v| as_int(&v)), Some(1));

    // Without the CA the server is not trusted, and the call fails on the certificate.
    let untrusted = HttpTransport::new(url, HttpTransportConfig::default()).unwrap();
    let harness = Harness::builder()
        .endpoint(
            "example/*",
            Endpoint::new(untrusted).call_budget(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    harness.send(bob, string("Bob")).await.unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(
        error.transport_error().unwrap().kind(),
        TransportErrorKind::Connect
    );
    assert_eq!(
        server.bodies().len(),
        2,
        "only the trusted runtime got through"
    );
    std::fs::remove_file(ca_file).unwrap();
}
