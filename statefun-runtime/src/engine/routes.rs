//! Which endpoint serves which function type.

use std::sync::Arc;

use statefun_protocol::Address;

use super::endpoint::Endpoint;
use crate::error::{Error, Repr};
use crate::fast_map::{FastMap, TypeMap};
use crate::{FunctionSelector, FunctionType};

#[derive(Default)]
pub(crate) struct Routes {
    exact: TypeMap<Arc<Endpoint>>,
    namespaces: FastMap<String, Arc<Endpoint>>,
}

impl Routes {
    /// Serves `selector` through `endpoint`, replacing an earlier entry for it.
    pub fn insert(&mut self, selector: FunctionSelector, endpoint: Arc<Endpoint>) {
        match selector {
            FunctionSelector::Type(function_type) => self.exact.insert(function_type, endpoint),
            FunctionSelector::Namespace(namespace) => {
                self.namespaces.insert(namespace, endpoint);
            }
        }
    }

    /// The endpoint serving `target`'s function type: an exact `ns/name` entry wins over `ns/*`.
    pub fn find(&self, target: &Address) -> Result<&Arc<Endpoint>, Error> {
        self.exact
            .get(&target.namespace, &target.r#type)
            .or_else(|| self.namespaces.get(&target.namespace))
            .ok_or_else(|| {
                Repr::UnknownFunctionType {
                    function_type: FunctionType::of(target),
                    target: target.clone(),
                }
                .into()
            })
    }
}
