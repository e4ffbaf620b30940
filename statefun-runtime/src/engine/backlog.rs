//! A queue of encoded invocation entries (`InvocationBatchRequest.invocations`), each
//! with the sequence number it is stored under, from which batches are taken.

use std::collections::VecDeque;
use std::mem;

/// Invocation entries in arrival order, in one buffer.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    /// The entries, from `start` on: what was taken is dropped when the rest is moved.
    bytes: Vec<u8>,
    start: usize,
    /// Length and sequence number of each entry, oldest first.
    entries: VecDeque<(usize, u64)>,
}

/// Entries taken from a [`Backlog`] to be sent as one batch.
#[derive(Debug, Default, Clone)]
pub(crate) struct Batch {
    pub bytes: Vec<u8>,
    /// How many entries `bytes` holds.
    pub count: usize,
    /// The entries' sequence numbers; empty where nothing is journaled.
    pub seqs: Vec<u64>,
}

/// The length of each entry of `entries`, as the engine encodes them: a one-byte key, a
/// varint length, the body.
pub(crate) fn entry_lens(entries: &[u8]) -> Vec<usize> {
    let mut lens = Vec::new();
    let mut at = 0;
    while at < entries.len() {
        let mut len = 0usize;
        let mut shift = 0;
        let mut cursor = at + 1;
        loop {
            let byte = entries[cursor];
            cursor += 1;
            len |= usize::from(byte & 0x7F) << shift;
            shift += 7;
            if byte < 0x80 {
                break;
            }
        }
        let end = cursor + len;
        lens.push(end - at);
        at = end;
    }
    lens
}

impl Backlog {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes of the entries waiting.
    pub fn byte_len(&self) -> usize {
        self.bytes.len() - self.start
    }

    pub fn push(&mut self, entry: &[u8], seq: u64) {
        self.bytes.extend_from_slice(entry);
        self.entries.push_back((entry.len(), seq));
    }

    /// Puts `batch` back in front of what waits, in its order.
    pub fn push_front(&mut self, batch: Batch) {
        let lens = entry_lens(&batch.bytes);
        let mut seqs = batch.seqs;
        seqs.resize(lens.len(), 0);
        let mut bytes = batch.bytes;
        bytes.extend_from_slice(&self.bytes[self.start..]);
        self.bytes = bytes;
        self.start = 0;
        for (len, seq) in lens.into_iter().zip(seqs).rev() {
            self.entries.push_front((len, seq));
        }
    }

    /// Takes the oldest entries whose encodings add up to at most `max_bytes`, at most
    /// `max_count` of them, and always at least one: a single entry over the limit goes
    /// alone, and the function says whether it takes it.
    pub fn take(&mut self, max_bytes: usize, max_count: usize, journaled: bool) -> Batch {
        let mut batch = Batch::default();
        let mut total = 0;
        let mut count = 0;
        while let Some(&(len, seq)) = self.entries.front() {
            let fits = total + len <= max_bytes && count < max_count;
            if count > 0 && !fits {
                break;
            }
            self.entries.pop_front();
            if journaled {
                batch.seqs.push(seq);
            }
            count += 1;
            total += len;
        }
        batch.count = count;
        if self.entries.is_empty() && self.start == 0 {
            // The usual case: everything goes, without a copy.
            batch.bytes = mem::take(&mut self.bytes);
        } else {
            batch.bytes = self.bytes[self.start..self.start + total].to_vec();
            self.start += total;
            if self.entries.is_empty() {
                self.bytes.clear();
                self.start = 0;
            } else if self.start > self.bytes.len() / 2 {
                self.bytes.drain(..self.start);
                self.start = 0;
            }
        }
        batch
    }

    /// The sequence numbers of every entry, oldest first.
    #[cfg(test)]
    pub fn seqs(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.iter().map(|(_, seq)| *seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries as the engine frames them: key, length, body.
    fn entry(body: &[u8]) -> Vec<u8> {
        let mut entry = vec![0x1A, body.len() as u8];
        entry.extend_from_slice(body);
        entry
    }

    fn backlog(bodies: &[&[u8]]) -> Backlog {
        let mut backlog = Backlog::default();
        for (seq, body) in bodies.iter().enumerate() {
            backlog.push(&entry(body), seq as u64);
        }
        backlog
    }

    fn entries(bodies: &[&[u8]]) -> Vec<u8> {
        bodies.iter().flat_map(|body| entry(body)).collect()
    }

    #[test]
    fn batches_are_cut_under_the_byte_limit_in_order() {
        let mut queue = backlog(&[b"aaa", b"bb", b"cccc", b"d"]);
        let first = queue.take(9, usize::MAX, true);
        assert_eq!(first.bytes, entries(&[b"aaa", b"bb"]));
        assert_eq!(first.seqs, [0, 1]);
        let second = queue.take(9, usize::MAX, true);
        assert_eq!(second.bytes, entries(&[b"cccc", b"d"]));
        assert!(queue.is_empty());
    }

    #[test]
    fn an_entry_over_the_limit_goes_alone() {
        let mut queue = backlog(&[b"aaaaaa", b"b"]);
        assert_eq!(queue.take(2, usize::MAX, true).bytes, entry(b"aaaaaa"));
        assert_eq!(queue.take(2, usize::MAX, true).bytes, entry(b"b"));
    }

    #[test]
    fn a_batch_put_back_comes_first_again() {
        let mut queue = backlog(&[b"aa", b"b", b"ccc"]);
        let batch = queue.take(7, usize::MAX, true);
        assert_eq!(batch.seqs, [0, 1]);
        queue.push(&entry(b"dd"), 9);
        queue.push_front(batch);
        assert_eq!(queue.seqs().collect::<Vec<_>>(), [0, 1, 2, 9]);
        assert_eq!(
            queue.take(usize::MAX, usize::MAX, true).bytes,
            entries(&[b"aa", b"b", b"ccc", b"dd"])
        );
    }

    #[test]
    fn the_count_limit_holds_too() {
        let mut queue = backlog(&[b"a", b"b", b"c"]);
        assert_eq!(queue.take(usize::MAX, 2, true).seqs, [0, 1]);
    }

    #[test]
    fn entry_lengths_are_read_back_from_the_framing() {
        let long = vec![7u8; 300];
        let mut bytes = entries(&[b"a"]);
        bytes.push(0x1A);
        bytes.extend_from_slice(&[0xAC, 0x02]);
        bytes.extend_from_slice(&long);
        assert_eq!(entry_lens(&bytes), [3, 303]);
    }
}
