//! prost skips fields it does not know, so a response written with a wrong field number
//! would decode "fine". This walks the raw wire format of a `FromFunction` against the
//! schema and reports any field the protocol does not define.

use statefun_protocol::wire::Reader;

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

/// Returns the path of the first field of `bytes` (a `FromFunction`) that the protocol
/// does not define, or that arrives with the wrong wire type.
pub fn unknown_field(bytes: &[u8]) -> Result<(), String> {
    scan(Reader::new(bytes), Msg::FromFunction, "FromFunction")
}

fn scan(mut reader: Reader<'_>, msg: Msg, path: &str) -> Result<(), String> {
    while let Some((number, value)) = reader.next_field().map_err(|e| format!("{path}: {e}"))? {
        let Some(&(_, field)) = schema(msg).iter().find(|(n, _)| *n == u64::from(number)) else {
            return Err(format!("{path}: field {number} is not part of {msg:?}"));
        };
        let wrong = |e| format!("{path}: {e}");
        match field {
            Field::Varint => {
                value.varint(number).map_err(wrong)?;
            }
            Field::Bytes => {
                value.bytes(number).map_err(wrong)?;
            }
            Field::Message(inner) => {
                let range = value.bytes(number).map_err(wrong)?;
                scan(reader.nested(range), inner, &format!("{path}.{number}"))?;
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
        let mut wrong_type = good;
        wrong_type[5] = 0x0A; // the mutation's field 1 (a varint) length-delimited
        let error = unknown_field(&wrong_type).unwrap_err();
        assert!(
            error.contains("FromFunction.100.1: field 1 has wire type"),
            "{error}"
        );
    }
}
