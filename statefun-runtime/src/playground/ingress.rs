use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http_body::Body as _;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use statefun_protocol::{Address, TypedValue, typename};

use super::server::Limits;
use crate::{DEFAULT_PAYLOAD_MAX_BYTES, ErrorKind, FunctionSelector, FunctionType, Runtime};

/// A `Content-Type` with this prefix names the message's typename after it.
const TYPENAME_PREFIX: &str = "application/vnd.";

/// What handling one ingress request resolves to.
type Answer = std::pin::Pin<Box<dyn Future<Output = http::Response<Full<Bytes>>> + Send>>;

/// The largest message each function type takes: its endpoint's `payload_max_bytes`, as a
/// batch of one message must fit in it. An exact type wins over its namespace, as in
/// the runtime's routes.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageLimits {
    by_selector: Arc<Vec<(FunctionSelector, usize)>>,
}

impl MessageLimits {
    pub(crate) fn new(limits: impl IntoIterator<Item = (FunctionSelector, usize)>) -> Self {
        Self {
            by_selector: Arc::new(limits.into_iter().collect()),
        }
    }

    fn for_type(&self, function_type: &FunctionType) -> usize {
        let mut namespace_limit = None;
        for (selector, limit) in self.by_selector.iter().rev() {
            match selector {
                FunctionSelector::Type(selected) if selected == function_type => return *limit,
                FunctionSelector::Namespace(_) if selector.matches(function_type) => {
                    namespace_limit.get_or_insert(*limit);
                }
                _ => {}
            }
        }
        namespace_limit.unwrap_or(DEFAULT_PAYLOAD_MAX_BYTES)
    }
}

/// `<any method> /<namespace>/<type>/<id>` with the message as body: 200 once the runtime
/// took it; otherwise a status and a reason (500 for a path that is not three segments,
/// as the playground; 400 for a namespace, type or id that is not valid; 408 for a body
/// that does not arrive in time; 413 for a message over its endpoint's limit).
pub(crate) fn ingress_service(
    runtime: Runtime,
    limits: MessageLimits,
    server: Limits,
) -> impl Fn(http::Request<hyper::body::Incoming>) -> Answer + Clone + Send + Sync + 'static {
    move |request| {
        let runtime = runtime.clone();
        let limits = limits.clone();
        Box::pin(async move {
            match ingest(&runtime, &limits, server.body_read_timeout, request).await {
                Ok(()) => answer(StatusCode::OK, String::new()),
                Err(Refused::Retry { after, reason }) => {
                    tracing::warn!("ingress refused a message: {reason}");
                    let mut response = answer(StatusCode::SERVICE_UNAVAILABLE, reason);
                    response
                        .headers_mut()
                        .insert(http::header::RETRY_AFTER, retry_after_seconds(after).into());
                    response
                }
                Err(Refused::Status(status, reason)) => {
                    tracing::warn!("ingress refused a message: {reason}");
                    answer(status, reason)
                }
            }
        })
    }
}

/// Why the ingress did not take a message.
enum Refused {
    Status(StatusCode, String),
    /// 503 with `Retry-After`.
    Retry {
        after: std::time::Duration,
        reason: String,
    },
}

impl From<(StatusCode, String)> for Refused {
    fn from((status, reason): (StatusCode, String)) -> Self {
        Self::Status(status, reason)
    }
}

async fn ingest(
    runtime: &Runtime,
    limits: &MessageLimits,
    body_read_timeout: std::time::Duration,
    request: http::Request<hyper::body::Incoming>,
) -> Result<(), Refused> {
    let address = parse_address(request.uri().path())?;
    let typename = message_typename(request.headers());
    let function_type = FunctionType::of(&address);
    let limit = limits.for_type(&function_type);
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the message is too large for `{function_type}`: a batch of it alone would exceed the {limit} bytes its endpoint takes (`payload_max_bytes`)"
            ),
        )
    };
    // Content-Length, when sent: refused before a byte of the body is read.
    if request.body().size_hint().lower() > limit as u64 {
        return Err(too_large().into());
    }
    let read = Limited::new(request.into_body(), limit).collect();
    let body = match tokio::time::timeout(body_read_timeout, read).await {
        Err(_) => {
            return Err(Refused::Status(
                StatusCode::REQUEST_TIMEOUT,
                format!("the message body did not arrive within {body_read_timeout:?}"),
            ));
        }
        Ok(Err(error)) if error.is::<LengthLimitError>() => return Err(too_large().into()),
        Ok(Err(error)) => {
            return Err(Refused::Status(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {error}"),
            ));
        }
        Ok(Ok(body)) => body.to_bytes(),
    };
    if envelope_len(&address, &typename, body.len()) > limit {
        return Err(too_large().into());
    }
    runtime
        .send(address, TypedValue::new(typename, body))
        .await
        .map_err(|error| {
            if let Some(after) = error.retry_after() {
                return Refused::Retry {
                    after,
                    reason: error.to_string(),
                };
            }
            let status = if error.kind() == ErrorKind::UnknownFunctionType {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            Refused::Status(status, error.to_string())
        })
}

/// An upper bound of the size of a `ToFunction` carrying only this message: its bytes,
/// the address and typename, and at most 5 bytes of tag and length for each of the 8
/// fields around them.
fn envelope_len(address: &Address, typename: &str, body: usize) -> usize {
    body + typename.len()
        + address.namespace.len()
        + address.r#type.len()
        + address.id.len()
        + 8 * 5
}

/// Exactly three non-empty, percent-decoded segments; a namespace and a type that make a
/// typename and a URL path segment, and an id without control characters.
fn parse_address(path: &str) -> Result<Address, (StatusCode, String)> {
    let invalid_url = || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Invalid URL. Please specify '/namespace/function_type/function_id".to_owned(),
        )
    };
    let segments: Vec<&str> = path
        .strip_prefix('/')
        .ok_or_else(invalid_url)?
        .split('/')
        .collect();
    let [namespace, r#type, id] = segments.as_slice() else {
        return Err(invalid_url());
    };
    if namespace.is_empty() || r#type.is_empty() || id.is_empty() {
        return Err(invalid_url());
    }
    let bad_request = |problem: String| (StatusCode::BAD_REQUEST, problem);
    let decode = |what: &str, segment: &str| {
        percent_decode(segment).ok_or_else(|| {
            bad_request(format!(
                "the {what} `{segment}` is not valid percent-encoded UTF-8"
            ))
        })
    };
    let namespace = decode("namespace", namespace)?;
    let r#type = decode("function type", r#type)?;
    let id = decode("id", id)?;
    check_name("namespace", &namespace).map_err(bad_request)?;
    check_name("function type", &r#type).map_err(bad_request)?;
    if let Some(control) = id.chars().find(|c| c.is_control()) {
        return Err(bad_request(format!(
            "the id {id:?} holds the control character {control:?}"
        )));
    }
    Ok(Address::new(namespace, r#type, id))
}

/// A namespace or a function type name: it becomes part of a typename and of the URL the
/// function is called at, so only URL-safe characters (RFC 3986's unreserved ones) go.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name == "." || name == ".." {
        return Err(format!("the {what} `{name}` is a relative path segment"));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
    {
        None => Ok(()),
        Some(bad) => Err(format!(
            "the {what} {name:?} holds {bad:?}: a namespace or function type may hold only ASCII letters, digits, `-`, `.`, `_` and `~`"
        )),
    }
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = segment.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn message_typename(headers: &http::HeaderMap) -> String {
    headers
        .get_all(CONTENT_TYPE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| value.strip_prefix(TYPENAME_PREFIX))
        .map_or_else(|| typename::STRING.to_owned(), str::to_owned)
}

fn answer(status: StatusCode, body: String) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// `after` as a `Retry-After` value: whole seconds, rounded up and at least one, since a
/// client retrying at once would be refused again.
pub(crate) fn retry_after_seconds(after: Duration) -> u64 {
    (after.as_secs() + u64::from(after.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_need_three_segments() {
        assert_eq!(
            parse_address("/example/person/Bob%20Smith"),
            Ok(Address::new("example", "person", "Bob Smith"))
        );
        for bad in ["/example/person", "/a/b/c/d", "/a//c", "/"] {
            let (status, reason) = parse_address(bad).unwrap_err();
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{bad}");
            assert!(reason.contains("/namespace/function_type/function_id"));
        }
    }

    #[test]
    fn names_that_cannot_be_url_segments_are_bad_requests() {
        for (bad, named) in [
            ("/t/..%2F..%2Fadmin%2Fdrop/x", "`/`"),
            ("/t/x%3Fdebug=1%23/x", "`?`"),
            ("/t/a%20b/x", "' '"),
            ("/a%23b/t/x", "`#`"),
            ("/t/../x", "relative path segment"),
            ("/t/%25/x", "`%`"),
            ("/a/b/%zz", "percent-encoded"),
            ("/a/b/x%0Ay", "control character"),
        ] {
            let (status, reason) = parse_address(bad).unwrap_err();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            let named = named.replace('`', "'");
            assert!(reason.replace('`', "'").contains(&named), "{bad}: {reason}");
        }
        assert!(parse_address("/com.example_1/user-fn~2/any%20id%2F").is_ok());
    }

    #[test]
    fn an_exact_type_limit_wins_over_its_namespace() {
        let limits = MessageLimits::new([
            ("ex/one".parse().unwrap(), 10),
            ("ex/*".parse().unwrap(), 20),
        ]);
        assert_eq!(limits.for_type(&FunctionType::new("ex", "one")), 10);
        assert_eq!(limits.for_type(&FunctionType::new("ex", "two")), 20);
        assert_eq!(
            limits.for_type(&FunctionType::new("other", "x")),
            DEFAULT_PAYLOAD_MAX_BYTES
        );
    }

    #[test]
    fn typename_comes_from_a_vnd_content_type_or_defaults_to_string() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(message_typename(&headers), typename::STRING);
        headers.insert(
            CONTENT_TYPE,
            "application/vnd.example/GreetRequest".parse().unwrap(),
        );
        assert_eq!(message_typename(&headers), "example/GreetRequest");
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(message_typename(&headers), typename::STRING);
    }
}
