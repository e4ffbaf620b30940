//! The buffers one request needs, kept per thread between requests: a server in steady
//! state then allocates none of them, and large batches do not hand the allocator the same
//! big blocks back and forth (with glibc, each large allocation also consolidates the
//! small free chunks, making every later small allocation slower).

use std::cell::Cell;

use crate::effects::{Egress, OutMessage};
use crate::storage::Cell as StateCell;
use crate::wire::{InvocationView, StateEntry};

/// Buffers above this size are not kept, so a rare huge batch does not pin its memory.
const MAX_ITEMS: usize = 1024;

/// Empty buffers with the capacity earlier requests of this thread left them.
#[derive(Default)]
pub(crate) struct Spare {
    pub(crate) states: Vec<StateEntry>,
    pub(crate) invocations: Vec<InvocationView>,
    pub(crate) cells: Vec<StateCell>,
    pub(crate) messages: Vec<OutMessage>,
    pub(crate) egress: Vec<Egress>,
}

thread_local! {
    static SPARE: Cell<Option<Spare>> = const { Cell::new(None) };
}

fn emptied<T>(mut items: Vec<T>) -> Vec<T> {
    items.clear();
    if items.capacity() > MAX_ITEMS {
        return Vec::new();
    }
    items
}

impl Spare {
    /// This thread's spare buffers, or new ones when another request has them.
    pub(crate) fn take() -> Spare {
        SPARE.with(Cell::take).unwrap_or_default()
    }

    /// Empties the buffers and keeps them for the thread's next request.
    pub(crate) fn put_back(self) {
        let spare = Spare {
            states: emptied(self.states),
            invocations: emptied(self.invocations),
            cells: emptied(self.cells),
            messages: emptied(self.messages),
            egress: emptied(self.egress),
        };
        SPARE.with(|slot| slot.set(Some(spare)));
    }
}
