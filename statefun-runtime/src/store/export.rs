//! `state export` and `state import`: the stored state as JSON lines, one value a line.
//!
//! ```text
//! {"address":{"namespace":"example","type":"greeter","id":"bob"},"state":"seen","typename":"io.statefun.types/int","value":3}
//! {"address":{"namespace":"example","type":"cart","id":"7"},"state":"items","typename":"example/Items","json":{"apples":2}}
//! {"address":{"namespace":"example","type":"fraud","id":"9"},"state":"model","typename":"example/Model","base64":"CgRhYmNk"}
//! ```
//!
//! Values of the built-in types (`io.statefun.types/int`, `long`, `float`, `double`, `bool`,
//! `string`) are written as JSON values, values that are JSON documents under `json`, and
//! anything else as `base64`; a value that expires has `expires_at_unix_ms` (wall-clock
//! milliseconds since the Unix epoch, as the store keeps it). Import reads the same lines
//! back; a state it writes without a registered spec gets one (that typename, no
//! expiration), which a function announcing the state later must match.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use prost::Message;
use redb::{ReadableDatabase, ReadableTable};
use serde_json::{Value, json};
use statefun_protocol::Address;

use super::FILE;
use super::error::StoreError;
use super::records::{SpecRecord, StateRecord, spec_record, state_record_at};
use super::tables::{self, SPECS, STATES};
use crate::engine::{Expiration, StateSpec};

fn open(dir: &Path) -> Result<redb::Database, StoreError> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Err(StoreError::directory(
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no runtime.redb in it"),
        ));
    }
    let db = redb::Database::create(path).map_err(|source| StoreError::open(dir, source.into()))?;
    tables::create(&db).map_err(StoreError::write)?;
    Ok(db)
}

/// Writes every stored state value in `dir` to `out` as JSON lines; returns how many.
/// The runtime using `dir` must be stopped.
pub fn export_json_lines(dir: impl AsRef<Path>, mut out: impl Write) -> Result<usize, StoreError> {
    let db = open(dir.as_ref())?;
    let read = |source: redb::Error| StoreError::read(source);
    let txn = db.begin_read().map_err(|error| read(error.into()))?;
    let mut typenames = BTreeMap::new();
    for entry in txn
        .open_table(SPECS)
        .map_err(|error| read(error.into()))?
        .iter()
        .map_err(|error| read(error.into()))?
    {
        let (key, value) = entry.map_err(|error| read(error.into()))?;
        let (namespace, name, state) = key.value();
        if let Some(record) = SpecRecord::read(value.value()) {
            typenames.insert(
                (namespace.to_owned(), name.to_owned(), state.to_owned()),
                record.spec.typename,
            );
        }
    }
    let mut count = 0;
    for entry in txn
        .open_table(STATES)
        .map_err(|error| read(error.into()))?
        .iter()
        .map_err(|error| read(error.into()))?
    {
        let (key, value) = entry.map_err(|error| read(error.into()))?;
        let (address, state) = key.value();
        let (Ok(address), Some(record)) =
            (Address::decode(address), StateRecord::read(value.value()))
        else {
            continue;
        };
        let typename = typenames
            .get(&(
                address.namespace.clone(),
                address.r#type.clone(),
                state.to_owned(),
            ))
            .cloned()
            .unwrap_or_default();
        let mut line = json!({
            "address": {"namespace": address.namespace, "type": address.r#type, "id": address.id},
            "state": state,
            "typename": typename,
        });
        let (key, value) = match decode_builtin(&typename, &record.bytes) {
            Some(value) => ("value", value),
            None => match serde_json::from_slice::<Value>(&record.bytes) {
                Ok(document) if !record.bytes.is_empty() => ("json", document),
                _ => ("base64", Value::String(STANDARD.encode(&record.bytes))),
            },
        };
        line[key] = value;
        if record.expires_unix_ms != 0 {
            line["expires_at_unix_ms"] = json!(record.expires_unix_ms);
        }
        writeln!(out, "{line}")
            .map_err(|error| StoreError::format(format!("cannot write: {error}")))?;
        count += 1;
    }
    Ok(count)
}

/// Reads JSON lines as [`export_json_lines`] writes them into the store in `dir`, in one
/// transaction: all lines or, on the first bad one (named by its number), none.
/// The runtime using `dir` must be stopped.
pub fn import_json_lines(dir: impl AsRef<Path>, input: impl BufRead) -> Result<usize, StoreError> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|source| StoreError::directory(dir, source))?;
    let db = redb::Database::create(dir.join(FILE))
        .map_err(|source| StoreError::open(dir, source.into()))?;
    tables::create(&db).map_err(StoreError::write)?;
    let write = |source: redb::Error| StoreError::write(source);
    let txn = db.begin_write().map_err(|error| write(error.into()))?;
    let mut count = 0;
    {
        let mut specs = txn.open_table(SPECS).map_err(|error| write(error.into()))?;
        let mut states = txn
            .open_table(STATES)
            .map_err(|error| write(error.into()))?;
        for (number, line) in input.lines().enumerate() {
            let bad = |what: String| StoreError::format(format!("line {}: {what}", number + 1));
            let line = line.map_err(|error| bad(error.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Value =
                serde_json::from_str(&line).map_err(|error| bad(error.to_string()))?;
            let text = |value: &Value, what: &str| -> Result<String, StoreError> {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("`{what}` must be a string")))
            };
            let address = Address::new(
                text(&record["address"]["namespace"], "address.namespace")?,
                text(&record["address"]["type"], "address.type")?,
                text(&record["address"]["id"], "address.id")?,
            );
            let state = text(&record["state"], "state")?;
            let typename = text(&record["typename"], "typename")?;
            let bytes = if let Some(value) = record.get("value") {
                encode_builtin(&typename, value).ok_or_else(|| {
                    bad(format!(
                        "`value` is not a value of the built-in type `{typename}`"
                    ))
                })?
            } else if let Some(document) = record.get("json") {
                serde_json::to_vec(document).map_err(|error| bad(error.to_string()))?
            } else if let Some(encoded) = record.get("base64") {
                STANDARD
                    .decode(text(encoded, "base64")?)
                    .map_err(|error| bad(format!("`base64`: {error}")))?
            } else {
                return Err(bad("no `value`, `json` or `base64`".to_owned()));
            };
            let spec_key = (
                address.namespace.as_str(),
                address.r#type.as_str(),
                state.as_str(),
            );
            let existing = specs
                .get(spec_key)
                .map_err(|error| write(error.into()))?
                .and_then(|value| SpecRecord::read(value.value()));
            match existing {
                Some(registered) if registered.spec.typename != typename => {
                    return Err(bad(format!(
                        "state `{state}` of `{}/{}` is registered with type `{}`, not `{typename}`",
                        address.namespace, address.r#type, registered.spec.typename
                    )));
                }
                Some(_) => {}
                None => {
                    let index = specs
                        .range((address.namespace.as_str(), address.r#type.as_str(), "")..)
                        .map_err(|error| write(error.into()))?
                        .take_while(|entry| {
                            entry.as_ref().is_ok_and(|(key, _)| {
                                let (namespace, name, _) = key.value();
                                namespace == address.namespace && name == address.r#type
                            })
                        })
                        .count();
                    let spec = StateSpec {
                        typename: typename.clone(),
                        expiration: Expiration::Never,
                    };
                    specs
                        .insert(spec_key, spec_record(index, &spec).as_slice())
                        .map_err(|error| write(error.into()))?;
                }
            }
            let expires = match record.get("expires_at_unix_ms") {
                None => 0,
                Some(at) => at.as_u64().filter(|at| *at > 0).ok_or_else(|| {
                    bad("`expires_at_unix_ms` must be a positive integer".to_owned())
                })?,
            };
            let key = address.encode_to_vec();
            states
                .insert(
                    (key.as_slice(), state.as_str()),
                    state_record_at(expires, &bytes).as_slice(),
                )
                .map_err(|error| write(error.into()))?;
            count += 1;
        }
    }
    txn.commit().map_err(|error| write(error.into()))?;
    Ok(count)
}

fn decode_builtin(typename: &str, bytes: &[u8]) -> Option<Value> {
    let kind = typename.strip_prefix("io.statefun.types/")?;
    let fixed = |key: u8, len: usize| -> Option<&[u8]> {
        match bytes {
            [] => Some(&[][..]),
            [first, rest @ ..] if *first == key && rest.len() == len => Some(rest),
            _ => None,
        }
    };
    let le4 = |raw: &[u8]| -> [u8; 4] { raw.try_into().unwrap_or([0; 4]) };
    let le8 = |raw: &[u8]| -> [u8; 8] { raw.try_into().unwrap_or([0; 8]) };
    Some(match kind {
        "bool" => match bytes {
            [] => json!(false),
            [0x08, value] if *value <= 1 => json!(*value == 1),
            _ => return None,
        },
        "int" => json!(i32::from_le_bytes(le4(fixed(0x0D, 4)?))),
        "long" => json!(i64::from_le_bytes(le8(fixed(0x09, 8)?))),
        "float" => json!(f32::from_le_bytes(le4(fixed(0x0D, 4)?))),
        "double" => json!(f64::from_le_bytes(le8(fixed(0x09, 8)?))),
        "string" => match bytes {
            [] => json!(""),
            [0x0A, ..] => {
                let mut rest = &bytes[1..];
                let len = usize::try_from(prost_varint(&mut rest)?).ok()?;
                (rest.len() == len).then_some(())?;
                json!(std::str::from_utf8(rest).ok()?)
            }
            _ => return None,
        },
        _ => return None,
    })
}

fn prost_varint(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (index, byte) in input.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7F) << (7 * index);
        if *byte < 0x80 {
            *input = &input[index + 1..];
            return Some(value);
        }
    }
    None
}

fn encode_builtin(typename: &str, value: &Value) -> Option<Vec<u8>> {
    let kind = typename.strip_prefix("io.statefun.types/")?;
    let with_key = |key: u8, raw: &[u8], zero: bool| -> Vec<u8> {
        if zero {
            return Vec::new();
        }
        let mut out = vec![key];
        out.extend_from_slice(raw);
        out
    };
    Some(match kind {
        "bool" => {
            if value.as_bool()? {
                vec![0x08, 0x01]
            } else {
                Vec::new()
            }
        }
        "int" => {
            let int = i32::try_from(value.as_i64()?).ok()?;
            with_key(0x0D, &int.to_le_bytes(), int == 0)
        }
        "long" => {
            let long = value.as_i64()?;
            with_key(0x09, &long.to_le_bytes(), long == 0)
        }
        "float" => {
            let float = value.as_f64()? as f32;
            with_key(0x0D, &float.to_le_bytes(), float.to_bits() == 0)
        }
        "double" => {
            let double = value.as_f64()?;
            with_key(0x09, &double.to_le_bytes(), double.to_bits() == 0)
        }
        "string" => {
            let text = value.as_str()?;
            if text.is_empty() {
                return Some(Vec::new());
            }
            let mut out = vec![0x0A];
            let mut len = text.len();
            while len >= 0x80 {
                out.push((len as u8) | 0x80);
                len >>= 7;
            }
            out.push(len as u8);
            out.extend_from_slice(text.as_bytes());
            out
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_values_read_back_as_written() {
        for (typename, value) in [
            ("io.statefun.types/int", json!(5)),
            ("io.statefun.types/int", json!(-1)),
            ("io.statefun.types/int", json!(0)),
            ("io.statefun.types/long", json!(1_i64 << 40)),
            ("io.statefun.types/bool", json!(true)),
            ("io.statefun.types/double", json!(1.5)),
            ("io.statefun.types/float", json!(1.5)),
            ("io.statefun.types/string", json!("hi")),
            ("io.statefun.types/string", json!("x".repeat(300))),
        ] {
            let bytes = encode_builtin(typename, &value).unwrap();
            assert_eq!(decode_builtin(typename, &bytes), Some(value), "{typename}");
        }
        assert_eq!(
            encode_builtin("io.statefun.types/int", &json!(5)).unwrap(),
            [0x0D, 5, 0, 0, 0]
        );
        assert_eq!(decode_builtin("io.statefun.types/int", &[0x0D, 1]), None);
        assert_eq!(decode_builtin("example/Thing", b"{}"), None);
    }

    #[test]
    fn an_export_imports_back_to_the_same_lines() {
        let dir = std::env::temp_dir().join(format!("statefun-export-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let lines = concat!(
            r#"{"address":{"id":"bob","namespace":"example","type":"greeter"},"state":"seen","typename":"io.statefun.types/int","value":3}"#,
            "\n",
            r#"{"address":{"id":"7","namespace":"example","type":"greeter"},"json":{"apples":2},"state":"cart","typename":"example/Cart"}"#,
            "\n",
            r#"{"address":{"id":"7","namespace":"example","type":"greeter"},"base64":"AAE=","state":"raw","typename":"example/Raw","expires_at_unix_ms":4102444800000}"#,
            "\n",
        );
        assert_eq!(import_json_lines(&dir, lines.as_bytes()).unwrap(), 3);
        let mut out = Vec::new();
        assert_eq!(export_json_lines(&dir, &mut out).unwrap(), 3);
        let mut expected: Vec<Value> = lines
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let mut exported: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let key = |value: &Value| value.to_string();
        expected.sort_by_key(key);
        exported.sort_by_key(key);
        assert_eq!(exported, expected);

        let error = import_json_lines(&dir, &b"{\"state\":1}\n"[..]).unwrap_err();
        assert_eq!(error.kind(), super::super::StoreErrorKind::Format);
        assert!(error.to_string().contains("line 1"), "{error}");
        let expiry = r#"{"address":{"id":"7","namespace":"example","type":"greeter"},"base64":"","state":"raw","typename":"example/Raw","expires_at_unix_ms":-1}"#;
        let error = import_json_lines(&dir, expiry.as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("line 1: `expires_at_unix_ms`"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
