//! Durable storage for the runtime: everything it acknowledged, in one file.
//!
//! The store is [redb](https://docs.rs/redb), an embedded key-value store in pure Rust:
//! ACID transactions over copy-on-write B-trees, so a crash at any moment leaves the last
//! committed transaction intact without a recovery log to replay; no C toolchain and no
//! dependency of its own, which keeps the runtime's build small. Its writes cost a page
//! copy per touched B-tree page, paid once per transaction: the writer groups every step
//! that arrives while it commits into one transaction, so under load one `fsync` covers
//! many messages.
//!
//! What it holds, by table: the state specs functions registered; state values; every
//! queued invocation (backlogs, parked ones included, and batches in flight, which stay
//! until their answer is committed); pending delayed messages with their tokens; the
//! unread records of the playground egresses' topics (written with the response that
//! sent them, removed when a `GET` takes them).
//!
//! ```no_run
//! use statefun_runtime::Runtime;
//! use statefun_runtime::store::Store;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = Store::open("state")?;
//! let runtime = Runtime::builder().store(store).build();
//! # Ok::<(), statefun_runtime::store::StoreError>(()) });
//! ```

mod error;
mod export;

mod records;
mod tables;
mod writer;

use std::path::Path;
use std::sync::{Arc, mpsc};

use bytes::Bytes;
use statefun_protocol::TypedValue;
use tokio::sync::oneshot;

use crate::egress::EgressSink;
use crate::playground::PlaygroundEgress;

pub use error::{StoreError, StoreErrorKind};
pub use export::{export_json_lines, import_json_lines};

pub(crate) use records::{
    DelayedRecord, SpecRecord, StateRecord, delayed_record, spec_record, state_record,
};

/// How many steps may wait for the writer: past that, the engine waits for the disk, so
/// that a runtime faster than its disk slows down instead of piling up memory.
const QUEUE: usize = 16 * 1024;

/// The file inside the state directory.
const FILE: &str = "runtime.redb";

/// An open store, shared by the runtime and its writer thread.
///
/// Open it with [`Store::open`] and hand it to
/// [`RuntimeBuilder::store`](crate::RuntimeBuilder::store): the runtime restores what it
/// holds and keeps it up to date.
pub struct Store {
    commits: mpsc::SyncSender<Submitted>,
    pub(crate) restored: Option<Restored>,
}

/// What the store held when it was opened.
#[derive(Default)]
pub(crate) struct Restored {
    /// By function type (namespace, name), then state name.
    pub specs: Vec<(String, String, String, SpecRecord)>,
    pub states: Vec<(Vec<u8>, String, StateRecord)>,
    /// By address, then sequence number: each address's messages in order.
    pub messages: Vec<(Vec<u8>, u64, Vec<u8>)>,
    pub delayed: Vec<(u64, DelayedRecord)>,
    /// By egress id, topic, then sequence number: each topic's records in order.
    pub egress: Vec<StoredEgressRecord>,
    pub next_seq: u64,
}

/// An unread record of a playground egress topic.
pub(crate) struct StoredEgressRecord {
    pub id: String,
    pub topic: String,
    pub seq: u64,
    pub payload: Bytes,
}

/// A change to the stored data.
pub(crate) enum Op {
    PutMessage {
        address: Vec<u8>,
        seq: u64,
        entry: Vec<u8>,
    },
    DeleteMessage {
        address: Vec<u8>,
        seq: u64,
    },
    PutState {
        address: Vec<u8>,
        name: String,
        value: Vec<u8>,
    },
    DeleteState {
        address: Vec<u8>,
        name: String,
    },
    PutSpec {
        namespace: String,
        name: String,
        state: String,
        record: Vec<u8>,
    },
    PutDelayed {
        seq: u64,
        record: Vec<u8>,
    },
    DeleteDelayed {
        seq: u64,
    },
    PutEgress {
        id: String,
        topic: String,
        seq: u64,
        payload: Bytes,
    },
    DeleteEgress {
        id: String,
        topic: String,
        seq: u64,
    },
}

/// The changes of one step of the engine, committed together.
pub(crate) struct Commit {
    pub ops: Vec<Op>,
    /// Records handed to their sinks once the commit is durable.
    pub egress: Vec<(Arc<dyn EgressSink>, TypedValue)>,
    /// Stored records (`PutEgress`) that become readable in their topic once durable.
    pub queued: Vec<QueuedRecord>,
    /// The journal's next sequence number; `None` for a commit from outside the engine.
    pub next_seq: Option<u64>,
}

/// A record stored in this commit, to be queued once the commit is durable.
pub(crate) struct QueuedRecord {
    pub queues: PlaygroundEgress,
    pub topic: String,
    pub seq: u64,
    pub payload: Bytes,
}

struct Submitted {
    commit: Commit,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// Resolves once a commit is durable, or with why it is not.
pub(crate) struct Written(oneshot::Receiver<Result<(), StoreError>>);

impl Written {
    pub async fn wait(self) -> Result<(), StoreError> {
        self.0.await.unwrap_or_else(|_| Err(StoreError::closed()))
    }
}

impl Store {
    /// Opens the store in `dir`, creating the directory and the store if needed, and
    /// reads what it holds.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| StoreError::directory(dir, source))?;
        let db = redb::Database::create(dir.join(FILE))
            .map_err(|source| StoreError::open(dir, source.into()))?;
        let restored = tables::read_all(&db)?;
        let (commits, queue) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("statefun-store".into())
            .spawn(move || writer::run(&db, &queue))
            .map_err(|source| StoreError::directory(dir, source))?;
        Ok(Self {
            commits,
            restored: Some(restored),
        })
    }

    pub(crate) fn submit(&self, commit: Commit) -> Written {
        self.handle().submit(commit)
    }

    /// A handle that commits to this store, for the parts of the runtime outside the
    /// engine (the playground egress removing what a `GET` took).
    pub(crate) fn handle(&self) -> StoreHandle {
        StoreHandle {
            commits: self.commits.clone(),
        }
    }
}

/// Commits to a [`Store`]'s writer, in order with the engine's commits.
#[derive(Clone)]
pub(crate) struct StoreHandle {
    commits: mpsc::SyncSender<Submitted>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreHandle")
    }
}

impl StoreHandle {
    pub(crate) fn submit(&self, commit: Commit) -> Written {
        let (done, written) = oneshot::channel();
        // A writer that stopped drops `done`, which `Written::wait` reports.
        let _ = self.commits.send(Submitted { commit, done });
        Written(written)
    }
}
