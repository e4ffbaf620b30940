//! The `statefun-runtime` binary: it reports a bad module.yaml, serves the playground
//! interfaces of a good one, and shuts down cleanly on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use statefun_test_support::Process;

const BINARY: &str = env!("CARGO_BIN_EXE_statefun-runtime");

/// The binary with its log on stdout, uncoloured, at info level.
fn runtime() -> Command {
    let mut command = Command::new(BINARY);
    command.env("NO_COLOR", "1").env("RUST_LOG", "info");
    command
}

const EGRESS_MODULE: &str = "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://127.0.0.1:1/statefun
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [greetings]
";

/// Starts `command` on `module` and returns it with the egress address it logs.
fn start_with_egress(module: &std::path::Path, command: &mut Command) -> (Process, String) {
    let mut runtime = Process::spawn("the runtime", command.arg("--module").arg(module));
    let egress = runtime.wait_for("playground egress listening on ");
    (runtime, egress)
}

fn module_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "statefun-runtime-cli-{}-{name}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_bad_module_is_reported_with_its_document_and_exit_code_2() {
    let path = module_file(
        "bad",
        "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n",
    );
    let output = Command::new(BINARY)
        .arg("--module")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        log.contains(&format!("the module file `{}` document 1", path.display()))
            && log.contains("`spec.urlPathTemplate` is missing"),
        "the file actually loaded is named: {log}"
    );
}

#[test]
fn an_empty_module_file_is_refused() {
    let path = module_file("empty", "# to do\n");
    let output = Command::new(BINARY)
        .arg("--module")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("declares no component"), "{log}");
}

#[cfg(unix)]
#[test]
fn serves_the_playground_egress_on_loopback_and_stops_on_sigterm() {
    let path = module_file("good", EGRESS_MODULE);
    let (mut runtime, egress) = start_with_egress(&path, &mut runtime());
    assert!(
        egress.starts_with("127.0.0.1:"),
        "loopback by default: {egress}"
    );

    let mut stream = TcpStream::connect(&egress).unwrap();
    stream
        .write_all(b"GET /greetings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "an empty topic: {answer}"
    );

    runtime.sigterm();
    let rest = runtime.rest_of_output();
    assert!(runtime.wait().success());
    assert!(
        rest.iter()
            .any(|line| line.contains("SIGTERM: shutting down")),
        "{rest:?}"
    );
}

/// The signal handlers are installed before the addresses are logged: a SIGTERM the
/// moment the egress is announced is a clean stop, not the default action.
#[cfg(unix)]
#[test]
fn a_sigterm_right_after_readiness_is_a_clean_stop() {
    let path = module_file("ready", EGRESS_MODULE);
    for _ in 0..5 {
        let (mut runtime, _) = start_with_egress(&path, &mut runtime());
        runtime.sigterm();
        let rest = runtime.rest_of_output();
        assert!(
            rest.iter()
                .any(|line| line.contains("SIGTERM: shutting down")),
            "{rest:?}"
        );
        let status = runtime.wait();
        assert!(status.success(), "a clean exit after SIGTERM, got {status}");
    }
}

/// Out of file descriptors, the accept loop backs off and logs about once a second,
/// instead of spinning and logging each failure.
#[cfg(target_os = "linux")]
#[test]
fn out_of_file_descriptors_the_accept_loop_backs_off() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: no prlimit");
        return;
    }
    let path = module_file("emfile", EGRESS_MODULE);
    let mut command = Command::new("prlimit");
    command
        .args(["--nofile=48", "--", BINARY])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info");
    let (mut runtime, egress) = start_with_egress(&path, &mut command);
    // More idle connections than descriptors: the backlog holds the rest.
    let idle: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(&egress).ok())
        .collect();
    assert!(idle.len() > 48, "{} connections", idle.len());
    let started = Instant::now();
    // A window for failures to pile up in; not a synchronisation.
    std::thread::sleep(Duration::from_secs(2));
    let failures_window = started.elapsed();
    runtime.sigterm();
    drop(idle);
    assert!(runtime.wait().success());
    let log = runtime.rest_of_output();
    let warnings = log
        .iter()
        .filter(|line| line.contains("cannot accept a connection"))
        .count();
    assert!(warnings >= 1, "the failure is reported: {log:?}");
    let allowed = failures_window.as_secs() as usize + 3;
    assert!(
        warnings <= allowed,
        "{warnings} warnings in {failures_window:?}: {log:?}"
    );
}

#[test]
fn admin_and_no_admin_cannot_be_given_together() {
    let output = Command::new(BINARY)
        .args(["--module", "m.yaml", "--admin", "127.0.0.1:0", "--no-admin"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("--no-admin") && error.contains("cannot be used with"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn serves_the_admin_api_where_admin_says() {
    let path = module_file("admin", EGRESS_MODULE);
    let mut command = runtime();
    command
        .args(["--admin", "127.0.0.1:0", "--module"])
        .arg(&path);
    let mut runtime = Process::spawn("the runtime", &mut command);
    let admin = runtime
        .wait_for("dashboard and admin API on http://")
        .trim_end_matches('/')
        .to_owned();
    assert!(admin.starts_with("127.0.0.1:"), "{admin}");
    let mut stream = TcpStream::connect(&admin).unwrap();
    stream
        .write_all(b"GET /api/functions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the admin API: {answer}"
    );
    assert!(answer.contains(r#""selector":"example/*""#), "{answer}");
    runtime.sigterm();
    assert!(runtime.wait().success());
}

/// Serves `example/b`, which sends every message on to `other/x/1`, a function type no
/// endpoint serves; on 127.0.0.1, on a thread of its own, for as long as the test runs.
fn serve_a_misdirecting_function() -> std::net::SocketAddr {
    use statefun_sdk::{Context, Error, FunctionSpec, Message, MessageBuilder, TypeName};

    async fn misdirect(ctx: &mut Context, _message: Message) -> Result<(), Error> {
        ctx.send(MessageBuilder::to(TypeName::from_static("other/x"), "1").string("hi"));
        Ok(())
    }

    let handler = std::sync::Arc::new(
        statefun_sdk::RequestReplyHandler::builder()
            .register(FunctionSpec::new(
                TypeName::from_static("example/b"),
                misdirect,
            ))
            .build()
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handler = std::sync::Arc::clone(&handler);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |request: http::Request<hyper::body::Incoming>| {
                            let handler = std::sync::Arc::clone(&handler);
                            async move {
                                use http_body_util::BodyExt as _;
                                let body = request.into_body().collect().await?.to_bytes();
                                let answer = handler.handle(body).await.unwrap();
                                let response = http::Response::builder()
                                    .header(http::header::CONTENT_TYPE, "application/octet-stream")
                                    .body(http_body_util::Full::new(answer))
                                    .unwrap();
                                Ok::<_, hyper::Error>(response)
                            }
                        },
                    );
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
    });
    address
}

/// A module whose functions are [`serve_a_misdirecting_function`]'s, with a playground
/// ingress.
fn misdirecting_module(name: &str) -> std::path::PathBuf {
    let functions = serve_a_misdirecting_function();
    module_file(
        name,
        &format!(
            "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://{functions}/statefun
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 0
"
        ),
    )
}

/// Sends a message to `example/b/1` through the playground ingress at `ingress`.
fn put_to_b1(ingress: &str) {
    let mut stream = TcpStream::connect(ingress).unwrap();
    stream
        .write_all(
            b"PUT /example/b/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.example/Go\r\nContent-Length: 2\r\nConnection: close\r\n\r\ngo",
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "accepted: {answer}");
}

/// A message to a function type nobody serves stops the runtime (`--on-failure stop`), and
/// the log names the function that sent it, not only the address it could not reach.
#[test]
fn a_message_to_an_unknown_function_type_is_logged_with_its_sender() {
    let path = misdirecting_module("unknown-type");
    let mut command = runtime();
    command
        .args(["--no-admin", "--on-failure", "stop", "--module"])
        .arg(&path);
    let mut runtime = Process::spawn("the runtime", &mut command);
    let ingress = runtime.wait_for("playground ingress listening on ");

    put_to_b1(&ingress);

    let failure = runtime.wait_for("the runtime stopped (StateFun would fail the job): ");
    assert_eq!(failure, MISDIRECTED);
    assert!(!runtime.wait().success(), "a failed job exits non-zero");
}

const MISDIRECTED: &str =
    "example/b/1 sent a message to other/x/1, but no endpoint serves its function type `other/x`";

/// By default (`--on-failure park`) the runtime goes on, and its log names the sender too.
#[test]
fn a_parked_message_to_an_unknown_function_type_is_logged_with_its_sender() {
    let path = misdirecting_module("unknown-type-parked");
    let mut command = runtime();
    command.args(["--no-admin", "--module"]).arg(&path);
    let mut runtime = Process::spawn("the runtime", &mut command);
    let ingress = runtime.wait_for("playground ingress listening on ");
    put_to_b1(&ingress);
    runtime.wait_for(MISDIRECTED);
    runtime.sigterm();
    assert!(runtime.wait().success());
}
