//! The writer thread: commits the engine's steps in order, as many per transaction as
//! arrived while the previous one was being committed (a group commit).

use std::sync::mpsc;

use super::tables::{DELAYED, EGRESS, MESSAGES, META, NEXT_SEQ, SPECS, STATES};
use super::{Op, StoreError, Submitted};

/// At most this many steps in one transaction, so that waiting acknowledgements are not
/// held up behind an endless queue.
const MAX_GROUP: usize = 4096;

pub(super) fn run(db: &redb::Database, queue: &mpsc::Receiver<Submitted>) {
    let mut failure: Option<StoreError> = None;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        if failure.is_none()
            && let Err(error) = commit(db, &group)
        {
            tracing::error!("the store cannot commit, so nothing more is acknowledged: {error}");
            failure = Some(StoreError::write(error));
        }
        for submitted in group {
            match &failure {
                None => {
                    for (sink, value) in submitted.commit.egress {
                        sink.accept(value);
                    }
                    for record in submitted.commit.queued {
                        record
                            .queues
                            .stored(&record.topic, record.seq, record.payload);
                    }
                    let _ = submitted.done.send(Ok(()));
                }
                Some(failure) => {
                    let _ = submitted.done.send(Err(failure.clone()));
                }
            }
        }
    }
}

fn commit(db: &redb::Database, group: &[Submitted]) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    {
        let mut messages = txn.open_table(MESSAGES)?;
        let mut states = txn.open_table(STATES)?;
        let mut specs = txn.open_table(SPECS)?;
        let mut delayed = txn.open_table(DELAYED)?;
        let mut egress = txn.open_table(EGRESS)?;
        let mut meta = txn.open_table(META)?;
        let mut next_seq = None;
        for submitted in group {
            next_seq = submitted.commit.next_seq.or(next_seq);
            for op in &submitted.commit.ops {
                match op {
                    Op::PutMessage {
                        address,
                        seq,
                        entry,
                    } => {
                        messages.insert((address.as_slice(), *seq), entry.as_slice())?;
                    }
                    Op::DeleteMessage { address, seq } => {
                        messages.remove((address.as_slice(), *seq))?;
                    }
                    Op::PutState {
                        address,
                        name,
                        value,
                    } => {
                        states.insert((address.as_slice(), name.as_str()), value.as_slice())?;
                    }
                    Op::DeleteState { address, name } => {
                        states.remove((address.as_slice(), name.as_str()))?;
                    }
                    Op::PutSpec {
                        namespace,
                        name,
                        state,
                        record,
                    } => {
                        specs.insert(
                            (namespace.as_str(), name.as_str(), state.as_str()),
                            record.as_slice(),
                        )?;
                    }
                    Op::PutDelayed { seq, record } => {
                        delayed.insert(*seq, record.as_slice())?;
                    }
                    Op::DeleteDelayed { seq } => {
                        delayed.remove(*seq)?;
                    }
                    Op::PutEgress {
                        id,
                        topic,
                        seq,
                        payload,
                    } => {
                        egress.insert((id.as_str(), topic.as_str(), *seq), &payload[..])?;
                    }
                    Op::DeleteEgress { id, topic, seq } => {
                        egress.remove((id.as_str(), topic.as_str(), *seq))?;
                    }
                }
            }
        }
        if let Some(next_seq) = next_seq {
            meta.insert(NEXT_SEQ, next_seq)?;
        }
    }
    txn.commit()?;
    Ok(())
}
