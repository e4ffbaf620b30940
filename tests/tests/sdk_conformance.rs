//! The conformance functions, written with the public SDK API, answer every vector as the
//! official Python SDK did (semantically, per the suite's comparison rules).

#[path = "support/conformance_functions.rs"]
mod conformance_functions;

use statefun_tests::conformance::check_all;
use statefun_tests::semantic_diff;

#[tokio::test]
async fn the_handler_reproduces_every_conformance_case() {
    let handler = conformance_functions::conformance_handler();
    let mut answers = Vec::new();
    for case in statefun_tests::conformance::cases() {
        answers.push((
            case.name.clone(),
            handler.handle(case.request.clone()).await,
        ));
    }
    let mut answers = answers.into_iter();
    check_all(|case| {
        let (name, answer) = answers.next().expect("one answer per case");
        assert_eq!(name, case.name);
        let actual = answer.map_err(|e| format!("the handler failed: {e}"))?;
        semantic_diff(&case.expected, &actual)
    });
}
