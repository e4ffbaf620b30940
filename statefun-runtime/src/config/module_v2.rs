//! The StateFun 2.x module formats, `version: "1.0"` and `"2.0"`: one document with
//! `module.meta.type: remote` and `module.spec` lists of functions, ingresses, egresses and
//! routers. Functions speak the 2.x protocol ([`crate::v2`]).

use std::time::Duration;

use serde_yaml_ng::{Mapping, Value};

use super::duration::parse_duration;
use super::module::{EgressConfig, EndpointConfig, EndpointProtocol, IngressConfig, ModuleConfig};
use crate::egress::RecordFormat;
use crate::transport::{HttpTransportConfig, UrlTemplate};
use crate::v2::{ExpireMode, StateDecl};
use crate::{FunctionSelector, FunctionType};

const PLAYGROUND_INGRESS: &str = "io.statefun.playground.v1/ingress";
const PLAYGROUND_EGRESS: &str = "io.statefun.playground.v1/egress";
const KAFKA_INGRESSES: [&str; 2] = [
    "statefun.kafka.io/routable-protobuf-ingress",
    "statefun.kafka.io/protobuf-ingress",
];
const KINESIS_INGRESS: &str = "statefun.kinesis.io/routable-protobuf-ingress";
const KAFKA_EGRESS: &str = "statefun.kafka.io/generic-egress";
const KINESIS_EGRESS: &str = "statefun.kinesis.io/generic-egress";

/// The StateFun 2.x defaults (`HttpFunctionSpec`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `root` is a 2.x module document.
pub(crate) fn is_v2(root: &Mapping) -> bool {
    root.contains_key("version") || root.contains_key("module")
}

/// Reads a 2.x module document.
pub(crate) fn parse(root: &Mapping) -> Result<ModuleConfig, String> {
    let version = match root.get("version") {
        Some(Value::String(version)) => version.as_str(),
        Some(other) => {
            return Err(format!(
                "`version` is {other:?}, expected \"1.0\" or \"2.0\""
            ));
        }
        None => return Err("`version` is missing; expected \"1.0\" or \"2.0\"".into()),
    };
    let v1 = match version {
        "1.0" => true,
        "2.0" => false,
        "3.0" => {
            return Err(
                "the pre-3.1 `version: \"3.0\"` format is not supported; write one `kind`/`spec` document per component".into(),
            );
        }
        other => {
            return Err(format!(
                "unrecognized format version `{other}`; expected \"1.0\" or \"2.0\""
            ));
        }
    };
    let module = mapping(root, "module", "")?.ok_or("`module` is missing")?;
    let meta = mapping(module, "meta", "module")?.ok_or("`module.meta` is missing")?;
    match meta.get("type") {
        Some(Value::String(kind)) if kind.eq_ignore_ascii_case("remote") => {}
        other => {
            return Err(format!(
                "`module.meta.type` is {other:?}, expected `remote`"
            ));
        }
    }
    let spec = mapping(module, "spec", "module")?.ok_or("`module.spec` is missing")?;
    let mut config = ModuleConfig::default();
    for (index, item) in list(spec, "functions", "module.spec")?.iter().enumerate() {
        let at = format!("module.spec.functions[{index}].function");
        let function = item_body(item, "function", &at)?;
        config.endpoints.push(function_endpoint(function, v1, &at)?);
    }
    for (index, item) in list(spec, "ingresses", "module.spec")?.iter().enumerate() {
        let at = format!("module.spec.ingresses[{index}].ingress");
        config
            .ingresses
            .push(ingress(item_body(item, "ingress", &at)?, &at)?);
    }
    for (index, item) in list(spec, "egresses", "module.spec")?.iter().enumerate() {
        let at = format!("module.spec.egresses[{index}].egress");
        config
            .egresses
            .push(egress(item_body(item, "egress", &at)?, &at)?);
    }
    for (index, item) in list(spec, "routers", "module.spec")?.iter().enumerate() {
        let at = format!("module.spec.routers[{index}].router");
        let router = item_body(item, "router", &at)?;
        let meta = mapping(router, "meta", &at)?.ok_or(format!("`{at}.meta` is missing"))?;
        string(meta, "type", &format!("{at}.meta"))?;
        tracing::warn!(
            "router {index} is not run: it routes a Kafka ingress, which this runtime does not connect to"
        );
    }
    Ok(config)
}

fn mapping<'a>(map: &'a Mapping, key: &str, at: &str) -> Result<Option<&'a Mapping>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Mapping(inner)) => Ok(Some(inner)),
        Some(other) => Err(format!(
            "`{}` is {other:?}, expected a mapping",
            join(at, key)
        )),
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn list<'a>(map: &'a Mapping, key: &str, at: &str) -> Result<&'a [Value], String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Sequence(items)) => Ok(items),
        Some(other) => Err(format!("`{}` is {other:?}, expected a list", join(at, key))),
    }
}

fn item_body<'a>(item: &'a Value, key: &str, at: &str) -> Result<&'a Mapping, String> {
    item.as_mapping()
        .and_then(|item| item.get(key))
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("`{at}` is missing or not a mapping"))
}

fn optional_string(map: &Mapping, key: &str, at: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(format!(
            "`{}` is {other:?}, expected a string",
            join(at, key)
        )),
    }
}

fn string(map: &Mapping, key: &str, at: &str) -> Result<String, String> {
    optional_string(map, key, at)?.ok_or_else(|| format!("`{}` is missing", join(at, key)))
}

fn duration(map: &Mapping, key: &str, at: &str) -> Result<Option<Duration>, String> {
    optional_string(map, key, at)?
        .map(|text| parse_duration(&text).map_err(|e| format!("`{}`: {e}", join(at, key))))
        .transpose()
}

/// A `namespace/name`, split at the last `/` with both parts non-empty, as 2.x does.
fn typename(text: &str, what: &str) -> Result<FunctionType, String> {
    match text.rsplit_once('/') {
        Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() => {
            Ok(FunctionType::new(namespace, name))
        }
        _ => Err(format!("`{what}` is `{text}`, expected `namespace/name`")),
    }
}

fn port(spec: &Mapping, at: &str) -> Result<u16, String> {
    match spec.get("port") {
        Some(Value::Number(number)) => number
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .ok_or_else(|| format!("`{at}.port` is {number}, expected a port number")),
        other => Err(format!("`{at}.port` is {other:?}, expected a port number")),
    }
}

fn function_endpoint(function: &Mapping, v1: bool, at: &str) -> Result<EndpointConfig, String> {
    let meta_at = format!("{at}.meta");
    let meta = mapping(function, "meta", at)?.ok_or(format!("`{meta_at}` is missing"))?;
    let kind = string(meta, "kind", &meta_at)?;
    if !kind.eq_ignore_ascii_case("http") {
        return Err(format!(
            "`{meta_at}.kind` is `{kind}`; this runtime calls `http` functions only"
        ));
    }
    let function_type = typename(&string(meta, "type", &meta_at)?, &format!("{meta_at}.type"))?;
    let spec_at = format!("{at}.spec");
    let spec = mapping(function, "spec", at)?.ok_or(format!("`{spec_at}` is missing"))?;
    let endpoint = string(spec, "endpoint", &spec_at)?;
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(format!(
            "`{spec_at}.endpoint` is `{endpoint}`; this runtime calls http:// and https:// endpoints (not http+unix)"
        ));
    }
    let url_path_template = UrlTemplate::new(endpoint.clone())
        .map_err(|error| format!("`{spec_at}.endpoint`: {error}"))?;
    let states = states(spec, v1, &spec_at)?;
    let max_num_batch_requests = match spec.get("maxNumBatchRequests") {
        None | Some(Value::Null) => crate::DEFAULT_MAX_NUM_BATCH_REQUESTS,
        Some(Value::Number(number)) => match number.as_i64() {
            Some(limit) => usize::try_from(limit.max(0)).unwrap_or(usize::MAX),
            None => {
                return Err(format!(
                    "`{spec_at}.maxNumBatchRequests` is {number}, expected an integer"
                ));
            }
        },
        Some(other) => {
            return Err(format!(
                "`{spec_at}.maxNumBatchRequests` is {other:?}, expected an integer"
            ));
        }
    };
    let call = duration(spec, "timeout", &spec_at)?.unwrap_or(DEFAULT_TIMEOUT);
    let mut http = HttpTransportConfig::default();
    for key in ["connectTimeout", "readTimeout", "writeTimeout"] {
        let timeout = duration(spec, key, &spec_at)?.unwrap_or(DEFAULT_IO_TIMEOUT);
        if timeout.is_zero() {
            return Err(format!("`{spec_at}.{key}` must not be zero"));
        }
        if timeout > call {
            return Err(format!(
                "`{spec_at}.{key}` ({timeout:?}) is longer than `{spec_at}.timeout` ({call:?})"
            ));
        }
        if key == "connectTimeout" {
            http.connect = timeout;
        }
    }
    let functions: FunctionSelector = function_type
        .to_string()
        .parse()
        .map_err(|error| format!("`{meta_at}.type`: {error}"))?;
    Ok(EndpointConfig::v2(
        functions,
        url_path_template,
        max_num_batch_requests,
        call,
        http,
        EndpointProtocol::V2 { states },
    ))
}

fn states(spec: &Mapping, v1: bool, at: &str) -> Result<Vec<StateDecl>, String> {
    let mut states = Vec::new();
    for (index, item) in list(spec, "states", at)?.iter().enumerate() {
        let item_at = format!("{at}.states[{index}]");
        let state = if v1 {
            // Format 1.0 lists names; anything else in the list is skipped, as in 2.x.
            let Value::String(name) = item else { continue };
            StateDecl::new(name.clone())
        } else {
            let Some(map) = item.as_mapping() else {
                return Err(format!(
                    "`{item_at}` is {item:?}; format 2.0 declares a state as {{name, expireAfter, expireMode}}"
                ));
            };
            let state = StateDecl::new(string(map, "name", &item_at)?);
            match duration(map, "expireAfter", &item_at)? {
                None => state,
                Some(after) => {
                    let mode = match optional_string(map, "expireMode", &item_at)?.as_deref() {
                        None | Some("after-invoke") => ExpireMode::AfterInvoke,
                        Some("after-write") => ExpireMode::AfterWrite,
                        Some(other) => {
                            return Err(format!(
                                "`{item_at}.expireMode` is `{other}`, expected `after-invoke` or `after-write`"
                            ));
                        }
                    };
                    state.expiring(after, mode)
                }
            }
        };
        if state.name.is_empty() {
            return Err(format!("`{item_at}` has an empty name"));
        }
        if states.iter().any(|s: &StateDecl| s.name == state.name) {
            return Err(format!(
                "`{item_at}`: the state `{}` is declared twice",
                state.name
            ));
        }
        states.push(state);
    }
    Ok(states)
}

fn meta_of<'a>(component: &'a Mapping, at: &str) -> Result<(String, String, &'a Mapping), String> {
    let meta_at = format!("{at}.meta");
    let meta = mapping(component, "meta", at)?.ok_or(format!("`{meta_at}` is missing"))?;
    let kind = string(meta, "type", &meta_at)?;
    let id = string(meta, "id", &meta_at)?;
    typename(&id, &format!("{meta_at}.id"))?;
    static EMPTY: std::sync::LazyLock<Mapping> = std::sync::LazyLock::new(Mapping::new);
    let spec = mapping(component, "spec", at)?.unwrap_or(&EMPTY);
    Ok((kind, id, spec))
}

fn ingress(component: &Mapping, at: &str) -> Result<IngressConfig, String> {
    let (kind, id, spec) = meta_of(component, at)?;
    let spec_at = format!("{at}.spec");
    if kind == PLAYGROUND_INGRESS {
        return Ok(IngressConfig::Playground {
            port: port(spec, &spec_at)?,
        });
    }
    if KAFKA_INGRESSES.contains(&kind.as_str()) || kind == KINESIS_INGRESS {
        if kind != KINESIS_INGRESS {
            string(spec, "address", &spec_at)?;
        }
        return Ok(IngressConfig::NotRun { kind, id });
    }
    Err(format!(
        "`{at}.meta.type` is `{kind}`; this runtime accepts {PLAYGROUND_INGRESS}, {}, {KINESIS_INGRESS}",
        KAFKA_INGRESSES.join(", ")
    ))
}

fn egress(component: &Mapping, at: &str) -> Result<EgressConfig, String> {
    let (kind, id, spec) = meta_of(component, at)?;
    let spec_at = format!("{at}.spec");
    match kind.as_str() {
        PLAYGROUND_EGRESS => {
            let topics = list(spec, "topics", &spec_at)?
                .iter()
                .map(|topic| match topic {
                    Value::String(topic) => Ok(topic.clone()),
                    other => Err(format!(
                        "`{spec_at}.topics` holds {other:?}, expected topic names"
                    )),
                })
                .collect::<Result<_, _>>()?;
            Ok(EgressConfig::PlaygroundV2 {
                id,
                port: port(spec, &spec_at)?,
                topics,
            })
        }
        KAFKA_EGRESS => {
            string(spec, "address", &spec_at)?;
            Ok(EgressConfig::Logged {
                id,
                format: RecordFormat::Kafka,
            })
        }
        KINESIS_EGRESS => Ok(EgressConfig::Logged {
            id,
            format: RecordFormat::Kinesis,
        }),
        other => Err(format!(
            "`{at}.meta.type` is `{other}`; this runtime accepts {PLAYGROUND_EGRESS}, {KAFKA_EGRESS}, {KINESIS_EGRESS}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_yaml(yaml: &str) -> Result<ModuleConfig, String> {
        let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
        parse(value.as_mapping().unwrap())
    }

    const V2: &str = r#"
version: "2.0"
module:
  meta:
    type: remote
  spec:
    functions:
      - function:
          meta:
            kind: http
            type: example/greeter
          spec:
            endpoint: http://127.0.0.1:8000/statefun
            states:
              - name: seen_count
                expireAfter: 5min
                expireMode: after-write
              - name: other
            maxNumBatchRequests: 500
            timeout: 2min
    ingresses:
      - ingress:
          meta:
            type: io.statefun.playground.v1/ingress
            id: example/names
          spec:
            port: 8090
    egresses:
      - egress:
          meta:
            type: io.statefun.playground.v1/egress
            id: example/greets
          spec:
            port: 8091
            topics: [greetings]
      - egress:
          meta:
            type: statefun.kafka.io/generic-egress
            id: example/kafka
          spec:
            address: kafka:9092
"#;

    #[test]
    fn reads_format_2_0() {
        let module = parse_yaml(V2).unwrap();
        let endpoint = &module.endpoints[0];
        assert_eq!(endpoint.max_num_batch_requests, 500);
        assert_eq!(endpoint.call, Duration::from_secs(120));
        let EndpointProtocol::V2 { states } = &endpoint.protocol else {
            panic!("a 2.x function");
        };
        assert_eq!(
            states[0],
            StateDecl::new("seen_count").expiring(Duration::from_secs(300), ExpireMode::AfterWrite)
        );
        assert_eq!(states[1], StateDecl::new("other"));
        assert_eq!(
            module.ingresses[0],
            IngressConfig::Playground { port: 8090 }
        );
        assert_eq!(
            module.egresses[0],
            EgressConfig::PlaygroundV2 {
                id: "example/greets".into(),
                port: 8091,
                topics: vec!["greetings".into()]
            }
        );
        assert!(matches!(module.egresses[1], EgressConfig::Logged { .. }));
    }

    #[test]
    fn reads_format_1_0_state_names() {
        let yaml = V2
            .replace("\"2.0\"", "\"1.0\"")
            .replace(
                "              - name: seen_count\n                expireAfter: 5min\n                expireMode: after-write\n              - name: other\n",
                "              - seen_count\n              - 7\n",
            );
        let module = parse_yaml(&yaml).unwrap();
        let EndpointProtocol::V2 { states } = &module.endpoints[0].protocol else {
            panic!("a 2.x function");
        };
        assert_eq!(states, &[StateDecl::new("seen_count")]);
    }

    #[test]
    fn bad_modules_say_what_is_wrong() {
        let cases = [
            (
                V2.replace("\"2.0\"", "\"2.5\""),
                "unrecognized format version",
            ),
            (V2.replace("\"2.0\"", "\"3.0\""), "not supported"),
            (
                V2.replace("type: remote", "type: embedded"),
                "module.meta.type",
            ),
            (
                V2.replace("expireMode: after-write", "expireMode: sometimes"),
                "expireMode",
            ),
            (V2.replace("timeout: 2min", "timeout: 5s"), "longer than"),
            (
                V2.replace("kind: http", "kind: grpc"),
                "http` functions only",
            ),
            (
                V2.replace("type: example/greeter", "type: greeter"),
                "namespace/name",
            ),
            (
                V2.replace("http://127.0.0.1", "http+unix:///tmp/s.sock"),
                "http+unix",
            ),
            (
                V2.replace("- name: other", "- name: seen_count"),
                "declared twice",
            ),
            (
                V2.replace("              - name: other\n", "              - other\n"),
                "format 2.0 declares a state",
            ),
            (
                V2.replace("statefun.kafka.io/generic-egress", "x/y"),
                "accepts",
            ),
        ];
        for (yaml, words) in cases {
            let error = parse_yaml(&yaml).unwrap_err();
            assert!(error.contains(words), "{words}: {error}");
        }
    }
}
