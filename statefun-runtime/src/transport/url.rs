//! Function URLs: module.yaml's `urlPathTemplate`, and what a request needs of one.

use http::Uri;

const FUNCTION_NAME: &str = "{function.name}";

/// A function URL with `{function.name}` standing for the function type's name (not its
/// namespace), as module.yaml's `urlPathTemplate`.
///
/// ```
/// use statefun_runtime::transport::UrlTemplate;
///
/// let template = UrlTemplate::new("http://functions:8000/{function.name}").unwrap();
/// assert_eq!(template.render("greeter").unwrap().to_string(), "http://functions:8000/greeter");
/// assert!(UrlTemplate::new("ftp://functions/x").is_err());
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
        template.render("name")?;
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
            .replace(FUNCTION_NAME, name)
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
