//! The rules a module file must follow to run on a plain Apache Flink StateFun 3.x
//! cluster, written down from the reference (§3.1 endpoints, §3.9 ingresses and egresses)
//! rather than taken from this project's runtime, so that they can tell where the two
//! disagree.
//!
//! [`check`] reads a 3.1-format module (YAML documents of `kind` and `spec`) and answers
//! what a cluster would find in it: the endpoints, the ingress routes and the egresses;
//! or every rule the file breaks. A playground kind (`io.statefun.playground.v1/*`) is one
//! of them: only the playground image knows it.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::Deserialize as _;
use serde_yaml_ng::{Mapping, Value};
use statefun_protocol::{Address, TypedValue};

/// The component kinds of a StateFun 3.x distribution, without the playground's.
pub const CLUSTER_KINDS: [&str; 6] = [
    ENDPOINT_V1,
    ENDPOINT_V2,
    KAFKA_INGRESS,
    KAFKA_EGRESS,
    KINESIS_INGRESS,
    KINESIS_EGRESS,
];

const ENDPOINT_V1: &str = "io.statefun.endpoints.v1/http";
const ENDPOINT_V2: &str = "io.statefun.endpoints.v2/http";
const KAFKA_INGRESS: &str = "io.statefun.kafka.v1/ingress";
const KAFKA_EGRESS: &str = "io.statefun.kafka.v1/egress";
const KINESIS_INGRESS: &str = "io.statefun.kinesis.v1/ingress";
const KINESIS_EGRESS: &str = "io.statefun.kinesis.v1/egress";

/// What a cluster finds in a valid module file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterModule {
    /// The `functions` selector of each endpoint (`ns/name` or `ns/*`).
    pub endpoints: Vec<String>,
    /// Every topic (Kafka) or stream (Kinesis) of every ingress.
    pub routes: Vec<Route>,
    /// Every egress.
    pub egresses: Vec<Egress>,
}

/// One topic or stream of an ingress: its records reach each target, keyed by the
/// record's key, as a value of `value_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The ingress `id`.
    pub ingress: String,
    /// The Kafka topic or Kinesis stream.
    pub source: String,
    /// The typename of the values.
    pub value_type: String,
    /// The function types the records go to.
    pub targets: Vec<String>,
}

impl Route {
    /// What the ingress delivers for one record of this topic or stream with `key` and
    /// `value`: the value, untouched, under the route's `valueType`, to each target
    /// instance named by the key (reference §3.9).
    pub fn deliveries(&self, key: &str, value: impl Into<Bytes>) -> Vec<(Address, TypedValue)> {
        let value = TypedValue::new(self.value_type.clone(), value.into());
        self.targets
            .iter()
            .map(|target| {
                let (namespace, name) = target.rsplit_once('/').expect("a checked typename");
                (Address::new(namespace, name, key), value.clone())
            })
            .collect()
    }
}

/// An egress of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    /// Its `kind`.
    pub kind: String,
    /// Its `id`, which functions send to.
    pub id: String,
}

impl ClusterModule {
    /// Whether some endpoint serves the function type `function_type`.
    pub fn serves(&self, function_type: &str) -> bool {
        let Some((namespace, _)) = function_type.rsplit_once('/') else {
            return false;
        };
        self.endpoints.iter().any(|selector| {
            selector == function_type || selector.strip_suffix("/*") == Some(namespace)
        })
    }

    /// The routes of the topic or stream `source`.
    pub fn route(&self, source: &str) -> Option<&Route> {
        self.routes.iter().find(|route| route.source == source)
    }

    /// Produces one record with `key` and `value` on `topic`, as the module's ingress
    /// delivers it (see [`Route::deliveries`]), and runs `harness` until quiescent.
    ///
    /// # Panics
    /// When the module has no such topic.
    pub async fn produce(
        &self,
        harness: &statefun_testing::Harness,
        topic: &str,
        key: &str,
        value: impl Into<Bytes>,
    ) -> Result<(), statefun_testing::Error> {
        let route = self
            .route(topic)
            .unwrap_or_else(|| panic!("the module has no topic `{topic}`"));
        for (address, value) in route.deliveries(key, value) {
            harness.inner().send(address, value).await?;
        }
        harness.run_until_quiescent().await
    }

    /// Whether an egress `id` of kind `kind` is declared.
    pub fn has_egress(&self, kind: &str, id: &str) -> bool {
        self.egresses.iter().any(|e| e.kind == kind && e.id == id)
    }
}

/// The Kafka egress kind, for [`ClusterModule::has_egress`].
pub const KAFKA_EGRESS_KIND: &str = KAFKA_EGRESS;

/// Reads and checks the module file at `path`.
///
/// # Panics
/// When the file cannot be read.
pub fn load(path: &Path) -> Result<ClusterModule, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    check(&text)
}

/// Whether `text` is a StateFun 2.x module (one document with `version` and `module`),
/// which follows other rules.
pub fn is_2x_format(text: &str) -> bool {
    let Some(Ok(first)) = serde_yaml_ng::Deserializer::from_str(text)
        .next()
        .map(Value::deserialize)
    else {
        return false;
    };
    first.get("version").is_some() && first.get("module").is_some()
}

/// Every file named `module.yaml` under `root` (build output, VCS data, fuzz corpora and
/// node modules aside) in the 3.x format: the files meant for a cluster. Local variants
/// are named otherwise (`module.local.yaml`).
pub fn cluster_module_files(root: &Path) -> Vec<PathBuf> {
    const SKIPPED: [&str; 4] = ["target", ".git", "fuzz", "node_modules"];
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if !SKIPPED.contains(&name.as_ref()) {
                    pending.push(path);
                }
            } else if name == "module.yaml" {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if !is_2x_format(&text) {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found
}

/// Checks a 3.1-format module: every document's kind is a cluster's, every required key is
/// there with a valid value, and every function type an ingress routes to is served by an
/// endpoint. The errors name the document (from 1) and the key.
pub fn check(text: &str) -> Result<ClusterModule, Vec<String>> {
    let mut module = ClusterModule::default();
    let mut errors = Vec::new();
    let mut components = 0;
    for (index, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let number = index + 1;
        let value = match Value::deserialize(document) {
            Ok(value) => value,
            Err(error) => {
                errors.push(format!("document {number}: not YAML: {error}"));
                break;
            }
        };
        if value.is_null() {
            continue;
        }
        components += 1;
        let mut doc = Document {
            number,
            kind: String::new(),
            errors: &mut errors,
        };
        doc.component(&value, &mut module);
    }
    if components == 0 {
        errors.push("the file declares no component".to_owned());
    }
    for route in &module.routes {
        for target in &route.targets {
            if !module.serves(target) {
                errors.push(format!(
                    "`{}` of the ingress `{}` routes to `{target}`, which no endpoint serves",
                    route.source, route.ingress
                ));
            }
        }
    }
    let mut ids: Vec<(&str, &str)> = module
        .egresses
        .iter()
        .map(|e| (e.kind.as_str(), e.id.as_str()))
        .collect();
    ids.sort_unstable();
    for pair in ids.windows(2) {
        if pair[0] == pair[1] {
            errors.push(format!("the egress `{}` is declared twice", pair[0].1));
        }
    }
    if errors.is_empty() {
        Ok(module)
    } else {
        Err(errors)
    }
}

/// One document being checked; errors are prefixed with its number and kind.
struct Document<'e> {
    number: usize,
    kind: String,
    errors: &'e mut Vec<String>,
}

impl Document<'_> {
    fn error(&mut self, problem: impl std::fmt::Display) {
        let kind = if self.kind.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.kind)
        };
        self.errors
            .push(format!("document {}{kind}: {problem}", self.number));
    }

    fn component(&mut self, value: &Value, module: &mut ClusterModule) {
        let Some(root) = value.as_mapping() else {
            return self.error("expected a mapping with `kind` and `spec`");
        };
        if root.contains_key("version") || root.contains_key("module") {
            return self.error(
                "a single-root module (`version`/`module`); a 3.1+ module is documents of `kind` and `spec`",
            );
        }
        let Some(kind) = root.get("kind").and_then(Value::as_str) else {
            return self.error("`kind` is missing or not a string");
        };
        self.kind = kind.to_owned();
        let Some(spec) = root.get("spec").and_then(Value::as_mapping) else {
            return self.error("`spec` is missing or not a mapping");
        };
        match kind {
            ENDPOINT_V1 | ENDPOINT_V2 => self.endpoint(kind, spec, module),
            KAFKA_INGRESS => self.ingress(spec, "topics", "topic", module, Self::kafka_start),
            KINESIS_INGRESS => {
                self.aws_region(spec);
                self.ingress(spec, "streams", "stream", module, Self::kinesis_start);
            }
            KAFKA_EGRESS => self.kafka_egress(spec, module),
            KINESIS_EGRESS => self.kinesis_egress(spec, module),
            other if other.starts_with("io.statefun.playground.") => self.error(format!(
                "`{other}` exists only in the playground image, not on a StateFun cluster"
            )),
            other => self.error(format!(
                "`{other}` is not a kind of StateFun 3.x (known: {})",
                CLUSTER_KINDS.join(", ")
            )),
        }
    }

    fn string<'v>(&mut self, spec: &'v Mapping, key: &str) -> Option<&'v str> {
        self.string_at(spec, "spec", key)
    }

    fn string_at<'v>(&mut self, map: &'v Mapping, path: &str, key: &str) -> Option<&'v str> {
        match map.get(key) {
            Some(Value::String(text)) if !text.is_empty() => Some(text),
            Some(_) => {
                self.error(format!("`{path}.{key}` must be a non-empty string"));
                None
            }
            None => {
                self.error(format!("`{path}.{key}` is missing"));
                None
            }
        }
    }

    fn require(&mut self, spec: &Mapping, key: &str) {
        self.string(spec, key);
    }

    fn typename(&mut self, map: &Mapping, path: &str, key: &str) -> Option<String> {
        let text = self.string_at(map, path, key)?;
        if is_typename(text) {
            Some(text.to_owned())
        } else {
            self.error(format!("`{path}.{key}` `{text}` is not a `namespace/name`"));
            None
        }
    }

    fn one_of(&mut self, spec: &Mapping, path: &str, key: &str, allowed: &[&str]) {
        let Some(value) = spec.get(key) else { return };
        match value.as_str() {
            Some(text) if allowed.contains(&text) => {}
            _ => self.error(format!(
                "`{path}.{key}` is {value:?}, not one of {}",
                allowed.join(", ")
            )),
        }
    }

    fn endpoint(&mut self, kind: &str, spec: &Mapping, module: &mut ClusterModule) {
        if let Some(functions) = self.string(spec, "functions") {
            let valid = match functions.rsplit_once('/') {
                Some((namespace, name)) => {
                    !namespace.is_empty()
                        && !namespace.contains('*')
                        && (name == "*" || (!name.is_empty() && !name.contains('*')))
                }
                None => false,
            };
            if valid {
                module.endpoints.push(functions.to_owned());
            } else {
                self.error(format!(
                    "`spec.functions` `{functions}` is neither `namespace/name` nor `namespace/*`"
                ));
            }
        }
        if let Some(url) = self.string(spec, "urlPathTemplate") {
            let schemes = ["http://", "https://", "http+unix://", "https+unix://"];
            if !schemes.iter().any(|scheme| url.starts_with(scheme)) {
                self.error(format!(
                    "`spec.urlPathTemplate` `{url}` is not an http, https, http+unix or https+unix URL"
                ));
            }
        }
        if spec
            .get("maxNumBatchRequests")
            .is_some_and(|n| n.as_i64().is_none())
        {
            self.error("`spec.maxNumBatchRequests` must be an integer");
        }
        if kind == ENDPOINT_V2 {
            match spec.get("transport") {
                None => {}
                Some(Value::Mapping(transport)) => self.one_of(
                    transport,
                    "spec.transport",
                    "type",
                    &[
                        "io.statefun.transports.v1/async",
                        "io.statefun.transports.v1/okhttp",
                    ],
                ),
                Some(_) => self.error("`spec.transport` must be a mapping"),
            }
        }
    }

    fn kafka_start(&mut self, spec: &Mapping) {
        self.require(spec, "address");
        self.require(spec, "consumerGroupId");
        self.one_of(
            spec,
            "spec",
            "autoOffsetResetPosition",
            &["latest", "earliest"],
        );
        let Some(position) = self.position(spec) else {
            return;
        };
        self.one_of(
            position,
            "spec.startupPosition",
            "type",
            &[
                "group-offsets",
                "earliest",
                "latest",
                "specific-offsets",
                "date",
            ],
        );
        self.position_details(position);
    }

    fn kinesis_start(&mut self, spec: &Mapping) {
        let Some(position) = self.position(spec) else {
            return;
        };
        self.one_of(
            position,
            "spec.startupPosition",
            "type",
            &["latest", "earliest", "date"],
        );
        self.position_details(position);
    }

    fn position<'v>(&mut self, spec: &'v Mapping) -> Option<&'v Mapping> {
        match spec.get("startupPosition") {
            None => None,
            Some(Value::Mapping(position)) => Some(position),
            Some(_) => {
                self.error("`spec.startupPosition` must be a mapping with a `type`");
                None
            }
        }
    }

    fn position_details(&mut self, position: &Mapping) {
        let needs = match position.get("type").and_then(Value::as_str) {
            Some("specific-offsets") => "offsets",
            Some("date") => "date",
            _ => return,
        };
        if !position.contains_key(needs) {
            self.error(format!("`spec.startupPosition.{needs}` is missing"));
        }
    }

    fn ingress(
        &mut self,
        spec: &Mapping,
        list: &str,
        item: &str,
        module: &mut ClusterModule,
        start: fn(&mut Self, &Mapping),
    ) {
        let id = self.typename(spec, "spec", "id");
        start(self, spec);
        let Some(entries) = spec.get(list).and_then(Value::as_sequence) else {
            return self.error(format!("`spec.{list}` is missing or not a list"));
        };
        if entries.is_empty() {
            self.error(format!("`spec.{list}` is empty"));
        }
        for (n, entry) in entries.iter().enumerate() {
            let Some(entry) = entry.as_mapping() else {
                self.error(format!("`spec.{list}[{n}]` is not a mapping"));
                continue;
            };
            let path = format!("spec.{list}[{n}]");
            let source = self.string_at(entry, &path, item).map(str::to_owned);
            let value_type = self.typename(entry, &path, "valueType");
            let targets = match entry.get("targets").and_then(Value::as_sequence) {
                Some(targets) if !targets.is_empty() => targets
                    .iter()
                    .filter_map(|target| match target.as_str() {
                        Some(text) if is_typename(text) => Some(text.to_owned()),
                        _ => {
                            self.error(format!(
                                "`{path}.targets` holds {target:?}, not a `namespace/name`"
                            ));
                            None
                        }
                    })
                    .collect(),
                _ => {
                    self.error(format!(
                        "`{path}.targets` is missing or empty: a record must go somewhere"
                    ));
                    Vec::new()
                }
            };
            if let (Some(ingress), Some(source), Some(value_type)) = (&id, source, value_type) {
                module.routes.push(Route {
                    ingress: ingress.clone(),
                    source,
                    value_type,
                    targets,
                });
            }
        }
    }

    fn kafka_egress(&mut self, spec: &Mapping, module: &mut ClusterModule) {
        let id = self.typename(spec, "spec", "id");
        self.require(spec, "address");
        match spec.get("deliverySemantic") {
            None => {}
            Some(Value::Mapping(semantic)) => {
                self.one_of(
                    semantic,
                    "spec.deliverySemantic",
                    "type",
                    &["at-least-once", "none", "exactly-once"],
                );
                let exactly_once =
                    semantic.get("type").and_then(Value::as_str) == Some("exactly-once");
                if exactly_once
                    && !semantic.contains_key("transactionTimeout")
                    && !semantic.contains_key("transactionTimeoutMillis")
                {
                    self.error(
                        "`spec.deliverySemantic` is exactly-once without a `transactionTimeout`",
                    );
                }
            }
            Some(_) => self.error("`spec.deliverySemantic` must be a mapping with a `type`"),
        }
        if let Some(id) = id {
            module.egresses.push(Egress {
                kind: KAFKA_EGRESS.to_owned(),
                id,
            });
        }
    }

    fn kinesis_egress(&mut self, spec: &Mapping, module: &mut ClusterModule) {
        let id = self.typename(spec, "spec", "id");
        self.aws_region(spec);
        if let Some(Value::Mapping(credentials)) = spec.get("awsCredentials") {
            self.one_of(
                credentials,
                "spec.awsCredentials",
                "type",
                &["default", "basic", "profile"],
            );
        }
        if spec
            .get("maxOutstandingRecords")
            .is_some_and(|n| n.as_i64().is_none())
        {
            self.error("`spec.maxOutstandingRecords` must be an integer");
        }
        if let Some(id) = id {
            module.egresses.push(Egress {
                kind: KINESIS_EGRESS.to_owned(),
                id,
            });
        }
    }

    fn aws_region(&mut self, spec: &Mapping) {
        let Some(Value::Mapping(region)) = spec.get("awsRegion") else {
            return self.error("`spec.awsRegion` is missing or not a mapping");
        };
        self.one_of(
            region,
            "spec.awsRegion",
            "type",
            &["default", "specific", "custom-endpoint"],
        );
        let needs: &[&str] = match region.get("type").and_then(Value::as_str) {
            Some("specific") => &["id"],
            Some("custom-endpoint") => &["endpoint", "id"],
            _ => &[],
        };
        for key in needs {
            if !region.contains_key(*key) {
                self.error(format!("`spec.awsRegion.{key}` is missing"));
            }
        }
    }
}

/// `namespace/name`, both parts non-empty (the namespace may itself hold slashes, as in
/// `type.googleapis.com/...`).
fn is_typename(text: &str) -> bool {
    text.rsplit_once('/')
        .is_some_and(|(namespace, name)| !namespace.is_empty() && !name.is_empty())
}
