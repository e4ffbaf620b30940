use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

use super::duration::parse_duration;
use super::error::{ConfigError, Origin, Repr};
use super::keys::{self, KnownKeys};
use crate::egress::RecordFormat;
use crate::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
use crate::{Endpoint, FunctionSelector};

const ENDPOINT_V2: &str = "io.statefun.endpoints.v2/http";
const ENDPOINT_V1: &str = "io.statefun.endpoints.v1/http";
const PLAYGROUND_INGRESS: &str = "io.statefun.playground.v1/ingress";
const PLAYGROUND_EGRESS: &str = "io.statefun.playground.v1/egress";
const KAFKA_INGRESS: &str = "io.statefun.kafka.v1/ingress";
const KINESIS_INGRESS: &str = "io.statefun.kinesis.v1/ingress";
const KAFKA_EGRESS: &str = "io.statefun.kafka.v1/egress";
const KINESIS_EGRESS: &str = "io.statefun.kinesis.v1/egress";
const ASYNC_TRANSPORT: &str = "io.statefun.transports.v1/async";
const OKHTTP_TRANSPORT: &str = "io.statefun.transports.v1/okhttp";

/// The components of a module.yaml, in file order.
///
/// ```
/// use statefun_runtime::config::{IngressConfig, ModuleConfig};
///
/// let module = ModuleConfig::parse(r#"
/// kind: io.statefun.endpoints.v2/http
/// spec:
///   functions: example/*
///   urlPathTemplate: http://functions:8000/statefun
///   transport:
///     type: io.statefun.transports.v1/async
///     call: 30s
/// ---
/// kind: io.statefun.playground.v1/ingress
/// spec:
///   port: 8090
/// "#).unwrap();
/// assert_eq!(module.endpoints[0].call.as_secs(), 30);
/// assert_eq!(module.ingresses[0], IngressConfig::Playground { port: 8090 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleConfig {
    /// HTTP function endpoints.
    pub endpoints: Vec<EndpointConfig>,
    /// Ingresses, including those this runtime does not run.
    pub ingresses: Vec<IngressConfig>,
    /// Egresses.
    pub egresses: Vec<EgressConfig>,
}

/// An `io.statefun.endpoints.v2/http` (or v1) document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// `functions`.
    pub functions: FunctionSelector,
    /// `urlPathTemplate`.
    pub url_path_template: UrlTemplate,
    /// `maxNumBatchRequests`; 0 (from any value ≤ 0) never blocks ingestion.
    pub max_num_batch_requests: usize,
    /// The call budget: `transport.call` (v2, default 2 min) or `timeouts.call` (v1 and
    /// the OkHttp transport, default 1 min).
    pub call: Duration,
    /// Connection settings.
    pub http: HttpTransportConfig,
}

impl EndpointConfig {
    /// The endpoint this document describes, over HTTP(S).
    pub fn endpoint(&self) -> Result<Endpoint, ConfigError> {
        let transport = HttpTransport::new(self.url_path_template.clone(), self.http.clone())
            .map_err(|error| {
                ConfigError::invalid(format!("endpoint for `{}`: {error}", self.functions))
            })?;
        Ok(Endpoint::new(transport)
            .max_num_batch_requests(self.max_num_batch_requests)
            .call_budget(self.call))
    }
}

/// An ingress document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngressConfig {
    /// `io.statefun.playground.v1/ingress`: HTTP ingress on `port` (0 picks a free port).
    Playground {
        /// `port`.
        port: u16,
    },
    /// An ingress kind this runtime does not run (Kafka, Kinesis).
    NotRun {
        /// The document's `kind`.
        kind: String,
        /// The ingress `id`.
        id: String,
    },
}

/// An egress document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EgressConfig {
    /// `io.statefun.playground.v1/egress`: HTTP egress topics on `port`.
    Playground {
        /// `port` (0 picks a free port).
        port: u16,
        /// `topics`.
        topics: Vec<String>,
        /// `maxBytesPerTopic`, this runtime's own key (the playground image ignores it):
        /// the unread payload bytes each topic keeps at most; 64 MiB by default.
        max_bytes_per_topic: usize,
    },
    /// A Kafka or Kinesis egress, whose records are checked and logged.
    Logged {
        /// The egress `id`.
        id: String,
        /// Which record type it takes.
        format: RecordFormat,
    },
}

impl ModuleConfig {
    /// Reads the module file at `path`; errors name it. A file without any component
    /// (empty, or only comments) is an error: it is most likely not the file meant.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Repr::Read {
            path: PathBuf::from(path),
            source,
        })?;
        let origin = Origin::File(PathBuf::from(path));
        let (module, components) = Self::parse_from(&text, &origin)?;
        if components == 0 {
            return Err(Repr::Empty { origin }.into());
        }
        Ok(module)
    }

    /// Parses the text of a module file: YAML documents of `kind` and `spec`.
    ///
    /// A key a document does not know is an error when it looks like a typo of one it
    /// knows (with a "did you mean"), and is otherwise ignored with a warning, as StateFun
    /// ignores unknown keys.
    pub fn parse(yaml: &str) -> Result<Self, ConfigError> {
        Self::parse_from(yaml, &Origin::Text).map(|(module, _)| module)
    }

    /// The module and how many components it declares.
    fn parse_from(yaml: &str, origin: &Origin) -> Result<(Self, usize), ConfigError> {
        let mut module = Self::default();
        let mut components = 0;
        // Which document declared each endpoint selector: a second one is an error.
        let mut selectors: Vec<(FunctionSelector, usize)> = Vec::new();
        let document_error = |document: usize, kind: Option<&str>, problem: String| {
            ConfigError::from(Repr::Document {
                origin: origin.clone(),
                document,
                kind: kind.map(str::to_owned),
                problem,
            })
        };
        for (index, document) in serde_yaml_ng::Deserializer::from_str(yaml).enumerate() {
            let value = Value::deserialize(document).map_err(|source| Repr::Yaml {
                origin: origin.clone(),
                source,
            })?;
            let number = index + 1;
            if value.is_null() {
                continue;
            }
            components += 1;
            let Some(root) = value.as_mapping() else {
                return Err(document_error(
                    number,
                    None,
                    "expected a mapping with `kind` and `spec`".into(),
                ));
            };
            if root.contains_key("version") || root.contains_key("module") {
                return Err(document_error(
                    number,
                    None,
                    "the pre-3.1 `version`/`module` format is not supported; write one `kind`/`spec` document per component".into(),
                ));
            }
            let kind = match root.get("kind") {
                Some(Value::String(kind)) => kind.clone(),
                _ => {
                    return Err(document_error(
                        number,
                        None,
                        "`kind` is missing or not a string".into(),
                    ));
                }
            };
            let empty = Mapping::new();
            let spec = match root.get("spec") {
                Some(Value::Mapping(spec)) => spec,
                None => &empty,
                Some(_) => {
                    return Err(document_error(
                        number,
                        Some(&kind),
                        "`spec` is not a mapping".into(),
                    ));
                }
            };
            let endpoints_before = module.endpoints.len();
            let warnings = module
                .add(
                    &kind,
                    Spec {
                        map: spec,
                        prefix: "spec".into(),
                    },
                )
                .map_err(|problem| document_error(number, Some(&kind), problem))?;
            for warning in warnings {
                tracing::warn!("{origin} document {number} (kind `{kind}`): {warning}");
            }
            if let Some(endpoint) = module.endpoints.get(endpoints_before) {
                if let Some((_, first)) = selectors
                    .iter()
                    .find(|(selector, _)| *selector == endpoint.functions)
                {
                    return Err(document_error(
                        number,
                        Some(&kind),
                        format!(
                            "`spec.functions` is `{}`, as in document {first}: one endpoint per selector",
                            endpoint.functions
                        ),
                    ));
                }
                selectors.push((endpoint.functions.clone(), number));
            }
        }
        Ok((module, components))
    }

    /// Adds the component; returns warnings about keys it ignored.
    fn add(&mut self, kind: &str, spec: Spec<'_>) -> Result<Vec<String>, String> {
        let known = match kind {
            ENDPOINT_V2 => Some(keys::ENDPOINT_V2),
            ENDPOINT_V1 => Some(keys::ENDPOINT_V1),
            PLAYGROUND_INGRESS => Some(keys::PLAYGROUND_INGRESS),
            PLAYGROUND_EGRESS => Some(keys::PLAYGROUND_EGRESS),
            _ => None,
        };
        let mut warnings = match known {
            Some(known) => spec.unknown_keys(known)?,
            None => Vec::new(),
        };
        match kind {
            ENDPOINT_V2 => self.endpoints.push(endpoint(&spec, false, &mut warnings)?),
            ENDPOINT_V1 => self.endpoints.push(endpoint(&spec, true, &mut warnings)?),
            PLAYGROUND_INGRESS => self
                .ingresses
                .push(IngressConfig::Playground { port: spec.port()? }),
            PLAYGROUND_EGRESS => {
                let topics = spec
                    .list("topics")?
                    .iter()
                    .map(|topic| match topic {
                        Value::String(topic) => Ok(topic.clone()),
                        other => Err(format!(
                            "`spec.topics` holds {other:?}, expected topic names"
                        )),
                    })
                    .collect::<Result<_, _>>()?;
                let max_bytes_per_topic = match spec.integer("maxBytesPerTopic")? {
                    None => crate::playground::DEFAULT_TOPIC_MAX_BYTES,
                    Some(bytes) => usize::try_from(bytes)
                        .ok()
                        .filter(|bytes| *bytes > 0)
                        .ok_or_else(|| {
                            format!(
                                "{} is {bytes}, expected a number of bytes greater than 0",
                                spec.key("maxBytesPerTopic")
                            )
                        })?,
                };
                self.egresses.push(EgressConfig::Playground {
                    port: spec.port()?,
                    topics,
                    max_bytes_per_topic,
                });
            }
            KAFKA_INGRESS | KINESIS_INGRESS => self.ingresses.push(IngressConfig::NotRun {
                kind: kind.to_owned(),
                id: spec.required_string("id")?,
            }),
            KAFKA_EGRESS => self.egresses.push(EgressConfig::Logged {
                id: component_id(&spec)?,
                format: RecordFormat::Kafka,
            }),
            KINESIS_EGRESS => self.egresses.push(EgressConfig::Logged {
                id: component_id(&spec)?,
                format: RecordFormat::Kinesis,
            }),
            other => {
                return Err(format!(
                    "unknown kind `{other}`; this runtime runs {ENDPOINT_V2}, {ENDPOINT_V1}, {PLAYGROUND_INGRESS}, {PLAYGROUND_EGRESS}, and accepts Kafka/Kinesis components"
                ));
            }
        }
        Ok(warnings)
    }
}

fn component_id(spec: &Spec<'_>) -> Result<String, String> {
    let id = spec.required_string("id")?;
    id.parse::<crate::FunctionType>()
        .map_err(|error| format!("`spec.id`: {error}"))?;
    Ok(id)
}

fn endpoint(
    spec: &Spec<'_>,
    v1: bool,
    warnings: &mut Vec<String>,
) -> Result<EndpointConfig, String> {
    let functions = spec
        .required_string("functions")?
        .parse::<FunctionSelector>()
        .map_err(|error| format!("`spec.functions`: {error}"))?;
    let url_path_template = UrlTemplate::new(spec.required_string("urlPathTemplate")?)
        .map_err(|error| format!("`spec.urlPathTemplate`: {error}"))?;
    let max_num_batch_requests = match spec.integer("maxNumBatchRequests")? {
        None => crate::DEFAULT_MAX_NUM_BATCH_REQUESTS,
        Some(limit) => usize::try_from(limit.max(0)).unwrap_or(usize::MAX),
    };
    let empty = Mapping::new();
    let no_transport = Spec {
        map: &empty,
        prefix: "spec.transport".into(),
    };
    let mut http = HttpTransportConfig::default();
    let (call, transport) = if v1 {
        let timeouts = spec.mapping("timeouts")?;
        if let Some(timeouts) = &timeouts {
            warnings.extend(timeouts.unknown_keys(keys::TIMEOUTS)?);
        }
        let (call, connect) = okhttp_timeouts(timeouts.as_ref())?;
        http.connect = connect;
        (call, no_transport)
    } else {
        let transport = spec.mapping("transport")?.unwrap_or(no_transport);
        warnings.extend(transport.unknown_keys(keys::TRANSPORT)?);
        if let Some(timeouts) = transport.mapping("timeouts")? {
            warnings.extend(timeouts.unknown_keys(keys::TIMEOUTS)?);
        }
        let (call, connect) = match transport.string("type")?.as_deref() {
            None | Some(ASYNC_TRANSPORT) => match transport.mapping("timeouts")? {
                // As in StateFun, the compatibility block wins, with its own defaults.
                Some(timeouts) => okhttp_timeouts(Some(&timeouts))?,
                None => (
                    transport
                        .duration("call")?
                        .unwrap_or(Duration::from_secs(120)),
                    transport.duration("connect")?.unwrap_or(http.connect),
                ),
            },
            Some(OKHTTP_TRANSPORT) => okhttp_timeouts(transport.mapping("timeouts")?.as_ref())?,
            Some(other) => {
                return Err(format!(
                    "`spec.transport.type` is `{other}`; expected `{ASYNC_TRANSPORT}` or `{OKHTTP_TRANSPORT}`"
                ));
            }
        };
        http.connect = connect;
        (call, transport)
    };
    finish_endpoint(
        functions,
        url_path_template,
        max_num_batch_requests,
        call,
        http,
        &transport,
    )
}

fn finish_endpoint(
    functions: FunctionSelector,
    url_path_template: UrlTemplate,
    max_num_batch_requests: usize,
    call: Duration,
    mut http: HttpTransportConfig,
    transport: &Spec<'_>,
) -> Result<EndpointConfig, String> {
    if let Some(ttl) = transport.duration("pool_ttl")? {
        http.pool_ttl = ttl;
    }
    if let Some(size) = transport.integer("pool_size")? {
        http.pool_size = usize::try_from(size)
            .map_err(|_| "`spec.transport.pool_size` is negative".to_owned())?;
    }
    if let Some(limit) = transport.integer("payload_max_bytes")? {
        http.payload_max_bytes = usize::try_from(limit).ok().filter(|limit| *limit > 0).ok_or_else(|| {
            format!("`spec.transport.payload_max_bytes` is {limit}, expected a number of bytes greater than 0")
        })?;
    }
    http.trust_cacerts = transport.string("trust_cacerts")?.map(file_path);
    match (
        transport.string("client_cert")?,
        transport.string("client_key")?,
    ) {
        (Some(certificate), Some(key)) => {
            http.client_identity = Some((file_path(certificate), file_path(key)));
        }
        (None, None) => {}
        _ => return Err("`spec.transport.client_cert` and `client_key` go together".into()),
    }
    if transport.string("client_key_password")?.is_some() {
        return Err(
            "`spec.transport.client_key_password` is not supported: use an unencrypted PKCS#8 key"
                .into(),
        );
    }
    if call.is_zero() {
        return Err("the call timeout must be greater than 0".into());
    }
    if http.connect.is_zero() {
        return Err(
            "the connect timeout must be greater than 0: no connection could ever be made".into(),
        );
    }
    Ok(EndpointConfig {
        functions,
        url_path_template,
        max_num_batch_requests,
        call,
        http,
    })
}

/// StateFun reads `classpath:` paths from its class path; here they are plain paths.
fn file_path(text: String) -> PathBuf {
    PathBuf::from(text.strip_prefix("classpath:").unwrap_or(&text))
}

/// `timeouts: {call, connect, read, write}` with OkHttp's defaults (1 min, 10 s). `read`
/// and `write` are checked but not applied: each attempt is bounded by the call budget.
fn okhttp_timeouts(timeouts: Option<&Spec<'_>>) -> Result<(Duration, Duration), String> {
    let map = Mapping::new();
    let empty = Spec {
        map: &map,
        prefix: "spec.timeouts".into(),
    };
    let timeouts = timeouts.unwrap_or(&empty);
    let call = timeouts
        .duration("call")?
        .unwrap_or(Duration::from_secs(60));
    let connect = timeouts
        .duration("connect")?
        .unwrap_or(Duration::from_secs(10));
    for key in ["read", "write"] {
        if timeouts
            .duration(key)?
            .is_some_and(|timeout| timeout.is_zero())
        {
            return Err(format!("{} must be greater than 0", timeouts.key(key)));
        }
    }
    if connect > call {
        return Err(format!(
            "`{}.connect` is longer than `call`",
            timeouts.prefix
        ));
    }
    Ok((call, connect))
}

/// A mapping inside a document, with the path used to name its keys in errors.
struct Spec<'a> {
    map: &'a Mapping,
    prefix: String,
}

impl<'a> Spec<'a> {
    fn key(&self, key: &str) -> String {
        format!("`{}.{key}`", self.prefix)
    }

    /// Keys of this mapping not in `known`: an error for one that looks like a typo of a
    /// known key, a warning for any other.
    fn unknown_keys(&self, known: KnownKeys) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        for key in self.map.keys() {
            let Some(key) = key.as_str() else {
                return Err(format!(
                    "`{}` has the key {key:?}, expected text",
                    self.prefix
                ));
            };
            if known.contains(&key) {
                continue;
            }
            match keys::closest(key, known) {
                Some(meant) => {
                    return Err(format!(
                        "{} is not a key here; did you mean `{meant}`?",
                        self.key(key)
                    ));
                }
                None => warnings.push(format!(
                    "{} is not a key this runtime knows, ignored (known: {})",
                    self.key(key),
                    known.join(", ")
                )),
            }
        }
        Ok(warnings)
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(other) => Err(format!("{} is {other:?}, expected a string", self.key(key))),
        }
    }

    fn required_string(&self, key: &str) -> Result<String, String> {
        self.string(key)?
            .ok_or_else(|| format!("{} is missing", self.key(key)))
    }

    fn integer(&self, key: &str) -> Result<Option<i64>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{} is {number}, expected an integer", self.key(key))),
            Some(other) => Err(format!(
                "{} is {other:?}, expected an integer",
                self.key(key)
            )),
        }
    }

    fn port(&self) -> Result<u16, String> {
        let port = self
            .integer("port")?
            .ok_or_else(|| format!("{} is missing", self.key("port")))?;
        u16::try_from(port).map_err(|_| format!("{} is {port}, not a TCP port", self.key("port")))
    }

    fn duration(&self, key: &str) -> Result<Option<Duration>, String> {
        self.string(key)?
            .map(|text| {
                parse_duration(&text).map_err(|problem| format!("{}: {problem}", self.key(key)))
            })
            .transpose()
    }

    fn mapping(&self, key: &str) -> Result<Option<Spec<'a>>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(map)) => Ok(Some(Spec {
                map,
                prefix: format!("{}.{key}", self.prefix),
            })),
            Some(other) => Err(format!(
                "{} is {other:?}, expected a mapping",
                self.key(key)
            )),
        }
    }

    fn list(&self, key: &str) -> Result<&'a [Value], String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Sequence(items)) => Ok(items),
            Some(other) => Err(format!("{} is {other:?}, expected a list", self.key(key))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint_of(spec: &str) -> Result<EndpointConfig, ConfigError> {
        let yaml = format!(
            "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: http://f:8000/{{function.name}}\n{spec}"
        );
        ModuleConfig::parse(&yaml).map(|module| module.endpoints[0].clone())
    }

    #[test]
    fn async_transport_defaults_and_overrides() {
        let defaults = endpoint_of("").unwrap();
        assert_eq!(defaults.call, Duration::from_secs(120));
        assert_eq!(defaults.http.connect, Duration::from_secs(20));
        assert_eq!(defaults.max_num_batch_requests, 1000);
        let tuned = endpoint_of(
            "  maxNumBatchRequests: -1\n  transport:\n    call: 5s\n    connect: 1s\n    pool_size: 8\n",
        )
        .unwrap();
        assert_eq!(
            (tuned.call, tuned.http.connect),
            (Duration::from_secs(5), Duration::from_secs(1))
        );
        assert_eq!(tuned.http.pool_size, 8);
        assert_eq!(tuned.max_num_batch_requests, 0);
    }

    #[test]
    fn a_timeouts_block_wins_with_okhttp_defaults() {
        let endpoint =
            endpoint_of("  transport:\n    call: 5s\n    timeouts:\n      connect: 2s\n").unwrap();
        assert_eq!(endpoint.call, Duration::from_secs(60));
        assert_eq!(endpoint.http.connect, Duration::from_secs(2));
    }

    #[test]
    fn v1_endpoints_read_timeouts_under_spec() {
        let module = ModuleConfig::parse(
            "kind: io.statefun.endpoints.v1/http\nspec:\n  functions: example/greeter\n  urlPathTemplate: https://f/x\n  timeouts:\n    call: 2 min\n",
        )
        .unwrap();
        assert_eq!(module.endpoints[0].call, Duration::from_secs(120));
    }

    #[test]
    fn problems_name_the_document_and_key() {
        let error =
            endpoint_of("  transport:\n    type: io.statefun.transports.v1/carrier-pigeon\n")
                .unwrap_err()
                .to_string();
        assert!(
            error.contains("document 1") && error.contains("carrier-pigeon"),
            "{error}"
        );
        let error = endpoint_of("  transport:\n    call: soon\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`spec.transport.call`"), "{error}");
        let error =
            ModuleConfig::parse("kind: io.statefun.playground.v1/egress\nspec:\n  topics: [a]\n")
                .unwrap_err()
                .to_string();
        assert!(error.contains("`spec.port` is missing"), "{error}");
        let error = ModuleConfig::parse("version: \"3.0\"\nmodule: {}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("not supported"), "{error}");
    }

    #[test]
    fn kafka_and_kinesis_components_are_kept_apart() {
        let module = ModuleConfig::parse(
            "kind: io.statefun.kafka.v1/ingress\nspec:\n  id: example/names\n---\nkind: io.statefun.kinesis.v1/egress\nspec:\n  id: example/out\n",
        )
        .unwrap();
        assert_eq!(
            module.ingresses,
            [IngressConfig::NotRun {
                kind: KAFKA_INGRESS.into(),
                id: "example/names".into()
            }]
        );
        assert_eq!(
            module.egresses,
            [EgressConfig::Logged {
                id: "example/out".into(),
                format: RecordFormat::Kinesis
            }]
        );
    }

    #[test]
    fn a_typo_in_a_key_says_what_was_meant() {
        let error = ModuleConfig::parse(
            "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTempalte: http://f/x\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(
                "`spec.urlPathTempalte` is not a key here; did you mean `urlPathTemplate`?"
            ),
            "{error}"
        );
        let error = endpoint_of("  transport:\n    conect: 1s\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("did you mean `connect`"), "{error}");
        // A key nothing resembles is ignored, as StateFun ignores unknown keys.
        assert!(endpoint_of("  description: the greeter\n").is_ok());
    }

    #[test]
    fn two_endpoints_for_one_selector_are_an_error() {
        let endpoint = "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: http://f/x\n";
        let error = ModuleConfig::parse(&format!("{endpoint}---\n{endpoint}"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("document 2") && error.contains("as in document 1"),
            "{error}"
        );
    }

    #[test]
    fn zero_limits_and_impossible_ports_are_errors() {
        for (spec, named) in [
            (
                "  transport:\n    connect: 0\n",
                "connect timeout must be greater than 0",
            ),
            (
                "  transport:\n    payload_max_bytes: 0\n",
                "`spec.transport.payload_max_bytes` is 0",
            ),
            (
                "  transport:\n    payload_max_bytes: -1\n",
                "`spec.transport.payload_max_bytes` is -1",
            ),
            (
                "  transport:\n    type: io.statefun.transports.v1/okhttp\n    timeouts:\n      read: 0\n",
                "`spec.transport.timeouts.read` must be greater than 0",
            ),
        ] {
            let error = endpoint_of(spec).unwrap_err().to_string();
            assert!(error.contains(named), "{spec}: {error}");
        }
        let error = ModuleConfig::parse(
            "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: http://127.0.0.1:99999/statefun\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("`spec.urlPathTemplate`") && error.contains("`99999` is not a TCP port"),
            "{error}"
        );
    }

    #[test]
    fn errors_name_the_file_loaded_and_an_empty_file_is_refused() {
        let directory =
            std::env::temp_dir().join(format!("statefun-config-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let bad = directory.join("functions.yaml");
        std::fs::write(
            &bad,
            "kind: io.statefun.playground.v1/ingress\nspec:\n  port: 99999\n",
        )
        .unwrap();
        let error = ModuleConfig::load(&bad).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("the module file `{}` document 1", bad.display())),
            "{error}"
        );
        let empty = directory.join("empty.yaml");
        std::fs::write(&empty, "# nothing yet\n").unwrap();
        let error = ModuleConfig::load(&empty).unwrap_err().to_string();
        assert!(
            error.contains(&format!("`{}` declares no component", empty.display())),
            "{error}"
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn playground_topics_are_bounded_by_bytes() {
        let module = ModuleConfig::parse(
            "kind: io.statefun.playground.v1/egress\nspec:\n  port: 0\n  topics: [a]\n  maxBytesPerTopic: 1024\n",
        )
        .unwrap();
        assert!(matches!(
            module.egresses[0],
            EgressConfig::Playground {
                max_bytes_per_topic: 1024,
                ..
            }
        ));
        let error = ModuleConfig::parse(
            "kind: io.statefun.playground.v1/egress\nspec:\n  port: 0\n  maxBytesPerTopic: 0\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("`spec.maxBytesPerTopic` is 0"), "{error}");
    }
}
