use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::Functions;
use super::function::ok_response;

/// What the server does to one request after the functions handled it, so the effect
/// was computed and is then lost.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer this status with a text body.
    Status(u16),
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with this content type.
    ContentType(&'static str),
    /// Answer 200 `application/octet-stream` with bytes that are no `FromFunction`.
    Garbage,
}

/// An HTTP/1.1 server for [`Functions`] on 127.0.0.1, stopped when dropped.
pub struct TestServer {
    pub address: SocketAddr,
    bodies: Arc<Mutex<Vec<Bytes>>>,
    accept: JoinHandle<()>,
}

impl TestServer {
    pub async fn start(functions: Functions) -> Self {
        Self::with_faults(functions, Vec::new()).await
    }

    /// Applies `faults` to the first requests, in order.
    pub async fn with_faults(functions: Functions, faults: Vec<Fault>) -> Self {
        Self::serve(functions, faults, None).await
    }

    /// Serves HTTPS with `tls`.
    pub async fn with_tls(functions: Functions, tls: tokio_rustls::TlsAcceptor) -> Self {
        Self::serve(functions, Vec::new(), Some(tls)).await
    }

    async fn serve(
        functions: Functions,
        faults: Vec<Fault>,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(VecDeque::from(faults)));
        let recorded = Arc::clone(&bodies);
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let functions = functions.clone();
                let faults = Arc::clone(&faults);
                let recorded = Arc::clone(&recorded);
                let service =
                    hyper::service::service_fn(move |request: http::Request<Incoming>| {
                        let functions = functions.clone();
                        let faults = Arc::clone(&faults);
                        let recorded = Arc::clone(&recorded);
                        async move {
                            let body = match request.into_body().collect().await {
                                Ok(body) => body.to_bytes(),
                                Err(error) => return Err(std::io::Error::other(error.to_string())),
                            };
                            recorded.lock().unwrap().push(body.clone());
                            let answer = functions.handle(body);
                            let fault = faults.lock().unwrap().pop_front();
                            respond(fault, answer)
                        }
                    });
                let tls = tls.clone();
                tokio::spawn(async move {
                    let http = hyper::server::conn::http1::Builder::new();
                    let _ = match tls {
                        None => http.serve_connection(TokioIo::new(stream), service).await,
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => {
                                http.serve_connection(TokioIo::new(stream), service).await
                            }
                            Err(_) => return,
                        },
                    };
                });
            }
        });
        Self {
            address,
            bodies,
            accept,
        }
    }

    /// `http://127.0.0.1:port` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Every request body received, failed attempts included.
    pub fn bodies(&self) -> Vec<Bytes> {
        self.bodies.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// hyper closes the connection without an answer when the service fails.
fn respond(
    fault: Option<Fault>,
    answer: Bytes,
) -> Result<http::Response<Full<Bytes>>, std::io::Error> {
    let plain = |status: u16, content_type: &str, body: Bytes| {
        http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Full::new(body))
            .unwrap()
    };
    Ok(match fault {
        None | Some(Fault::None) => ok_response(answer),
        Some(Fault::Status(status)) => plain(
            status,
            "text/plain",
            Bytes::from_static(b"injected failure"),
        ),
        Some(Fault::ContentType(content_type)) => plain(200, content_type, answer),
        Some(Fault::Garbage) => plain(
            200,
            statefun_protocol::CONTENT_TYPE,
            Bytes::from_static(b"\xFF\xFF\xFF"),
        ),
        Some(Fault::Drop) => return Err(std::io::Error::other("injected dropped connection")),
    })
}
