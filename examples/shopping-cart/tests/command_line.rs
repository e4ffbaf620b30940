//! The server's command line: `--kafka-egress` for a cluster, and a listening address that
//! is not one refused by name. (The other examples' servers take the same options.)

use std::process::{Command, Stdio};

use statefun_test_support::Process;

fn shop(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shopping-cart"));
    command.args(args).env_remove("HOST").env_remove("PORT");
    command
}

#[test]
fn kafka_egress_serves_on_loopback_and_stops_on_sigterm() {
    let mut server = Process::spawn(
        "the shop",
        &mut shop(&["--port", "0", "--kafka-egress", "--functions-only"]),
    );
    let address = server.wait_for("shop functions on http://");
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    server.sigterm();
    assert!(server.wait().success());
}

#[test]
fn a_host_that_is_not_an_ip_address_is_named() {
    let mut command = shop(&["--port", "0"]);
    command.env("HOST", "everywhere").stderr(Stdio::piped());
    let mut server = Process::spawn("the shop", &mut command);
    assert_eq!(server.next_line(), None, "nothing is announced");
    assert_eq!(server.wait().code(), Some(2));
    let stderr = server.stderr();
    assert!(
        stderr.contains("invalid value 'everywhere' for '--host <IP>'"),
        "{stderr}"
    );
}
