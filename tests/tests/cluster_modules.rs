//! Every module file of the repository that is meant for a cluster (`module.yaml`, 3.x
//! format) runs on a plain Apache Flink StateFun 3.x cluster: only the kinds a cluster
//! knows, every required key, every routed function type served. The local variants
//! (`module.local.yaml`) may use the playground's kinds.

use std::path::Path;

use statefun_tests::cluster_module::{self, check, cluster_module_files};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn every_cluster_module_file_follows_the_reference() {
    let files = cluster_module_files(repository());
    for example in [
        "greeter",
        "lambda",
        "showcase",
        "shopping-cart",
        "fraud-detection",
    ] {
        let expected = repository()
            .join("examples")
            .join(example)
            .join("module.yaml");
        assert!(
            files.contains(&expected),
            "{} is checked",
            expected.display()
        );
    }
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(repository()).unwrap().display();
            match cluster_module::load(path) {
                Ok(module) if module.routes.is_empty() || module.egresses.is_empty() => Some(
                    format!("{relative}: a cluster module needs an ingress and an egress"),
                ),
                Ok(_) => None,
                Err(errors) => Some(format!("{relative}:\n  {}", errors.join("\n  "))),
            }
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_2x_module_is_left_to_its_own_rules() {
    let files = cluster_module_files(repository());
    let v2 = repository().join("examples/greeter-v2/module.yaml");
    assert!(v2.exists() && !files.contains(&v2));
}

const ENDPOINT: &str = "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://functions:8000/statefun
";

fn errors_of(text: &str) -> String {
    check(text).expect_err("the module is refused").join("\n")
}

#[test]
fn a_playground_kind_is_refused_as_the_playground_images_own() {
    let errors = errors_of(&format!(
        "{ENDPOINT}---\nkind: io.statefun.playground.v1/ingress\nspec:\n  port: 8090\n"
    ));
    assert!(
        errors.contains("document 2 (io.statefun.playground.v1/ingress)")
            && errors.contains("exists only in the playground image"),
        "{errors}"
    );
}

#[test]
fn an_unknown_kind_is_refused() {
    let errors = errors_of(&format!(
        "{ENDPOINT}---\nkind: io.statefun.kafka.v2/ingress\nspec:\n  id: a/b\n"
    ));
    assert!(
        errors.contains("`io.statefun.kafka.v2/ingress` is not a kind of StateFun 3.x"),
        "{errors}"
    );
}

const KAFKA_INGRESS: &str = "---
kind: io.statefun.kafka.v1/ingress
spec:
  id: example/names
  address: kafka:9092
  consumerGroupId: greeter
  topics:
    - topic: names
      valueType: example/GreetRequest
      targets: [example/person]
";

const KAFKA_EGRESS: &str = "---
kind: io.statefun.kafka.v1/egress
spec:
  id: example/greetings
  address: kafka:9092
  deliverySemantic:
    type: exactly-once
    transactionTimeout: 15min
";

#[test]
fn a_complete_module_is_read_as_a_cluster_reads_it() {
    let module = check(&format!("{ENDPOINT}{KAFKA_INGRESS}{KAFKA_EGRESS}")).unwrap();
    assert_eq!(module.endpoints, ["example/*"]);
    let route = module.route("names").unwrap();
    assert_eq!(
        (route.ingress.as_str(), route.value_type.as_str()),
        ("example/names", "example/GreetRequest")
    );
    assert_eq!(route.targets, ["example/person"]);
    assert!(module.has_egress(cluster_module::KAFKA_EGRESS_KIND, "example/greetings"));
}

#[test]
fn each_required_key_is_named_when_missing() {
    for (key, module) in [
        (
            "spec.urlPathTemplate",
            ENDPOINT.replace("  urlPathTemplate: http://functions:8000/statefun\n", ""),
        ),
        (
            "spec.consumerGroupId",
            format!(
                "{ENDPOINT}{}",
                KAFKA_INGRESS.replace("  consumerGroupId: greeter\n", "")
            ),
        ),
        (
            "spec.address",
            format!(
                "{ENDPOINT}{}",
                KAFKA_EGRESS.replace("  address: kafka:9092\n", "")
            ),
        ),
        (
            "spec.topics[0].valueType",
            format!(
                "{ENDPOINT}{}",
                KAFKA_INGRESS.replace("      valueType: example/GreetRequest\n", "")
            ),
        ),
    ] {
        let errors = errors_of(&module);
        assert!(
            errors.contains(&format!("`{key}` is missing")),
            "{key}: {errors}"
        );
    }
}

#[test]
fn exactly_once_needs_a_transaction_timeout() {
    let errors = errors_of(&format!(
        "{ENDPOINT}{}",
        KAFKA_EGRESS.replace("    transactionTimeout: 15min\n", "")
    ));
    assert!(
        errors.contains("exactly-once without a `transactionTimeout`"),
        "{errors}"
    );
}

#[test]
fn a_topic_routed_to_an_unserved_function_type_is_refused() {
    let errors = errors_of(&format!(
        "{ENDPOINT}{}",
        KAFKA_INGRESS.replace("[example/person]", "[example/person, other/person]")
    ));
    assert!(
        errors.contains("`names` of the ingress `example/names` routes to `other/person`, which no endpoint serves"),
        "{errors}"
    );
    assert!(!errors.contains("`example/person`"), "{errors}");
}

#[test]
fn a_bad_startup_position_or_delivery_semantic_is_named() {
    let errors = errors_of(&format!(
        "{ENDPOINT}{}{}",
        KAFKA_INGRESS.replace(
            "  topics:",
            "  startupPosition:\n    type: beginning\n  topics:"
        ),
        KAFKA_EGRESS.replace("exactly-once", "exactly_once")
    ));
    assert!(errors.contains("`spec.startupPosition.type`"), "{errors}");
    assert!(errors.contains("`spec.deliverySemantic.type`"), "{errors}");
}

#[test]
fn a_kinesis_egress_needs_its_region() {
    let errors = errors_of(&format!(
        "{ENDPOINT}---\nkind: io.statefun.kinesis.v1/egress\nspec:\n  id: example/out\n  awsRegion:\n    type: specific\n"
    ));
    assert!(
        errors.contains("`spec.awsRegion.id` is missing"),
        "{errors}"
    );
}

#[test]
fn a_file_of_comments_declares_nothing() {
    assert_eq!(
        errors_of("# nothing yet\n"),
        "the file declares no component"
    );
}
