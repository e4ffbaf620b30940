//! An answer asking for states first: register the specs and send the batch again.

use statefun_protocol::from_function::IncompleteInvocationContext;
use tokio::time::Instant;

use super::Engine;
use super::call::Call;
use crate::error::{Error, Repr};

impl Engine {
    /// Registers the states a function reported missing and sends `call`'s invocations
    /// again.
    pub(super) fn register_and_resend(
        &mut self,
        call: &Call,
        context: IncompleteInvocationContext,
        now: Instant,
    ) -> Result<(), Error> {
        self.observe.incomplete(call, now);
        let target = &call.target;
        let Some(mailbox) = self.mailboxes.get(target) else {
            return Ok(());
        };
        let reported_sent_states_missing = context.missing_values.iter().any(|spec| {
            self.states
                .was_sent(target, &spec.state_name, mailbox.sent_states)
        });
        // A type mismatch is the clearer error, so registering comes first.
        let added = self.states.register(target, &context.missing_values)?;
        if reported_sent_states_missing || (added.is_empty() && context.missing_values.is_empty()) {
            return Err(missing_states_loop(call, context));
        }
        let address = target.to_address();
        for (name, index, spec) in &added {
            self.journal.spec_registered(
                (&address.namespace, &address.r#type),
                name,
                crate::store::spec_record(*index, spec),
            );
        }
        tracing::debug!(
            ?target,
            added = added.len(),
            "registered missing states, sending the batch again"
        );
        self.resend(call, now);
        Ok(())
    }
}

fn missing_states_loop(call: &Call, context: IncompleteInvocationContext) -> Error {
    Repr::MissingStatesLoop {
        address: call.target.to_address(),
        states: context
            .missing_values
            .into_iter()
            .map(|spec| spec.state_name)
            .collect(),
    }
    .into()
}
