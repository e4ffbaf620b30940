//! The errors that stop the engine: StateFun turns each of them into a job failure.

use std::sync::Arc;
use std::time::Duration;

use statefun_protocol::Address;

use crate::FunctionType;
use crate::egress::EgressRejection;
use crate::store::StoreError;
use crate::transport::TransportError;

/// Something a function did, or a call that could not be made, that StateFun treats as a
/// job failure. The engine stops at the first one and reports it from then on.
///
/// Cheap to clone: every waiter of a failed runtime gets the same error.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct Error(Arc<Repr>);

/// The category of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Every attempt to call a function failed until the call budget ran out.
    CallFailed,
    /// A message went to a function type that no endpoint serves.
    UnknownFunctionType,
    /// A function sent to an egress that does not exist.
    UnknownEgress,
    /// An egress refused a record.
    EgressRejected,
    /// A state's type differs from the type it was registered with.
    StateTypeMismatch,
    /// A function mutated a state it never declared.
    UnknownState,
    /// A function declared a state the runtime cannot register.
    InvalidStateSpec,
    /// A mutation of an unknown kind.
    InvalidMutation,
    /// A delayed message with a negative delay.
    NegativeDelay,
    /// A cancellation without a token.
    EmptyCancellationToken,
    /// A delayed message whose token is already pending for the same sender.
    DuplicateCancellationToken,
    /// A function reported states missing that it had been sent.
    MissingStatesLoop,
    /// A response that lacks a field the protocol requires.
    MalformedResponse,
    /// The store could not make a message durable.
    Storage,
    /// An ingress message to a parked address whose backlog is at its limit
    /// ([`ParkedBacklogLimit`](crate::ParkedBacklogLimit)): try again later
    /// ([`Error::retry_after`]).
    ParkedBacklogFull,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    #[error(
        "calling {address} failed {attempts} time(s) within the call budget of {budget:?}; last failure: {cause}"
    )]
    CallFailed {
        address: Address,
        attempts: u32,
        budget: Duration,
        #[source]
        cause: TransportError,
    },
    #[error("no endpoint serves the function type `{function_type}` of {target}")]
    UnknownFunctionType {
        function_type: FunctionType,
        target: Address,
    },
    #[error(
        "{sender} sent a message to {target}, but no endpoint serves its function type `{function_type}`"
    )]
    UnknownFunctionTypeFrom {
        sender: Address,
        function_type: FunctionType,
        target: Address,
    },
    #[error("{sender} sent a record to the unknown egress `{egress}`")]
    UnknownEgress { sender: Address, egress: String },
    #[error("{sender} sent a record the egress `{egress}` rejects: {source}")]
    EgressRejected {
        sender: Address,
        egress: String,
        #[source]
        source: EgressRejection,
    },
    #[error(
        "state `{state}` of function type `{function_type}` is registered with type `{registered}`, but {address} {action} type `{found}`"
    )]
    StateTypeMismatch {
        function_type: FunctionType,
        address: Address,
        state: String,
        registered: String,
        found: String,
        action: &'static str,
    },
    #[error("{address} mutated the state `{state}`, which its function type never declared")]
    UnknownState { address: Address, state: String },
    #[error("{address} declared the state `{state}` with {problem}")]
    InvalidStateSpec {
        address: Address,
        state: String,
        problem: String,
    },
    #[error(
        "{address} sent a mutation of `{state}` with the unknown mutation type {mutation_type}"
    )]
    InvalidMutation {
        address: Address,
        state: String,
        mutation_type: i32,
    },
    #[error("{sender} sent a delayed message to {target} with the negative delay {delay_ms} ms")]
    NegativeDelay {
        sender: Address,
        target: Address,
        delay_ms: i64,
    },
    #[error("{sender} asked to cancel a delayed message without a cancellation token")]
    EmptyCancellationToken { sender: Address },
    #[error(
        "{sender} sent a delayed message with the cancellation token `{token}`, which is already pending for it"
    )]
    DuplicateCancellationToken { sender: Address, token: String },
    #[error(
        "{address} reported the states {states:?} missing although they were sent; the function and the runtime disagree on the state names"
    )]
    MissingStatesLoop {
        address: Address,
        states: Vec<String>,
    },
    #[error("{address} answered a response without {what}")]
    MalformedResponse {
        address: Address,
        what: &'static str,
    },
    #[error("a message to {address} could not be made durable: {source}")]
    Storage {
        address: Address,
        #[source]
        source: StoreError,
    },
    #[error(
        "not taken: {address} is parked since {since} ({cause}) and already holds {messages} message(s) of {bytes} bytes, its limit being {} messages or {} bytes (--parked-backlog-messages, --parked-backlog-bytes); it is retried in {retry_in:?}, or now through the admin API once its function is fixed", limit.0, limit.1
    )]
    ParkedBacklogFull {
        address: Address,
        since: String,
        cause: String,
        messages: usize,
        bytes: usize,
        limit: (usize, usize),
        retry_in: std::time::Duration,
    },
}

impl Error {
    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match &*self.0 {
            Repr::CallFailed { .. } => ErrorKind::CallFailed,
            Repr::UnknownFunctionType { .. } | Repr::UnknownFunctionTypeFrom { .. } => {
                ErrorKind::UnknownFunctionType
            }
            Repr::UnknownEgress { .. } => ErrorKind::UnknownEgress,
            Repr::EgressRejected { .. } => ErrorKind::EgressRejected,
            Repr::StateTypeMismatch { .. } => ErrorKind::StateTypeMismatch,
            Repr::UnknownState { .. } => ErrorKind::UnknownState,
            Repr::InvalidStateSpec { .. } => ErrorKind::InvalidStateSpec,
            Repr::InvalidMutation { .. } => ErrorKind::InvalidMutation,
            Repr::NegativeDelay { .. } => ErrorKind::NegativeDelay,
            Repr::EmptyCancellationToken { .. } => ErrorKind::EmptyCancellationToken,
            Repr::DuplicateCancellationToken { .. } => ErrorKind::DuplicateCancellationToken,
            Repr::MissingStatesLoop { .. } => ErrorKind::MissingStatesLoop,
            Repr::MalformedResponse { .. } => ErrorKind::MalformedResponse,
            Repr::Storage { .. } => ErrorKind::Storage,
            Repr::ParkedBacklogFull { .. } => ErrorKind::ParkedBacklogFull,
        }
    }

    /// The function instance the error is about: the one called, or the one whose response
    /// was at fault.
    pub fn address(&self) -> &Address {
        match &*self.0 {
            Repr::CallFailed { address, .. }
            | Repr::StateTypeMismatch { address, .. }
            | Repr::UnknownState { address, .. }
            | Repr::InvalidStateSpec { address, .. }
            | Repr::InvalidMutation { address, .. }
            | Repr::MissingStatesLoop { address, .. }
            | Repr::MalformedResponse { address, .. }
            | Repr::Storage { address, .. }
            | Repr::ParkedBacklogFull { address, .. } => address,
            // The address that cannot be reached, as before the sender was known.
            Repr::UnknownFunctionType { target, .. }
            | Repr::UnknownFunctionTypeFrom { target, .. } => target,
            Repr::UnknownEgress { sender, .. }
            | Repr::EgressRejected { sender, .. }
            | Repr::NegativeDelay { sender, .. }
            | Repr::EmptyCancellationToken { sender }
            | Repr::DuplicateCancellationToken { sender, .. } => sender,
        }
    }

    /// The function instance that sent what the error is about (a message to an unknown
    /// function type, a record to an unknown or refusing egress, a bad delayed message or
    /// cancellation); `None` when nothing was sent by a function, as for a message from an
    /// ingress to an unknown function type.
    ///
    /// ```
    /// fn blame(error: &statefun_runtime::Error) -> String {
    ///     match error.sender() {
    ///         Some(sender) => format!("look at {sender}: {error}"),
    ///         None => format!("look at the ingress: {error}"),
    ///     }
    /// }
    /// ```
    pub fn sender(&self) -> Option<&Address> {
        match &*self.0 {
            Repr::UnknownFunctionTypeFrom { sender, .. }
            | Repr::UnknownEgress { sender, .. }
            | Repr::EgressRejected { sender, .. }
            | Repr::NegativeDelay { sender, .. }
            | Repr::EmptyCancellationToken { sender }
            | Repr::DuplicateCancellationToken { sender, .. } => Some(sender),
            Repr::CallFailed { .. }
            | Repr::UnknownFunctionType { .. }
            | Repr::StateTypeMismatch { .. }
            | Repr::UnknownState { .. }
            | Repr::InvalidStateSpec { .. }
            | Repr::InvalidMutation { .. }
            | Repr::MissingStatesLoop { .. }
            | Repr::MalformedResponse { .. }
            | Repr::Storage { .. }
            | Repr::ParkedBacklogFull { .. } => None,
        }
    }

    /// The last transport failure of a [`CallFailed`](ErrorKind::CallFailed) error.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match &*self.0 {
            Repr::CallFailed { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// For a [`ParkedBacklogFull`](ErrorKind::ParkedBacklogFull) error, how long until
    /// the parked address is retried automatically: when to send again.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match &*self.0 {
            Repr::ParkedBacklogFull { retry_in, .. } => Some(*retry_in),
            _ => None,
        }
    }
}

impl Error {
    /// An unknown function type met in what `sender` sent names the sender; other errors
    /// are kept as they are.
    pub(crate) fn sent_by(self, sender: &Address) -> Self {
        match &*self.0 {
            Repr::UnknownFunctionType {
                function_type,
                target,
            } => Repr::UnknownFunctionTypeFrom {
                sender: sender.clone(),
                function_type: function_type.clone(),
                target: target.clone(),
            }
            .into(),
            _ => self,
        }
    }
}

impl From<Repr> for Error {
    fn from(repr: Repr) -> Self {
        Self(Arc::new(repr))
    }
}
