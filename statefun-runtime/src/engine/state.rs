//! State specs per function type, learned from the functions, and values per address.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use statefun_protocol::TypedValue;
use statefun_protocol::from_function::PersistedValueMutation;
use statefun_protocol::from_function::PersistedValueSpec;
use statefun_protocol::from_function::expiration_spec::ExpireMode;
use statefun_protocol::from_function::persisted_value_mutation::MutationType;
use tokio::time::Instant;

use super::address_key::AddressKey;
use super::encode::{self, ValueRef};
use crate::FunctionType;
use crate::error::{Error, Repr};
use crate::fast_map::{FastMap, TypeMap};

/// The typename StateFun gives a state declared without one.
const UNSET_TYPENAME: &str = "io.statefun.types/unset";

/// When a state value expires, as StateFun maps it onto Flink's processing-time TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiration {
    /// Never.
    Never,
    /// This long after the last write (Flink `OnCreateAndWrite`).
    AfterWrite(Duration),
    /// This long after the last read or write. The runtime reads every state of an address
    /// for every request, so this is "after the last invocation" (Flink `OnReadAndWrite`).
    AfterInvoke(Duration),
}

impl Expiration {
    fn ttl(self) -> Option<Duration> {
        match self {
            Self::Never => None,
            Self::AfterWrite(ttl) | Self::AfterInvoke(ttl) => Some(ttl),
        }
    }
}

/// A state as a function declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSpec {
    /// The typename every value of this state carries.
    pub typename: String,
    /// When values expire.
    pub expiration: Expiration,
}

#[derive(Debug, Clone)]
struct StoredValue {
    bytes: Bytes,
    expires_at: Option<Instant>,
}

impl StoredValue {
    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// A registered spec and how many specs its function type had before it: a request
/// carries every spec registered when it was sent, so "was sent" is "registered earlier".
#[derive(Debug)]
struct Registered {
    spec: StateSpec,
    index: usize,
}

/// A mutation that passed every check and only waits to be applied.
#[derive(Debug)]
pub(crate) enum CheckedMutation {
    Modify { state: String, bytes: Bytes },
    Delete { state: String },
}

#[derive(Debug, Default)]
pub(crate) struct StateStore {
    specs: TypeMap<BTreeMap<String, Registered>>,
    values: FastMap<AddressKey, FastMap<String, StoredValue>>,
    /// With a store: the values dropped as expired, for the store to delete too.
    expired: Option<Vec<(AddressKey, String)>>,
}

impl StateStore {
    /// Writes every registered state of `address`'s type, with its value if it has a live
    /// one, as `InvocationBatchRequest.state` entries, and returns how many it wrote (see
    /// [`was_sent`](Self::was_sent)). Reading refreshes `AfterInvoke` expirations, like
    /// Flink's TTL.
    pub fn attach(&mut self, address: &AddressKey, now: Instant, out: &mut Vec<u8>) -> usize {
        let [namespace, name, _] = address.parts_bytes();
        let Some(specs) = self.specs.get(namespace, name) else {
            return 0;
        };
        let Some(values) = self.values.get_mut(address) else {
            for name in specs.keys() {
                encode::put_state(out, name, None);
            }
            return specs.len();
        };
        for (name, registered) in specs {
            let spec = &registered.spec;
            let live = values.get_mut(name).filter(|value| value.is_live(now));
            let value = live.map(|value| {
                if let Expiration::AfterInvoke(ttl) = spec.expiration {
                    value.expires_at = Some(now + ttl);
                }
                ValueRef {
                    typename: &spec.typename,
                    has_value: true,
                    value: &value.bytes,
                }
            });
            encode::put_state(out, name, value);
        }
        match &mut self.expired {
            None => values.retain(|_, value| value.is_live(now)),
            Some(expired) => values.retain(|name, value| {
                let live = value.is_live(now);
                if !live {
                    expired.push((address.clone(), name.clone()));
                }
                live
            }),
        }
        if values.is_empty() {
            self.values.remove(address);
        }
        specs.len()
    }

    /// Whether `state` was among the `sent` states [`attach`](Self::attach) wrote for a
    /// request to `address`.
    pub fn was_sent(&self, address: &AddressKey, state: &str, sent: usize) -> bool {
        let [namespace, name, _] = address.parts_bytes();
        self.specs
            .get(namespace, name)
            .and_then(|specs| specs.get(state))
            .is_some_and(|registered| registered.index < sent)
    }

    /// Registers the specs `address` reported missing and returns those that were new,
    /// with their registration index. A name already registered keeps its spec; only its
    /// type is checked.
    pub fn register(
        &mut self,
        address: &AddressKey,
        missing: &[PersistedValueSpec],
    ) -> Result<Vec<(String, usize, StateSpec)>, Error> {
        let mut checked = Vec::with_capacity(missing.len());
        for spec in missing {
            checked.push((spec.state_name.clone(), checked_spec(address, spec)?));
        }
        let [namespace, name, _] = address.parts_bytes();
        let specs = self.specs.get_or_default(namespace, name);
        let mut added = Vec::new();
        for (name, spec) in checked {
            match specs.get(&name) {
                Some(registered) if registered.spec.typename != spec.typename => {
                    let address = address.to_address();
                    return Err(Repr::StateTypeMismatch {
                        function_type: FunctionType::of(&address),
                        address,
                        state: name,
                        registered: registered.spec.typename.clone(),
                        found: spec.typename,
                        action: "announced it with",
                    }
                    .into());
                }
                Some(_) => {}
                None => {
                    let index = specs.len();
                    added.push((name.clone(), index, spec.clone()));
                    specs.insert(name, Registered { spec, index });
                }
            }
        }
        Ok(added)
    }

    /// Puts back a spec read from the store.
    pub fn restore_spec(
        &mut self,
        namespace: &str,
        name: &str,
        state: String,
        index: usize,
        spec: StateSpec,
    ) {
        self.specs
            .get_or_default(namespace.as_bytes(), name.as_bytes())
            .insert(state, Registered { spec, index });
    }

    /// Keeps the values dropped as expired from now on, for [`take_expired`](Self::take_expired).
    pub fn track_expired(&mut self) {
        self.expired.get_or_insert_with(Vec::new);
    }

    /// The values dropped as expired since the last call.
    pub fn take_expired(&mut self) -> Vec<(AddressKey, String)> {
        self.expired
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Puts back a value read from the store, unless it expired by `now`.
    pub fn restore_value(
        &mut self,
        address: AddressKey,
        state: String,
        bytes: Bytes,
        expires_at: Option<Instant>,
        now: Instant,
    ) {
        let value = StoredValue { bytes, expires_at };
        if !value.is_live(now) {
            if let Some(expired) = &mut self.expired {
                expired.push((address, state));
            }
            return;
        }
        self.values.entry(address).or_default().insert(state, value);
    }

    /// The live values of `address` whose expiry the last invocation refreshed
    /// (`AfterInvoke`), with their expiry, so that the store keeps it.
    pub fn refreshed(&self, address: &AddressKey) -> Vec<(String, Bytes, Option<Instant>)> {
        let [namespace, name, _] = address.parts_bytes();
        let (Some(specs), Some(values)) =
            (self.specs.get(namespace, name), self.values.get(address))
        else {
            return Vec::new();
        };
        values
            .iter()
            .filter(|(state, _)| {
                specs.get(*state).is_some_and(|registered| {
                    matches!(registered.spec.expiration, Expiration::AfterInvoke(_))
                })
            })
            .map(|(state, value)| (state.clone(), value.bytes.clone(), value.expires_at))
            .collect()
    }

    /// When a value written now by `mutation` expires.
    pub fn expiry_of(
        &self,
        address: &AddressKey,
        mutation: &CheckedMutation,
        now: Instant,
    ) -> Option<Instant> {
        match mutation {
            CheckedMutation::Modify { state, .. } => self
                .spec(address, state)
                .and_then(|spec| spec.expiration.ttl())
                .map(|ttl| now + ttl),
            CheckedMutation::Delete { .. } => None,
        }
    }

    fn spec(&self, address: &AddressKey, state: &str) -> Option<&StateSpec> {
        let [namespace, name, _] = address.parts_bytes();
        self.specs
            .get(namespace, name)?
            .get(state)
            .map(|registered| &registered.spec)
    }

    /// Checks a mutation `address` sent against the registered specs.
    pub fn check(
        &self,
        address: &AddressKey,
        mutation: &PersistedValueMutation,
    ) -> Result<CheckedMutation, Error> {
        let state = mutation.state_name.clone();
        let Some(spec) = self.spec(address, &state) else {
            return Err(Repr::UnknownState {
                address: address.to_address(),
                state,
            }
            .into());
        };
        match MutationType::try_from(mutation.mutation_type) {
            Ok(MutationType::Delete) => Ok(CheckedMutation::Delete { state }),
            Ok(MutationType::Modify) => {
                let value = mutation.state_value.clone().unwrap_or_default();
                if value.typename != spec.typename {
                    let address = address.to_address();
                    return Err(Repr::StateTypeMismatch {
                        function_type: FunctionType::of(&address),
                        address,
                        state,
                        registered: spec.typename.clone(),
                        found: value.typename,
                        action: "modified it with",
                    }
                    .into());
                }
                // StateFun stores the bytes whatever `has_value` says.
                Ok(CheckedMutation::Modify {
                    state,
                    bytes: value.value,
                })
            }
            Err(_) => Err(Repr::InvalidMutation {
                address: address.to_address(),
                state,
                mutation_type: mutation.mutation_type,
            }
            .into()),
        }
    }

    /// Applies a checked mutation; a write starts the value's time to live.
    pub fn apply(&mut self, address: &AddressKey, mutation: CheckedMutation, now: Instant) {
        match mutation {
            CheckedMutation::Delete { state } => {
                if let Some(values) = self.values.get_mut(address) {
                    values.remove(&state);
                    if values.is_empty() {
                        self.values.remove(address);
                    }
                }
            }
            CheckedMutation::Modify { state, bytes } => {
                let ttl = self
                    .spec(address, &state)
                    .and_then(|spec| spec.expiration.ttl());
                let value = StoredValue {
                    bytes,
                    expires_at: ttl.map(|ttl| now + ttl),
                };
                match self.values.get_mut(address) {
                    Some(values) => {
                        values.insert(state, value);
                    }
                    None => {
                        let mut values = FastMap::default();
                        values.insert(state, value);
                        self.values.insert(address.clone(), values);
                    }
                }
            }
        }
    }

    /// The live value of `state` at `address`, without counting as a read.
    pub fn peek(&self, address: &AddressKey, state: &str, now: Instant) -> Option<TypedValue> {
        let spec = self.spec(address, state)?;
        let value = self.values.get(address)?.get(state)?;
        value
            .is_live(now)
            .then(|| TypedValue::new(spec.typename.clone(), value.bytes.clone()))
    }

    /// Every live value at `address`, by state name.
    pub fn peek_all(&self, address: &AddressKey, now: Instant) -> BTreeMap<String, TypedValue> {
        let Some(values) = self.values.get(address) else {
            return BTreeMap::new();
        };
        values
            .keys()
            .filter_map(|name| Some((name.clone(), self.peek(address, name, now)?)))
            .collect()
    }

    /// Every address that holds a value (live or not yet dropped).
    pub fn addresses(&self) -> impl Iterator<Item = &AddressKey> {
        self.values.keys()
    }

    /// The specs registered for `function_type`, by state name.
    pub fn specs(&self, function_type: &FunctionType) -> BTreeMap<String, StateSpec> {
        self.specs
            .get(
                function_type.namespace().as_bytes(),
                function_type.name().as_bytes(),
            )
            .map(|specs| {
                specs
                    .iter()
                    .map(|(name, registered)| (name.clone(), registered.spec.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn checked_spec(address: &AddressKey, spec: &PersistedValueSpec) -> Result<StateSpec, Error> {
    let invalid = |problem: String| -> Error {
        Repr::InvalidStateSpec {
            address: address.to_address(),
            state: spec.state_name.clone(),
            problem,
        }
        .into()
    };
    if spec.state_name.is_empty() {
        return Err(invalid("an empty name".into()));
    }
    let typename = if spec.type_typename.is_empty() {
        UNSET_TYPENAME.to_owned()
    } else {
        spec.type_typename
            .parse::<FunctionType>()
            .map_err(|error| invalid(format!("an {error}")))?;
        spec.type_typename.clone()
    };
    let expiration = match &spec.expiration_spec {
        None => Expiration::Never,
        Some(expiration) => {
            let millis = u64::try_from(expiration.expire_after_millis).map_err(|_| {
                invalid(format!(
                    "the negative expiration {} ms",
                    expiration.expire_after_millis
                ))
            })?;
            let ttl = Duration::from_millis(millis);
            match ExpireMode::try_from(expiration.mode) {
                Ok(ExpireMode::None) => Expiration::Never,
                Ok(ExpireMode::AfterWrite) => Expiration::AfterWrite(ttl),
                Ok(ExpireMode::AfterInvoke) => Expiration::AfterInvoke(ttl),
                Err(_) => {
                    return Err(invalid(format!(
                        "the unknown expiration mode {}",
                        expiration.mode
                    )));
                }
            }
        }
    };
    Ok(StateSpec {
        typename,
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use statefun_protocol::Address;
    use statefun_protocol::from_function::ExpirationSpec;
    use statefun_protocol::to_function::{InvocationBatchRequest, PersistedValue};

    impl StateStore {
        /// What `attach` writes, decoded: state entries alone are an `InvocationBatchRequest`.
        fn attach_decoded(&mut self, address: &AddressKey, now: Instant) -> Vec<PersistedValue> {
            let mut out = Vec::new();
            let sent = self.attach(address, now, &mut out);
            let state = InvocationBatchRequest::decode(&out[..]).unwrap().state;
            assert_eq!(state.len(), sent);
            state
        }
    }

    fn spec(name: &str, typename: &str, mode: ExpireMode, millis: i64) -> PersistedValueSpec {
        PersistedValueSpec {
            state_name: name.into(),
            type_typename: typename.into(),
            expiration_spec: Some(ExpirationSpec {
                mode: mode as i32,
                expire_after_millis: millis,
            }),
        }
    }

    fn modify(name: &str, typename: &str, value: &'static [u8]) -> PersistedValueMutation {
        PersistedValueMutation {
            mutation_type: MutationType::Modify as i32,
            state_name: name.into(),
            state_value: Some(TypedValue::new(typename, Bytes::from_static(value))),
        }
    }

    #[test]
    fn registered_states_are_sent_with_or_without_value() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        let now = Instant::now();
        store
            .register(
                &address,
                &[
                    spec("a", "t/a", ExpireMode::None, 0),
                    spec("b", "t/b", ExpireMode::None, 0),
                ],
            )
            .unwrap();
        let mutation = store.check(&address, &modify("a", "t/a", b"1")).unwrap();
        store.apply(&address, mutation, now);
        let attached = store.attach_decoded(&address, now);
        assert_eq!(attached.len(), 2);
        assert_eq!(
            attached[0].state_value,
            Some(TypedValue::new("t/a", &b"1"[..]))
        );
        assert_eq!(attached[1].state_name, "b");
        assert_eq!(attached[1].state_value, None);
    }

    #[test]
    fn re_announcing_with_another_type_names_both_types() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        store
            .register(
                &address,
                &[spec("seen", "io.statefun.types/int", ExpireMode::None, 0)],
            )
            .unwrap();
        assert_eq!(
            store
                .register(
                    &address,
                    &[spec("seen", "io.statefun.types/int", ExpireMode::None, 0)]
                )
                .unwrap()
                .len(),
            0
        );
        let error = store
            .register(
                &address,
                &[spec("seen", "io.statefun.types/long", ExpireMode::None, 0)],
            )
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("io.statefun.types/int") && message.contains("io.statefun.types/long"),
            "{message}"
        );
    }

    #[test]
    fn empty_typename_is_unset_and_bad_typename_is_rejected() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        store
            .register(&address, &[spec("x", "", ExpireMode::None, 0)])
            .unwrap();
        assert_eq!(
            store.specs(&FunctionType::of(&address.to_address()))["x"].typename,
            UNSET_TYPENAME
        );
        let error = store
            .register(&address, &[spec("y", "a/b/c", ExpireMode::None, 0)])
            .unwrap_err();
        assert!(error.to_string().contains("`a/b/c`"), "{error}");
    }

    #[test]
    fn modify_with_another_type_and_unknown_state_are_rejected() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        store
            .register(&address, &[spec("seen", "t/int", ExpireMode::None, 0)])
            .unwrap();
        let error = store
            .check(&address, &modify("seen", "t/long", b""))
            .unwrap_err();
        assert!(
            error.to_string().contains("`t/int`") && error.to_string().contains("`t/long`"),
            "{error}"
        );
        let error = store
            .check(&address, &modify("other", "t/int", b""))
            .unwrap_err();
        assert!(error.to_string().contains("`other`"), "{error}");
        let mut unknown = modify("seen", "t/int", b"");
        unknown.mutation_type = 7;
        assert!(store.check(&address, &unknown).is_err());
    }

    #[test]
    fn after_write_expires_after_the_write_despite_reads() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        let start = Instant::now();
        store
            .register(&address, &[spec("s", "t/s", ExpireMode::AfterWrite, 1000)])
            .unwrap();
        let mutation = store.check(&address, &modify("s", "t/s", b"v")).unwrap();
        store.apply(&address, mutation, start);
        assert!(
            store.attach_decoded(&address, start + Duration::from_millis(999))[0]
                .state_value
                .is_some()
        );
        assert!(
            store.attach_decoded(&address, start + Duration::from_millis(1000))[0]
                .state_value
                .is_none()
        );
    }

    #[test]
    fn after_invoke_is_refreshed_by_each_read() {
        let address = AddressKey::from(&Address::new("ns", "fn", "a"));
        let mut store = StateStore::default();
        let start = Instant::now();
        store
            .register(&address, &[spec("s", "t/s", ExpireMode::AfterInvoke, 1000)])
            .unwrap();
        let mutation = store.check(&address, &modify("s", "t/s", b"v")).unwrap();
        store.apply(&address, mutation, start);
        let later = start + Duration::from_millis(900);
        assert!(
            store.attach_decoded(&address, later)[0]
                .state_value
                .is_some()
        );
        assert!(
            store
                .peek(&address, "s", later + Duration::from_millis(999))
                .is_some()
        );
        assert!(
            store
                .peek(&address, "s", later + Duration::from_millis(1000))
                .is_none()
        );
    }
}
