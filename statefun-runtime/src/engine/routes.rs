//! Which endpoint serves which function type.

use std::sync::Arc;

use super::address_key::AddressKey;
use super::endpoint::Endpoint;
use crate::error::{Error, Repr};
use crate::fast_map::{FastMap, TypeMap};
use crate::{FunctionSelector, FunctionType};

#[derive(Default)]
pub(crate) struct Routes {
    exact: TypeMap<Arc<Endpoint>>,
    namespaces: FastMap<Box<[u8]>, Arc<Endpoint>>,
}

impl Routes {
    /// Serves `selector` through `endpoint`, replacing an earlier entry for it.
    pub fn insert(&mut self, selector: FunctionSelector, endpoint: Arc<Endpoint>) {
        match selector {
            FunctionSelector::Type(function_type) => self.exact.insert(function_type, endpoint),
            FunctionSelector::Namespace(namespace) => {
                self.namespaces
                    .insert(namespace.into_bytes().into(), endpoint);
            }
        }
    }

    /// Every entry, as its selector's text (`namespace/name` or `namespace/*`).
    pub fn entries(&self) -> impl Iterator<Item = (String, &Arc<Endpoint>)> {
        let exact = self.exact.iter().map(|(namespace, name, endpoint)| {
            let selector = format!(
                "{}/{}",
                String::from_utf8_lossy(namespace),
                String::from_utf8_lossy(name)
            );
            (selector, endpoint)
        });
        let namespaces = self.namespaces.iter().map(|(namespace, endpoint)| {
            (
                format!("{}/*", String::from_utf8_lossy(namespace)),
                endpoint,
            )
        });
        exact.chain(namespaces)
    }

    /// The endpoint serving `target`'s function type: an exact `ns/name` entry wins over `ns/*`.
    pub fn find(&self, target: &AddressKey) -> Result<&Arc<Endpoint>, Error> {
        let [namespace, name, _] = target.parts_bytes();
        self.exact
            .get(namespace, name)
            .or_else(|| self.namespaces.get(namespace))
            .ok_or_else(|| {
                let target = target.to_address();
                Repr::UnknownFunctionType {
                    function_type: FunctionType::of(&target),
                    target,
                }
                .into()
            })
    }
}
