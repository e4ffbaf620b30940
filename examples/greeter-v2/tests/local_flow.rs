//! End to end over real HTTP: the greeter-v2 functions behind the SDK's server, the local
//! runtime started from the example's own module.yaml (ports changed), a GreetRequest PUT
//! into the playground ingress, the greetings read from the playground egress.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prost::Message as _;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::LocalStatefun;

use greeter_v2::messages::GreetRequest;

async fn call(request: http::Request<Full<Bytes>>) -> (u16, Bytes) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greet_request_comes_out_as_a_greeting() {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        statefun_sdk::http::server::Server::new(greeter_v2::handler()).serve_with_shutdown(
            listener,
            async {
                let _ = stopped.await;
            },
        ),
    );

    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/module.yaml"))
        .unwrap()
        .replace("127.0.0.1:8000", &format!("127.0.0.1:{port}"))
        .replace("port: 8090", "port: 0")
        .replace("port: 8091", "port: 0");
    let module = ModuleConfig::parse(&yaml).unwrap();
    let local = LocalStatefun::start(&module, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let (ingress, egress) = (local.ingress_addresses()[0], local.egress_addresses()[0]);

    for name in ["Bob", "Bob"] {
        let (status, body) = call(
            http::Request::put(format!("http://{ingress}/example/greeter/{name}"))
                .header(
                    "content-type",
                    "application/vnd.type.googleapis.com/example.GreetRequest",
                )
                .body(Full::new(Bytes::from(
                    GreetRequest { name: name.into() }.encode_to_vec(),
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body:?}");
    }
    let mut greetings = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while greetings.len() < 2 {
        let (status, body) = call(
            http::Request::get(format!("http://{egress}/greetings"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
        match status {
            200 => greetings.push(String::from_utf8(body.to_vec()).unwrap()),
            404 if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("GET /greetings answered {other}"),
        }
    }
    assert_eq!(
        greetings,
        [
            greeter_v2::greeting("Bob", 1),
            greeter_v2::greeting("Bob", 2)
        ]
    );
    local.shutdown().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
