//! A plain hyper client and a server started on an ephemeral port, for tests over real HTTP.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use statefun_sdk::http::StatefunService;
use statefun_sdk::http::server::Server;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server on 127.0.0.1 that stops when dropped or shut down.
pub struct TestServer {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start(service: StatefunService) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(Server::from_service(service).serve_with_shutdown(
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        TestServer {
            address,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Signals shutdown and waits for the server to drain.
    pub async fn shut_down(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task
            .take()
            .unwrap()
            .await
            .expect("server task")
            .expect("server result");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

pub async fn send(request: http::Request<Full<Bytes>>) -> Answer {
    let response = client().request(request).await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a whole body")
        .to_bytes();
    Answer {
        status,
        content_type,
        body,
    }
}

/// POSTs `body` as `application/octet-stream`.
pub async fn post(url: &str, body: Bytes) -> Answer {
    send(
        http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(body))
            .unwrap(),
    )
    .await
}
