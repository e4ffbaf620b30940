//! The byte layouts of stored values: small fixed headers, then lengths and bytes.
//!
//! Times are stored as wall-clock milliseconds since the Unix epoch, since the runtime's
//! clock (`tokio::time::Instant`) starts anew with every process. An instant is mapped to
//! wall-clock time through one reading of both clocks per process, so that stored times
//! follow the runtime's clock: a paused Tokio clock moved by a test moves them too, and a
//! wall clock set back while the runtime runs does not.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prost::Message;
use statefun_protocol::TypedValue;
use tokio::time::Instant;

use crate::engine::{DelayedMessage, Expiration, StateSpec};

/// Both clocks read once, at the first conversion.
fn clocks() -> (SystemTime, Instant) {
    static BASE: OnceLock<(SystemTime, Instant)> = OnceLock::new();
    *BASE.get_or_init(|| (SystemTime::now(), Instant::now()))
}

/// `Instant` to wall-clock milliseconds.
pub(crate) fn wall_millis(at: Instant) -> u64 {
    let (wall_base, base) = clocks();
    let wall = if at >= base {
        wall_base + (at - base)
    } else {
        wall_base - (base - at)
    };
    wall.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}

/// Wall-clock milliseconds to an `Instant` of this process.
pub(crate) fn instant_of(millis: u64) -> Instant {
    let (wall_base, base) = clocks();
    let wall = UNIX_EPOCH + Duration::from_millis(millis);
    match wall.duration_since(wall_base) {
        Ok(ahead) => base + ahead,
        Err(behind) => base.checked_sub(behind.duration()).unwrap_or(base),
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Reads what [`put_bytes`] wrote, moving `input` past it.
fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(input.get(..4)?.try_into().ok()?) as usize;
    let bytes = input.get(4..4 + len)?;
    *input = &input[4 + len..];
    Some(bytes)
}

fn take_u64(input: &mut &[u8]) -> Option<u64> {
    let value = u64::from_be_bytes(input.get(..8)?.try_into().ok()?);
    *input = &input[8..];
    Some(value)
}

/// A state value: when it expires (0: never), then its bytes.
pub(crate) fn state_record(expires_at: Option<Instant>, bytes: &[u8]) -> Vec<u8> {
    state_record_at(expires_at.map_or(0, wall_millis), bytes)
}

/// A state value expiring at `expires_unix_ms` (0: never).
pub(crate) fn state_record_at(expires_unix_ms: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + bytes.len());
    out.extend_from_slice(&expires_unix_ms.to_be_bytes());
    out.extend_from_slice(bytes);
    out
}

pub(crate) struct StateRecord {
    pub expires_at: Option<Instant>,
    /// The same as wall-clock milliseconds (0: never).
    pub expires_unix_ms: u64,
    pub bytes: Vec<u8>,
}

impl StateRecord {
    pub fn read(mut input: &[u8]) -> Option<Self> {
        let expires = take_u64(&mut input)?;
        Some(Self {
            expires_at: (expires != 0).then(|| instant_of(expires)),
            expires_unix_ms: expires,
            bytes: input.to_vec(),
        })
    }
}

/// A registered state spec: its registration index, expiration and typename.
pub(crate) fn spec_record(index: usize, spec: &StateSpec) -> Vec<u8> {
    let (mode, ttl) = match spec.expiration {
        Expiration::Never => (0u8, Duration::ZERO),
        Expiration::AfterWrite(ttl) => (1, ttl),
        Expiration::AfterInvoke(ttl) => (2, ttl),
    };
    let mut out = Vec::new();
    out.extend_from_slice(&u64::try_from(index).unwrap_or(u64::MAX).to_be_bytes());
    out.push(mode);
    out.extend_from_slice(
        &u64::try_from(ttl.as_millis())
            .unwrap_or(u64::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(spec.typename.as_bytes());
    out
}

pub(crate) struct SpecRecord {
    pub index: usize,
    pub spec: StateSpec,
}

impl SpecRecord {
    pub fn read(mut input: &[u8]) -> Option<Self> {
        let index = usize::try_from(take_u64(&mut input)?).ok()?;
        let mode = *input.first()?;
        input = &input[1..];
        let ttl = Duration::from_millis(take_u64(&mut input)?);
        let expiration = match mode {
            0 => Expiration::Never,
            1 => Expiration::AfterWrite(ttl),
            2 => Expiration::AfterInvoke(ttl),
            _ => return None,
        };
        Some(Self {
            index,
            spec: StateSpec {
                typename: String::from_utf8(input.to_vec()).ok()?,
                expiration,
            },
        })
    }
}

/// A pending delayed message: due time, sender, token, target, argument.
pub(crate) fn delayed_record(at: Instant, message: &DelayedMessage) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&wall_millis(at).to_be_bytes());
    put_bytes(&mut out, message.sender.encoded());
    match &message.token {
        Some(token) => {
            out.push(1);
            put_bytes(&mut out, token.as_bytes());
        }
        None => out.push(0),
    }
    put_bytes(&mut out, message.target.encoded());
    out.extend_from_slice(&message.argument.encode_to_vec());
    out
}

pub(crate) struct DelayedRecord {
    pub at: Instant,
    pub sender: Vec<u8>,
    pub token: Option<String>,
    pub target: Vec<u8>,
    pub argument: TypedValue,
}

impl DelayedRecord {
    pub fn read(mut input: &[u8]) -> Option<Self> {
        let at = instant_of(take_u64(&mut input)?);
        let sender = take_bytes(&mut input)?.to_vec();
        let has_token = *input.first()?;
        input = &input[1..];
        let token = match has_token {
            1 => Some(String::from_utf8(take_bytes(&mut input)?.to_vec()).ok()?),
            _ => None,
        };
        let target = take_bytes(&mut input)?.to_vec();
        let argument = TypedValue::decode(input).ok()?;
        Some(Self {
            at,
            sender,
            token,
            target,
            argument,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_read_back_what_was_written() {
        let spec = StateSpec {
            typename: "io.statefun.types/int".into(),
            expiration: Expiration::AfterWrite(Duration::from_secs(5)),
        };
        let read = SpecRecord::read(&spec_record(3, &spec)).unwrap();
        assert_eq!((read.index, read.spec), (3, spec));

        let state = StateRecord::read(&state_record(None, b"\x0d\x01\0\0\0")).unwrap();
        assert!(state.expires_at.is_none());
        assert_eq!(state.bytes, b"\x0d\x01\0\0\0");
        let later = Instant::now() + Duration::from_secs(60);
        let state = StateRecord::read(&state_record(Some(later), b"")).unwrap();
        let drift = state.expires_at.unwrap().max(later) - state.expires_at.unwrap().min(later);
        assert!(drift < Duration::from_secs(1), "{drift:?}");
    }

    #[test]
    fn truncated_records_are_refused() {
        assert!(StateRecord::read(b"\0\0").is_none());
        assert!(SpecRecord::read(&[0; 9]).is_none());
        assert!(DelayedRecord::read(&[0; 12]).is_none());
    }
}
