//! Small byte strings the SDK writes (payloads, records, ids, answers), carved from one
//! per-thread buffer instead of allocated one by one.
//!
//! Each carved `Bytes` holds a reference to its chunk; a chunk goes back to the allocator
//! when the last of them is dropped. Between requests nothing carved is alive any more, so
//! the next request writes into the same chunk again: a server in steady state allocates
//! nothing for what its functions send. A value kept for long (say, a message a function
//! stores instead of sending) keeps its whole chunk alive, which is why values above half
//! a chunk get an allocation of their own.

use std::cell::{Cell, RefCell};

use bytes::{Bytes, BytesMut};

/// Room for the answer to a large batch and its parts.
const CHUNK: usize = 64 * 1024;
/// Values above this get their own allocation, so that they do not pin a chunk.
const LARGEST: usize = CHUNK / 2;

thread_local! {
    static ARENA: RefCell<BytesMut> = RefCell::new(BytesMut::new());
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Starts the chunk over when nothing carved from it is alive any more: called when a
/// request begins, so that a steady stream of requests keeps writing the same memory.
pub(crate) fn recycle() {
    let _ = ARENA.try_with(|arena| {
        if let Ok(mut arena) = arena.try_borrow_mut()
            && arena.capacity() > 0
        {
            let _reclaimed = arena.try_reclaim(CHUNK);
        }
    });
}

/// `len` bytes written by `write`, which must write exactly that many.
pub(crate) fn carve(len: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
    if len == 0 {
        return Bytes::new();
    }
    if len > LARGEST {
        return own(len, write);
    }
    // Borrowed only by this module, around the SDK's own writers, so the borrow never fails
    // in practice; the fallbacks cover a thread being torn down.
    let mut write = Some(write);
    let carved = ARENA.try_with(|arena| {
        let mut arena = arena.try_borrow_mut().ok()?;
        if arena.capacity() == 0 {
            *arena = BytesMut::with_capacity(CHUNK);
        } else {
            // Reuses the chunk when nothing carved from it is alive, otherwise starts a
            // new one of the same size.
            arena.reserve(len);
        }
        (write.take()?)(&mut arena);
        debug_assert_eq!(arena.len(), len);
        Some(arena.split().freeze())
    });
    match (carved, write) {
        (Ok(Some(bytes)), _) => bytes,
        (_, Some(write)) => own(len, write),
        (_, None) => unreachable!("a write that ran produced bytes"),
    }
}

/// An allocation of exactly `len` bytes, which becomes `Bytes` without another one.
#[cold]
fn own(len: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
    let mut out = BytesMut::with_capacity(len);
    write(&mut out);
    out.freeze()
}

/// `bytes`, copied into the arena.
pub(crate) fn copy(bytes: &[u8]) -> Bytes {
    carve(bytes.len(), |out| out.extend_from_slice(bytes))
}

/// What `serialize` appends to a reused scratch buffer, copied into the arena: for codecs
/// that write into a `Vec`.
pub(crate) fn serialized<E>(
    serialize: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
) -> Result<Bytes, E> {
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    scratch.clear();
    let result = serialize(&mut scratch).map(|()| copy(&scratch));
    if scratch.capacity() <= LARGEST {
        let _ = SCRATCH.try_with(|slot| slot.set(scratch));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carved_values_stay_valid_and_the_chunk_is_reused() {
        let first = copy(b"hello");
        let second = carve(3, |out| out.extend_from_slice(b"abc"));
        assert_eq!((&first[..], &second[..]), (&b"hello"[..], &b"abc"[..]));
        let chunk = first.as_ptr();
        drop((first, second));
        recycle();
        let again = copy(b"x");
        assert_eq!(
            again.as_ptr(),
            chunk,
            "a free chunk is written again from its start"
        );
        let large = copy(&vec![7u8; LARGEST + 1]);
        assert_eq!(large.len(), LARGEST + 1);
        assert_eq!(copy(b""), Bytes::new());
    }

    #[test]
    fn serialized_values_keep_their_bytes() {
        let value = serialized(|out| {
            out.extend_from_slice(b"42");
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(&value[..], b"42");
        assert!(serialized(|_| Err::<(), _>("nope")).is_err());
    }
}
