//! The playground egress with a store: a record is stored in the transaction of the
//! response that sent it, becomes readable once that transaction is durable, and is
//! removed from the store when a `GET` takes it, the answer waiting for the removal.
//! So a record that was committed is never lost and a record that was read never comes
//! back, whenever the runtime is killed.
//!
//! The bounds hold across the two steps: a record counts toward its topic's bounds from
//! the moment it is planned into a commit (reserved), so that a record that would not fit
//! is dropped before it is stored, as without a store.

use bytes::Bytes;
use statefun_protocol::TypedValue;

use super::egress::{Durable, PlaygroundEgress, TopicRead, Unread};
use crate::store::{Commit, Op, StoreHandle, Written};

/// A playground egress as the engine stores it: its queues, and how to read the topic
/// and payload of one of its records.
#[derive(Debug, Clone)]
pub(crate) struct QueuedEgress {
    pub queues: PlaygroundEgress,
    /// The topic and payload of a record that passed the sink's check.
    pub read: fn(&TypedValue) -> Option<(String, Bytes)>,
}

impl PlaygroundEgress {
    /// Stores this egress's records under `id` in the store behind `store`. Called once, by
    /// the runtime that owns the store; a second call is ignored.
    pub(crate) fn attach(&self, id: &str, store: StoreHandle) {
        let durable = Durable {
            id: id.to_owned(),
            store,
        };
        if self.shared.durable.set(durable).is_err() {
            tracing::warn!("the playground egress `{id}` is already stored by a runtime");
        }
    }

    /// Puts back a record the store held: it fitted when it was stored, so it is kept
    /// whatever the bounds are now. False if `topic` is no longer declared.
    pub(crate) fn restore(&self, topic: &str, seq: u64, payload: Bytes) -> bool {
        let mut topics = self.lock();
        let Some(queue) = topics.get_mut(topic) else {
            return false;
        };
        queue.bytes += payload.len();
        queue.unread.push_back(Unread { seq, payload });
        true
    }

    /// Counts a record of `len` bytes toward `topic`'s bounds ahead of its commit; false
    /// (logged) if it does not fit or the topic is not declared, and the record is dropped.
    pub(crate) fn reserve(&self, topic: &str, len: usize) -> bool {
        let mut topics = self.lock();
        let Some(queue) = topics.get_mut(topic) else {
            return false;
        };
        if !self.fits(topic, queue, len) {
            return false;
        }
        queue.bytes += len;
        queue.reserved += 1;
        true
    }

    /// A reserved record's commit is durable: it can be read now.
    pub(crate) fn stored(&self, topic: &str, seq: u64, payload: Bytes) {
        let mut topics = self.lock();
        if let Some(queue) = topics.get_mut(topic) {
            queue.reserved = queue.reserved.saturating_sub(1);
            queue.unread.push_back(Unread { seq, payload });
        }
    }

    /// Takes the oldest unread record of `topic`; with a store, also what says when its
    /// removal from the store is durable.
    pub(super) fn take_front(&self, topic: &str) -> (TopicRead, Option<Written>) {
        let taken = {
            let mut topics = self.lock();
            let Some(queue) = topics.get_mut(topic) else {
                return (TopicRead::Undeclared, None);
            };
            let Some(unread) = queue.unread.pop_front() else {
                return (TopicRead::Empty, None);
            };
            queue.bytes -= unread.payload.len();
            unread
        };
        // Submitted without the lock: the store's writer takes it to queue new records,
        // and it may wait for that writer when its queue is full.
        let removed = self.shared.durable.get().map(|durable| {
            durable.store.submit(Commit {
                ops: vec![Op::DeleteEgress {
                    id: durable.id.clone(),
                    topic: topic.to_owned(),
                    seq: taken.seq,
                }],
                egress: Vec::new(),
                queued: Vec::new(),
                next_seq: None,
            })
        });
        (TopicRead::Message(taken.payload), removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_records_count_toward_the_bounds_until_they_are_stored() {
        let egress = PlaygroundEgress::new(["a".to_owned()]).max_bytes_per_topic(10);
        assert!(egress.reserve("a", 6));
        assert!(!egress.reserve("a", 5), "6 reserved + 5 > 10");
        assert!(!egress.reserve("b", 1), "undeclared");
        assert_eq!(
            egress.pop("a"),
            TopicRead::Empty,
            "not readable before it is stored"
        );
        egress.stored("a", 7, Bytes::from_static(b"123456"));
        assert_eq!(egress.pop("a"), TopicRead::Message("123456".into()));
        assert!(egress.reserve("a", 10), "taking it freed its bytes");
    }

    #[test]
    fn restored_records_are_kept_beyond_the_bounds() {
        let egress = PlaygroundEgress::new(["a".to_owned()]).max_bytes_per_topic(4);
        assert!(egress.restore("a", 1, Bytes::from_static(b"12345")));
        assert!(!egress.restore("gone", 2, Bytes::from_static(b"x")));
        assert!(!egress.reserve("a", 1), "the topic is over its bound");
        assert_eq!(egress.pop("a"), TopicRead::Message("12345".into()));
    }
}
