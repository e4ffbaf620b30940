use std::borrow::Borrow;
use std::time::Duration;

use bytestring::ByteString;

use crate::effects::{Delayed, Effects};
use crate::egress::EgressMessage;
use crate::outgoing::{CancellationToken, MessageError, MessageErrorKind, OutgoingMessage};
use crate::storage::Storage;
use crate::types::Type;
use crate::{Address, MessageBuilder};

/// What a function can see and do during one invocation: its own address, the caller, its
/// persisted values, and the messages and egress records it sends.
///
/// Nothing leaves the function before the whole batch succeeded: the effects are collected
/// and answered to the runtime together, which applies them exactly once.
#[derive(Debug)]
pub struct Context {
    address: Address,
    pub(crate) caller: Option<Address>,
    storage: Storage,
    pub(crate) effects: Effects,
    /// Tokens of delayed messages scheduled in this batch and not cancelled in it.
    pending_tokens: Vec<ByteString>,
    /// The number of invocations in the batch: a function that sends something usually
    /// sends it on every invocation, so the first send makes room for that many.
    batch_size: usize,
    /// Payloads are `google.protobuf.Any`s (StateFun 2.x).
    pub(crate) any_payloads: bool,
}

fn push_sized<T>(effects: &mut Vec<T>, batch_size: usize, effect: T) {
    if effects.is_empty() {
        effects.reserve(batch_size);
    }
    effects.push(effect);
}

impl Context {
    /// `effects` are empty, possibly with room left by an earlier batch.
    pub(crate) fn new(
        address: Address,
        storage: Storage,
        batch_size: usize,
        effects: Effects,
    ) -> Context {
        Context {
            address,
            caller: None,
            storage,
            effects,
            pending_tokens: Vec::new(),
            batch_size,
            any_payloads: false,
        }
    }

    /// The address of the function instance being invoked.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Who sent the current message: another function (directly or delayed), or `None` for
    /// a message from an ingress.
    pub fn caller(&self) -> Option<&Address> {
        self.caller.as_ref()
    }

    /// The instance's persisted values.
    pub fn storage(&mut self) -> &mut Storage {
        &mut self.storage
    }

    /// Sends `message` to its target as soon as possible.
    pub fn send(&mut self, message: OutgoingMessage) {
        push_sized(&mut self.effects.messages, self.batch_size, message.inner);
    }

    /// Sends `value` of type `ty` back to the [`caller`](Self::caller) of the current
    /// message; an error if the message has no caller (it came from an ingress).
    ///
    /// ```
    /// use statefun_sdk::types::IntType;
    /// use statefun_sdk::{Context, Error, Message, ValueSpec};
    ///
    /// static BALANCE: ValueSpec<IntType> = ValueSpec::new("balance", IntType);
    ///
    /// /// Answers a balance query to whoever asked.
    /// async fn account(ctx: &mut Context, _query: Message) -> Result<(), Error> {
    ///     let balance = ctx.storage().get_or_default(&BALANCE)?;
    ///     ctx.reply(&IntType, balance)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn reply<T: Type>(
        &mut self,
        ty: &T,
        value: impl Borrow<T::Value>,
    ) -> Result<(), MessageError> {
        let Some(caller) = self.caller.clone() else {
            return Err(MessageErrorKind::NoCaller {
                target: self.address.to_string(),
            }
            .into());
        };
        let message = MessageBuilder::to_address(caller).value(ty, value.borrow())?;
        self.send(message);
        Ok(())
    }

    /// Sends `message` to its target after `delay`.
    ///
    /// Fails only for a delay beyond the protocol's range (about 292 million years).
    pub fn send_after(
        &mut self,
        delay: Duration,
        message: OutgoingMessage,
    ) -> Result<(), MessageError> {
        self.push_delayed(delay, None, message)
    }

    /// Sends `message` after `delay`, cancellable with `token` until it is delivered.
    ///
    /// While such a message is pending the same instance must not schedule another with the
    /// same token; this is checked within the batch (the runtime checks the rest).
    pub fn send_after_with_token(
        &mut self,
        delay: Duration,
        token: &CancellationToken,
        message: OutgoingMessage,
    ) -> Result<(), MessageError> {
        if self.pending_tokens.iter().any(|t| t == token.shared()) {
            return Err(MessageErrorKind::DuplicateToken(token.as_str().to_owned()).into());
        }
        self.push_delayed(delay, Some(token.shared().clone()), message)?;
        self.pending_tokens.push(token.shared().clone());
        Ok(())
    }

    fn push_delayed(
        &mut self,
        delay: Duration,
        token: Option<ByteString>,
        message: OutgoingMessage,
    ) -> Result<(), MessageError> {
        let millis = delay.as_millis();
        let delay_ms =
            i64::try_from(millis).map_err(|_| MessageErrorKind::DelayTooLong { millis })?;
        self.effects.delayed.push(Delayed {
            delay_ms,
            token,
            message: Some(message.inner),
        });
        Ok(())
    }

    /// Cancels the delayed message scheduled with `token` by this instance, if it is still
    /// pending; a token that was delivered already or never used is ignored.
    pub fn cancel_delayed_message(&mut self, token: &CancellationToken) {
        self.pending_tokens.retain(|t| t != token.shared());
        self.effects.delayed.push(Delayed {
            delay_ms: 0,
            token: Some(token.shared().clone()),
            message: None,
        });
    }

    /// The storage and the effects, to write the answer from.
    pub(crate) fn parts(&self) -> (&Storage, &Effects) {
        (&self.storage, &self.effects)
    }

    /// Sends `record` to its egress.
    pub fn send_egress(&mut self, record: EgressMessage) {
        push_sized(&mut self.effects.egress, self.batch_size, record.inner);
    }
}
