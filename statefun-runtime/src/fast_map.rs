//! Hash maps for lookups that run for every message: the engine's, the HTTP client's.
//!
//! std's SipHash was ~8% of the runtime's instructions per message over HTTP. foldhash
//! hashes short keys such as addresses several times faster; it is already in the
//! dependency graph (hashbrown uses it), and its per-process random seed keeps some
//! resistance to keys picked to collide, which matters as functions choose addresses.

use std::collections::HashMap;

use crate::FunctionType;

/// A `HashMap` with foldhash.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Values per function type, found from an address's namespace and type (as bytes, as
/// the engine's address keys hold them) without building a [`FunctionType`].
#[derive(Debug)]
pub(crate) struct TypeMap<V> {
    by_namespace: FastMap<Box<[u8]>, ByName<V>>,
}

/// Values by function type name, within a namespace.
type ByName<V> = FastMap<Box<[u8]>, V>;

impl<V> Default for TypeMap<V> {
    fn default() -> Self {
        Self {
            by_namespace: FastMap::default(),
        }
    }
}

impl<V> TypeMap<V> {
    pub fn get(&self, namespace: &[u8], name: &[u8]) -> Option<&V> {
        self.by_namespace.get(namespace)?.get(name)
    }

    pub fn insert(&mut self, function_type: FunctionType, value: V) {
        let (namespace, name) = function_type.into_parts();
        self.by_namespace
            .entry(namespace.into_bytes().into())
            .or_default()
            .insert(name.into_bytes().into(), value);
    }

    /// Every value, with its namespace and name.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8], &V)> {
        self.by_namespace.iter().flat_map(|(namespace, names)| {
            names
                .iter()
                .map(move |(name, value)| (&namespace[..], &name[..], value))
        })
    }

    /// The value of `namespace/name`, inserted with `V::default()` if missing; allocates
    /// the keys only then.
    pub fn get_or_default(&mut self, namespace: &[u8], name: &[u8]) -> &mut V
    where
        V: Default,
    {
        if !self.by_namespace.contains_key(namespace) {
            self.by_namespace
                .insert(namespace.into(), FastMap::default());
        }
        let names = self
            .by_namespace
            .get_mut(namespace)
            .expect("inserted above");
        if !names.contains_key(name) {
            names.insert(name.into(), V::default());
        }
        names.get_mut(name).expect("inserted above")
    }
}
