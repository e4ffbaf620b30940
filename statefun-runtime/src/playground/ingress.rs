use bytes::Bytes;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Full, Limited};
use statefun_protocol::{Address, TypedValue, typename};

use crate::{DEFAULT_PAYLOAD_MAX_BYTES, ErrorKind, Runtime};

/// A `Content-Type` with this prefix names the message's typename after it.
const TYPENAME_PREFIX: &str = "application/vnd.";

/// What handling one ingress request resolves to.
type Answer = std::pin::Pin<Box<dyn Future<Output = http::Response<Full<Bytes>>> + Send>>;

/// `<any method> /<namespace>/<type>/<id>` with the message as body: 200 once the runtime
/// took it, 500 with a reason otherwise, as the playground ingress.
pub(crate) fn ingress_service(
    runtime: Runtime,
) -> impl Fn(http::Request<hyper::body::Incoming>) -> Answer + Clone + Send + Sync + 'static {
    move |request| {
        let runtime = runtime.clone();
        Box::pin(async move {
            match ingest(&runtime, request).await {
                Ok(()) => answer(StatusCode::OK, String::new()),
                Err((status, reason)) => {
                    tracing::warn!("ingress refused a message: {reason}");
                    answer(status, reason)
                }
            }
        })
    }
}

async fn ingest(
    runtime: &Runtime,
    request: http::Request<hyper::body::Incoming>,
) -> Result<(), (StatusCode, String)> {
    let address = parse_address(request.uri().path()).ok_or_else(|| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Invalid URL. Please specify '/namespace/function_type/function_id".to_owned(),
        )
    })?;
    let typename = message_typename(request.headers());
    let body = Limited::new(request.into_body(), DEFAULT_PAYLOAD_MAX_BYTES)
        .collect()
        .await
        .map_err(|error| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the body: {error}"),
            )
        })?
        .to_bytes();
    runtime
        .send(address, TypedValue::new(typename, body))
        .await
        .map_err(|error| {
            let status = if error.kind() == ErrorKind::UnknownFunctionType {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (status, error.to_string())
        })
}

/// Exactly three non-empty, percent-decoded segments.
fn parse_address(path: &str) -> Option<Address> {
    let segments: Vec<String> = path
        .strip_prefix('/')?
        .split('/')
        .map(percent_decode)
        .collect::<Option<_>>()?;
    match segments.as_slice() {
        [namespace, r#type, id]
            if !namespace.is_empty() && !r#type.is_empty() && !id.is_empty() =>
        {
            Some(Address::new(namespace.clone(), r#type.clone(), id.clone()))
        }
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_need_three_segments() {
        assert_eq!(
            parse_address("/example/person/Bob%20Smith"),
            Some(Address::new("example", "person", "Bob Smith"))
        );
        for bad in ["/example/person", "/a/b/c/d", "/a//c", "/a/b/%zz", "/"] {
            assert_eq!(parse_address(bad), None, "{bad}");
        }
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
