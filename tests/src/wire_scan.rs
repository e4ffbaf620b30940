//! prost skips fields it does not know, so a response written with a wrong field number
//! would decode "fine". This walks the raw wire format of a `FromFunction` against the
//! schema and reports any field the protocol does not define.

#[derive(Clone, Copy, Debug)]
enum Msg {
    FromFunction,
    InvocationResponse,
    Mutation,
    Invocation,
    DelayedInvocation,
    EgressMessage,
    Incomplete,
    ValueSpec,
    Expiration,
    Address,
    TypedValue,
}

#[derive(Clone, Copy)]
enum Field {
    Varint,
    Bytes,
    Message(Msg),
}

fn schema(msg: Msg) -> &'static [(u64, Field)] {
    use Field::*;
    match msg {
        Msg::FromFunction => &[
            (100, Message(Msg::InvocationResponse)),
            (101, Message(Msg::Incomplete)),
        ],
        Msg::InvocationResponse => &[
            (1, Message(Msg::Mutation)),
            (2, Message(Msg::Invocation)),
            (3, Message(Msg::DelayedInvocation)),
            (4, Message(Msg::EgressMessage)),
        ],
        Msg::Mutation => &[(1, Varint), (2, Bytes), (3, Message(Msg::TypedValue))],
        Msg::Invocation => &[(1, Message(Msg::Address)), (2, Message(Msg::TypedValue))],
        Msg::DelayedInvocation => &[
            (10, Varint),
            (11, Bytes),
            (1, Varint),
            (2, Message(Msg::Address)),
            (3, Message(Msg::TypedValue)),
        ],
        Msg::EgressMessage => &[(1, Bytes), (2, Bytes), (3, Message(Msg::TypedValue))],
        Msg::Incomplete => &[(1, Message(Msg::ValueSpec))],
        Msg::ValueSpec => &[(1, Bytes), (2, Message(Msg::Expiration)), (3, Bytes)],
        Msg::Expiration => &[(1, Varint), (2, Varint)],
        Msg::Address => &[(1, Bytes), (2, Bytes), (3, Bytes)],
        Msg::TypedValue => &[(1, Bytes), (2, Varint), (3, Bytes)],
    }
}

fn read_varint(buf: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().ok_or("truncated varint")?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint longer than 10 bytes".into())
}

/// Returns the path of the first field of `bytes` (a `FromFunction`) that the protocol
/// does not define, or that arrives with the wrong wire type.
pub fn unknown_field(bytes: &[u8]) -> Result<(), String> {
    scan(bytes, Msg::FromFunction, "FromFunction")
}

fn scan(mut buf: &[u8], msg: Msg, path: &str) -> Result<(), String> {
    while !buf.is_empty() {
        let key = read_varint(&mut buf).map_err(|e| format!("{path}: {e}"))?;
        let (number, wire_type) = (key >> 3, key & 7);
        let Some(&(_, field)) = schema(msg).iter().find(|(n, _)| *n == number) else {
            return Err(format!("{path}: field {number} is not part of {msg:?}"));
        };
        match (field, wire_type) {
            (Field::Varint, 0) => {
                read_varint(&mut buf).map_err(|e| format!("{path}.{number}: {e}"))?;
            }
            (Field::Bytes | Field::Message(_), 2) => {
                let len = read_varint(&mut buf).map_err(|e| format!("{path}.{number}: {e}"))?;
                let len = usize::try_from(len)
                    .map_err(|_| format!("{path}.{number}: length overflow"))?;
                if len > buf.len() {
                    return Err(format!("{path}.{number}: truncated"));
                }
                let (body, rest) = buf.split_at(len);
                buf = rest;
                if let Field::Message(inner) = field {
                    scan(body, inner, &format!("{path}.{number}"))?;
                }
            }
            (_, wire_type) => {
                return Err(format!(
                    "{path}: field {number} has wrong wire type {wire_type}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_known_response_and_rejects_a_wrong_field_number() {
        // FromFunction{invocation_result{state_mutations{MODIFY "seen"}}}
        let good = [
            0xA2, 0x06, 0x08, 0x0A, 0x06, 0x08, 0x01, 0x12, 0x02, b's', b'x',
        ];
        assert_eq!(unknown_field(&good), Ok(()));
        let mut wrong = good;
        wrong[7] = 0x22; // field 4 instead of 2 in the mutation
        assert!(unknown_field(&wrong).unwrap_err().contains("field 4"));
    }
}
