//! Function URLs: module.yaml's `urlPathTemplate`, and what a request needs of one.

use http::Uri;

const FUNCTION_NAME: &str = "{function.name}";

/// A function URL with `{function.name}` standing for the function type's name (not its
/// namespace), as module.yaml's `urlPathTemplate`. The name is percent-encoded where it
/// goes (every byte but RFC 3986's unreserved characters), so that no function name can
/// change the path, add a query or reach another host; the placeholder may only stand in
/// the path or the query.
///
/// ```
/// use statefun_runtime::transport::UrlTemplate;
///
/// let template = UrlTemplate::new("http://functions:8000/{function.name}").unwrap();
/// assert_eq!(template.render("greeter").unwrap().to_string(), "http://functions:8000/greeter");
/// assert_eq!(template.render("a/../b").unwrap().path(), "/a%2F..%2Fb");
/// assert!(UrlTemplate::new("ftp://functions/x").is_err());
/// assert!(UrlTemplate::new("http://{function.name}:8000/").is_err());
/// assert!(UrlTemplate::new("http://functions:99999/").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate(String);

/// Why a `urlPathTemplate` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid function URL `{template}`: {reason}")]
pub struct UrlTemplateError {
    template: String,
    reason: String,
}

impl UrlTemplate {
    /// Checks that `template` makes an absolute `http` or `https` URL.
    pub fn new(template: impl Into<String>) -> Result<Self, UrlTemplateError> {
        let template = Self(template.into());
        let error = |reason: &str| UrlTemplateError {
            template: template.0.clone(),
            reason: reason.to_owned(),
        };
        if let Some(placeholder) = template.0.find(FUNCTION_NAME) {
            let authority_start = template.0.find("://").map_or(0, |index| index + 3);
            let authority_end = template.0[authority_start..]
                .find(['/', '?', '#'])
                .map_or(template.0.len(), |index| authority_start + index);
            if placeholder < authority_end {
                return Err(error(
                    "`{function.name}` is in the scheme or host part; it may only stand in the path or the query",
                ));
            }
        }
        let uri = template.render("name")?;
        let authority = uri.authority().expect("render checked the host").as_str();
        let host_and_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, rest)| rest);
        let after_host = host_and_port
            .rfind(']')
            .map_or(host_and_port, |index| &host_and_port[index + 1..]);
        if let Some((_, port)) = after_host.rsplit_once(':') {
            match port.parse::<u16>() {
                Ok(0) => return Err(error("port 0 is not a port a function can listen on")),
                Ok(_) => {}
                Err(_) if port.is_empty() => {}
                Err(_) => {
                    return Err(error(&format!(
                        "the port `{port}` is not a TCP port (1 to 65535)"
                    )));
                }
            }
        }
        Ok(template)
    }

    /// The URL for the function type named `name`.
    pub fn render(&self, name: &str) -> Result<Uri, UrlTemplateError> {
        let error = |reason: String| UrlTemplateError {
            template: self.0.clone(),
            reason,
        };
        let uri: Uri = self
            .0
            .replace(FUNCTION_NAME, &percent_encode(name))
            .parse()
            .map_err(|e: http::uri::InvalidUri| error(e.to_string()))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(other) => {
                return Err(error(format!(
                    "the scheme `{other}` is not supported, use http or https"
                )));
            }
            None => {
                return Err(error(
                    "expected an absolute URL such as http://host:port/path".into(),
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(error("the URL has no host".into()));
        }
        Ok(uri)
    }

    /// The URL for `name` in the parts a request is made of.
    pub(crate) fn request_parts(&self, name: &str) -> Result<RequestUrl, UrlTemplateError> {
        let uri = self.render(name)?;
        let tls = uri.scheme_str() == Some("https");
        let default_port = if tls { 443 } else { 80 };
        let port = uri.port_u16().unwrap_or(default_port);
        let bracketed = uri.host().expect("render checked the host");
        // As hyper's client: the `Host` header names the port only when it is not the
        // scheme's default, and keeps the brackets of an IPv6 address.
        let host_header = match uri.port_u16() {
            Some(port) if port != default_port => format!("{bracketed}:{port}"),
            _ => bracketed.to_owned(),
        };
        let host = bracketed
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(bracketed)
            .to_owned();
        let path = match uri.query() {
            Some(query) => format!("{}?{query}", uri.path()),
            None => uri.path().to_owned(),
        };
        Ok(RequestUrl {
            origin: Origin { tls, host, port },
            host_header,
            path,
        })
    }
}

/// Every byte but the unreserved ones as `%XX`; the dot segments `.` and `..` wholly, so
/// that a path normalizer between here and the function cannot take them for directories.
fn percent_encode(name: &str) -> std::borrow::Cow<'_, str> {
    match name {
        "." => return "%2E".into(),
        ".." => return "%2E%2E".into(),
        _ => {}
    }
    let unreserved =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
    if name.bytes().all(unreserved) {
        return name.into();
    }
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if unreserved(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded.into()
}

impl std::fmt::Display for UrlTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where connections go: connections to one origin are pooled together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub tls: bool,
    /// The host name or IP address, without the brackets of an IPv6 address.
    pub host: String,
    pub port: u16,
}

/// A rendered function URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestUrl {
    pub origin: Origin,
    /// The `Host` header's value.
    pub host_header: String,
    /// The request target: the path (never empty) and the query.
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_replaces_the_function_name_everywhere() {
        let template = UrlTemplate::new("https://h/{function.name}/x?f={function.name}").unwrap();
        assert_eq!(
            template.render("greeter").unwrap().to_string(),
            "https://h/greeter/x?f=greeter"
        );
    }

    #[test]
    fn function_names_cannot_change_the_path_or_add_a_query() {
        let template = UrlTemplate::new("http://127.0.0.1:18401/fn/{function.name}").unwrap();
        for (name, path) in [
            ("../../admin/drop", "/fn/..%2F..%2Fadmin%2Fdrop"),
            ("x?debug=1#", "/fn/x%3Fdebug%3D1%23"),
            ("a b", "/fn/a%20b"),
            ("ünï", "/fn/%C3%BCn%C3%AF"),
            ("..", "/fn/%2E%2E"),
            (".", "/fn/%2E"),
        ] {
            let parts = template.request_parts(name).unwrap();
            assert_eq!(parts.path, path, "{name}");
            assert_eq!(parts.origin.port, 18401);
        }
    }

    /// Every name of up to two characters from an alphabet of the troublesome ones (and
    /// every single byte): the rendered URL keeps the template's host, port and path
    /// segments, and has no query or fragment of the name's making.
    #[test]
    fn no_short_name_escapes_its_path_segment() {
        let template = UrlTemplate::new("http://h:1/fn/{function.name}/x").unwrap();
        let alphabet = [
            "/", "?", "#", "%", ".", " ", "\\", "@", ":", "a", "é", "\0", "\r\n",
        ];
        let mut names: Vec<String> = (0u8..128)
            .map(|byte| char::from(byte).to_string())
            .collect();
        for first in alphabet {
            for second in alphabet {
                names.push(format!("{first}{second}"));
            }
        }
        for name in names {
            let parts = template.request_parts(&name).unwrap();
            assert_eq!(
                (parts.origin.host.as_str(), parts.origin.port),
                ("h", 1),
                "{name:?}"
            );
            let segments: Vec<&str> = parts.path.split('/').collect();
            assert_eq!(segments.len(), 4, "{name:?}: {}", parts.path);
            assert_eq!((segments[1], segments[3]), ("fn", "x"), "{name:?}");
            assert!(!matches!(segments[2], "." | ".."), "{name:?}");
            assert!(!parts.path.contains(['?', '#']), "{name:?}: {}", parts.path);
        }
    }

    #[test]
    fn a_placeholder_in_the_host_or_a_port_out_of_range_is_refused() {
        for (bad, reason) in [
            ("http://{function.name}/x", "host part"),
            ("http://fn-{function.name}.svc:80/x", "host part"),
            ("{function.name}://h/x", "host part"),
            (
                "http://127.0.0.1:99999/statefun",
                "`99999` is not a TCP port",
            ),
            ("http://127.0.0.1:0/statefun", "port 0"),
            ("http://[::1]:70000/", "`70000`"),
        ] {
            let error = UrlTemplate::new(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
        for good in [
            "http://[::1]/x",
            "http://h:8000/{function.name}?q={function.name}",
        ] {
            assert!(UrlTemplate::new(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn template_rejects_relative_and_unix_urls() {
        for bad in ["/statefun", "http+unix:///tmp/x.sock/statefun", "http://"] {
            let error = UrlTemplate::new(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn request_parts_name_the_port_only_when_not_the_default() {
        let parts = |url: &str| UrlTemplate::new(url).unwrap().request_parts("f").unwrap();
        let plain = parts("http://functions/{function.name}");
        assert_eq!(
            plain.origin,
            Origin {
                tls: false,
                host: "functions".into(),
                port: 80
            }
        );
        assert_eq!(
            (plain.host_header.as_str(), plain.path.as_str()),
            ("functions", "/f")
        );
        let explicit = parts("https://functions:443?x=1");
        assert_eq!((explicit.origin.tls, explicit.origin.port), (true, 443));
        assert_eq!(explicit.host_header, "functions");
        assert_eq!(explicit.path, "/?x=1");
        let ipv6 = parts("http://[::1]:8000/statefun");
        assert_eq!(ipv6.origin.host, "::1");
        assert_eq!(ipv6.host_header, "[::1]:8000");
    }
}
