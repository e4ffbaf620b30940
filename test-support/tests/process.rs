//! The child-process support on a shell: lines waited for, the exit, a failure that shows
//! what the child said.

use std::process::Command;

use statefun_test_support::Process;

fn shell(script: &str) -> Process {
    Process::spawn("the shell", Command::new("sh").args(["-c", script]))
}

#[test]
fn a_marked_line_gives_what_follows_and_the_rest_comes_until_the_exit() {
    let mut child = shell("echo starting; echo 'listening on 127.0.0.1:5 '; echo done");
    assert_eq!(child.wait_for("listening on "), "127.0.0.1:5");
    assert_eq!(child.rest_of_output(), ["done"]);
    assert_eq!(child.next_line(), None);
    assert!(child.wait().success());
}

#[test]
fn sigterm_ends_a_waiting_child() {
    let mut child = shell("echo ready; exec sleep 600");
    child.wait_for("ready");
    child.sigterm();
    assert!(!child.wait().success(), "killed by the signal");
}

#[test]
#[should_panic(expected = "did not say \"listening\"")]
fn a_line_that_never_comes_fails_naming_what_was_said() {
    let mut child = shell("echo something else");
    child.wait_for("listening");
}
