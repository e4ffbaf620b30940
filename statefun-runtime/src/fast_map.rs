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

/// Values per function type, found from an address's `namespace` and `type` without
/// building a [`FunctionType`] (two strings) for each lookup.
#[derive(Debug)]
pub(crate) struct TypeMap<V> {
    by_namespace: FastMap<String, FastMap<String, V>>,
}

impl<V> Default for TypeMap<V> {
    fn default() -> Self {
        Self {
            by_namespace: FastMap::default(),
        }
    }
}

impl<V> TypeMap<V> {
    pub fn get(&self, namespace: &str, name: &str) -> Option<&V> {
        self.by_namespace.get(namespace)?.get(name)
    }

    pub fn insert(&mut self, function_type: FunctionType, value: V) {
        let (namespace, name) = function_type.into_parts();
        self.by_namespace
            .entry(namespace)
            .or_default()
            .insert(name, value);
    }

    /// The value of `namespace/name`, inserted with `V::default()` if missing; allocates
    /// the keys only then.
    pub fn get_or_default(&mut self, namespace: &str, name: &str) -> &mut V
    where
        V: Default,
    {
        if !self.by_namespace.contains_key(namespace) {
            self.by_namespace
                .insert(namespace.to_owned(), FastMap::default());
        }
        let names = self
            .by_namespace
            .get_mut(namespace)
            .expect("inserted above");
        if !names.contains_key(name) {
            names.insert(name.to_owned(), V::default());
        }
        names.get_mut(name).expect("inserted above")
    }
}
