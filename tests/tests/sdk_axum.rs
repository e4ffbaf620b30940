//! The functions mounted in an axum application beside its own routes, over real HTTP:
//! answers reach the runtime intact, the application's routes still work, and the SDK's
//! status codes survive the mounting.

#[path = "support/conformance_functions.rs"]
mod conformance_functions;
#[path = "support/http_client.rs"]
#[allow(dead_code)] // its TestServer runs the built-in server; these tests run axum's
mod http_client;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::Full;
use http_client::{Answer, post, send};
use prost::Message as _;
use statefun_protocol::ToFunction;
use statefun_protocol::to_function::Request;
use statefun_tests::conformance::Case;
use tokio::sync::oneshot;

/// `axum::serve` on 127.0.0.1, stopped when dropped.
struct AxumServer {
    address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl AxumServer {
    async fn start(app: Router) -> AxumServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("axum serves");
        });
        AxumServer {
            address,
            _stop: stop,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

fn case(name: &str) -> Case {
    statefun_tests::conformance::cases()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no conformance case {name}"))
}

/// `case`'s request, sent to another function type than its own.
fn retargeted(case: &Case, namespace: &str) -> Bytes {
    let mut request = ToFunction::decode(case.request.clone()).unwrap();
    let Some(Request::Invocation(batch)) = &mut request.request else {
        panic!("a conformance request holds a batch");
    };
    batch.target.as_mut().unwrap().namespace = namespace.to_owned();
    Bytes::from(request.encode_to_vec())
}

fn assert_answers(case: &Case, answer: &Answer) {
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/octet-stream")
    );
    if let Err(difference) = statefun_tests::semantic_diff(&case.expected, &answer.body) {
        panic!("case {}: {difference}", case.name);
    }
}

async fn get_text(url: &str) -> Answer {
    send(
        http::Request::get(url)
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn route_service_serves_the_functions_beside_the_apps_routes() {
    let handler = conformance_functions::conformance_handler();
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route_service("/statefun", handler.into_service());
    let server = AxumServer::start(app).await;

    let case = case("19-caller-and-reply");
    assert_answers(
        &case,
        &post(&server.url("/statefun"), case.request.clone()).await,
    );

    let health = get_text(&server.url("/health")).await;
    assert_eq!((health.status, health.text().as_str()), (200, "ok"));
    assert_eq!(
        post(&server.url("/elsewhere"), case.request.clone())
            .await
            .status,
        404,
        "only the mounted path serves the functions"
    );
}

#[derive(Clone)]
struct AppState {
    version: &'static str,
}

#[tokio::test]
async fn a_nested_router_serves_the_functions_at_its_prefix_in_an_app_with_state() {
    let handler = conformance_functions::conformance_handler();
    let app = Router::new()
        .route(
            "/version",
            get(|State(state): State<AppState>| async move { state.version }),
        )
        .nest("/functions/statefun", handler.into_router())
        .with_state(AppState { version: "1.2.3" });
    let server = AxumServer::start(app).await;

    let case = case("22-kafka");
    assert_answers(
        &case,
        &post(&server.url("/functions/statefun"), case.request.clone()).await,
    );
    assert_eq!(get_text(&server.url("/version")).await.text(), "1.2.3");
}

#[tokio::test]
async fn every_conformance_case_through_axum() {
    let app = Router::new().nest(
        "/statefun",
        conformance_functions::conformance_handler().into_router(),
    );
    let server = AxumServer::start(app).await;
    let mut answers = Vec::new();
    for case in statefun_tests::conformance::cases() {
        answers.push(post(&server.url("/statefun"), case.request.clone()).await);
    }
    let mut answers = answers.into_iter();
    statefun_tests::conformance::check_all(|case| {
        let answer = answers.next().expect("one answer per case");
        if answer.status != 200 {
            return Err(format!("HTTP {}: {}", answer.status, answer.text()));
        }
        statefun_tests::semantic_diff(&case.expected, &answer.body)
    });
}

#[tokio::test]
async fn the_sdks_status_codes_survive_mounting() {
    let handler = conformance_functions::conformance_handler();
    let app = Router::new()
        .route_service("/routed", handler.clone().into_service().body_limit(4096))
        .nest(
            "/nested",
            handler.into_service().body_limit(4096).into_router(),
        );
    let server = AxumServer::start(app).await;

    for path in ["/routed", "/nested"] {
        let url = server.url(path);

        let response = http_client::client()
            .request(
                http::Request::get(&url)
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()["allow"], "POST", "{path}");

        let json = send(
            http::Request::post(&url)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap(),
        )
        .await;
        assert_eq!(json.status, 415, "{path}");
        assert!(json.text().contains("application/json"), "{}", json.text());

        let too_large = post(&url, Bytes::from(vec![0; 5000])).await;
        assert_eq!(too_large.status, 413, "{path}: {}", too_large.text());

        let unknown = post(&url, retargeted(&case("01-missing-all-states"), "nobody")).await;
        assert_eq!(unknown.status, 503, "{path}: {}", unknown.text());

        let malformed = post(&url, Bytes::from_static(&[0xA2, 0x06, 0x10, 0x0A])).await;
        assert_eq!(malformed.status, 400, "{path}: {}", malformed.text());
    }
}
