//! The tables of the store, and reading all of them back at start.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::error::StoreError;
use super::records::{DelayedRecord, SpecRecord, StateRecord};
use super::{Restored, StoredEgressRecord};

/// Queued invocation entries by (address, sequence number).
pub(crate) const MESSAGES: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("messages");
/// State values by (address, state name).
pub(crate) const STATES: TableDefinition<(&[u8], &str), &[u8]> = TableDefinition::new("states");
/// Registered specs by (namespace, function name, state name).
pub(crate) const SPECS: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("specs");
/// Pending delayed messages by sequence number.
pub(crate) const DELAYED: TableDefinition<u64, &[u8]> = TableDefinition::new("delayed");
/// Unread records of the playground egresses by (egress id, topic, sequence number).
pub(crate) const EGRESS: TableDefinition<(&str, &str, u64), &[u8]> = TableDefinition::new("egress");
/// Counters: the next sequence number.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub(crate) const NEXT_SEQ: &str = "next_seq";

/// Creates the tables if they are missing, so that readers find them all.
pub(crate) fn create(db: &redb::Database) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    txn.open_table(MESSAGES)?;
    txn.open_table(STATES)?;
    txn.open_table(SPECS)?;
    txn.open_table(DELAYED)?;
    txn.open_table(EGRESS)?;
    txn.open_table(META)?;
    txn.commit()?;
    Ok(())
}

pub(super) fn read_all(db: &redb::Database) -> Result<Restored, StoreError> {
    read(db).map_err(StoreError::read)
}

fn read(db: &redb::Database) -> Result<Restored, redb::Error> {
    create(db)?;
    let txn = db.begin_read()?;
    let mut restored = Restored::default();
    for entry in txn.open_table(SPECS)?.iter()? {
        let (key, value) = entry?;
        let (namespace, name, state) = key.value();
        match SpecRecord::read(value.value()) {
            Some(record) => {
                restored.specs.push((
                    namespace.to_owned(),
                    name.to_owned(),
                    state.to_owned(),
                    record,
                ));
            }
            None => tracing::warn!(
                "ignoring an unreadable stored spec of `{namespace}/{name}` `{state}`"
            ),
        }
    }
    for entry in txn.open_table(STATES)?.iter()? {
        let (key, value) = entry?;
        let (address, name) = key.value();
        match StateRecord::read(value.value()) {
            Some(record) => restored
                .states
                .push((address.to_vec(), name.to_owned(), record)),
            None => tracing::warn!("ignoring an unreadable stored value of state `{name}`"),
        }
    }
    for entry in txn.open_table(MESSAGES)?.iter()? {
        let (key, value) = entry?;
        let (address, seq) = key.value();
        restored
            .messages
            .push((address.to_vec(), seq, value.value().to_vec()));
    }
    for entry in txn.open_table(DELAYED)?.iter()? {
        let (key, value) = entry?;
        match DelayedRecord::read(value.value()) {
            Some(record) => restored.delayed.push((key.value(), record)),
            None => tracing::warn!("ignoring an unreadable stored delayed message"),
        }
    }
    for entry in txn.open_table(EGRESS)?.iter()? {
        let (key, value) = entry?;
        let (id, topic, seq) = key.value();
        restored.egress.push(StoredEgressRecord {
            id: id.to_owned(),
            topic: topic.to_owned(),
            seq,
            payload: value.value().to_vec().into(),
        });
    }
    let highest = restored
        .messages
        .iter()
        .map(|(_, seq, _)| *seq)
        .chain(restored.delayed.iter().map(|(seq, _)| *seq))
        .chain(restored.egress.iter().map(|record| record.seq))
        .max()
        .map_or(0, |seq| seq + 1);
    let stored = txn
        .open_table(META)?
        .get(NEXT_SEQ)?
        .map_or(0, |value| value.value());
    restored.next_seq = stored.max(highest);
    Ok(restored)
}
