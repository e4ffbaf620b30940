//! Type URLs of `google.protobuf.Any`, held in a [`TypeName`].
//!
//! A 2.x type URL may have any number of `/` (or none), while a `TypeName` has exactly one.
//! A type URL is therefore split at its last `/`; one without a `/` after its first byte
//! is kept whole in the name with an empty namespace, which no valid `TypeName` has, so
//! that it is written back byte for byte.

use bytestring::ByteString;

use crate::TypeName;

/// `url` as a payload typename, to be written back exactly as given.
pub(crate) fn typename_of_url(url: &str) -> TypeName {
    match url.rfind('/') {
        Some(at) if at > 0 => TypeName::from_parts(
            ByteString::from(&url[..at]),
            ByteString::from(&url[at + 1..]),
        ),
        _ => TypeName::from_parts(ByteString::new(), ByteString::from(url)),
    }
}

/// The length of the type URL that `typename` stands for.
pub(crate) fn url_len(typename: &TypeName) -> usize {
    if typename.namespace().is_empty() {
        typename.name().len()
    } else {
        typename.len()
    }
}

/// Appends the type URL that `typename` stands for.
pub(crate) fn write_url(typename: &TypeName, out: &mut bytes::BytesMut) {
    if !typename.namespace().is_empty() {
        out.extend_from_slice(typename.namespace().as_bytes());
        out.extend_from_slice(b"/");
    }
    out.extend_from_slice(typename.name().as_bytes());
}

/// The type URL that `typename` stands for, as text.
pub(crate) fn url_string(typename: &TypeName) -> String {
    if typename.namespace().is_empty() {
        typename.name().to_owned()
    } else {
        typename.to_string()
    }
}

/// Whether a value with type URL `url` is a `ty`, by the 2.x rule: the URL has a `/` and
/// the part after its last `/` is the full name of the type, whatever the prefix.
pub(crate) fn url_names(url: &str, ty: &TypeName) -> bool {
    if ty.namespace().is_empty() {
        return false;
    }
    match url.rfind('/') {
        Some(at) => url[at + 1..] == *ty.name(),
        None => false,
    }
}

/// [`url_names`] on the raw bytes of a type URL.
pub(crate) fn url_bytes_name(url: &[u8], ty: &TypeName) -> bool {
    if ty.namespace().is_empty() {
        return false;
    }
    match url.iter().rposition(|&b| b == b'/') {
        Some(at) => url[at + 1..] == *ty.name().as_bytes(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;

    #[test]
    fn every_url_is_written_back_as_given() {
        for url in [
            "type.googleapis.com/example.GreetRequest",
            "com.example/sub/Unknown",
            "NoSlashHere",
            "",
            "/leading",
            "trailing/",
        ] {
            let typename = typename_of_url(url);
            let mut out = BytesMut::new();
            write_url(&typename, &mut out);
            assert_eq!(&out[..], url.as_bytes());
            assert_eq!(url_len(&typename), url.len());
            assert_eq!(url_string(&typename), url);
        }
    }

    #[test]
    fn types_match_by_the_name_after_the_last_slash() {
        let greet = TypeName::from_static("type.googleapis.com/example.GreetRequest");
        assert!(url_names("com.googleapis/example.GreetRequest", &greet));
        assert!(url_names("a/b/example.GreetRequest", &greet));
        assert!(url_names("/example.GreetRequest", &greet));
        assert!(
            !url_names("example.GreetRequest", &greet),
            "no slash, no type"
        );
        assert!(!url_names(
            "type.googleapis.com/example.GreetRequestX",
            &greet
        ));
        assert!(!url_names("NoSlash", &typename_of_url("NoSlash")));
        for url in [
            "com.googleapis/example.GreetRequest",
            "example.GreetRequest",
            "a/b",
        ] {
            assert_eq!(
                url_bytes_name(url.as_bytes(), &greet),
                url_names(url, &greet)
            );
        }
    }
}
