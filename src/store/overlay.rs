//! The commit rules' view of the database while a group-commit batch is planned: the
//! stored state, plus the writes of the write sets accepted earlier in the batch, plus
//! those of the write set being planned. Nothing reaches the backend until the whole
//! batch is journaled; the accepted writes, in order, are the journal frame.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use super::codec::Tree;
use super::commit::Tx;
use super::journal::JournalOp;

/// Read access to the stored state. Only the writer thread writes, so plain reads are
/// consistent without a backend transaction.
pub(crate) trait Base {
    /// Backend failure type.
    type E: std::fmt::Display;
    /// Reads a stored key.
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E>;
}

/// The latest planned value per (tree, key); `None` is a removal.
type Planned = HashMap<(u8, Vec<u8>), Option<Vec<u8>>>;

/// A batch being planned over `B`.
pub(crate) struct Overlay<'a, B> {
    base: &'a B,
    /// Writes of the write sets accepted so far, by key (latest wins).
    batch: RefCell<Planned>,
    /// Writes of the write set being planned, in order.
    current: RefCell<Vec<JournalOp>>,
    /// Every accepted write, in order.
    accepted: Vec<JournalOp>,
    /// The next audit sequence number to hand out.
    next_seq: Cell<u64>,
}

impl<'a, B: Base> Overlay<'a, B> {
    /// An empty batch over `base`, numbering audit records from `next_seq`.
    pub(crate) fn new(base: &'a B, next_seq: u64) -> Self {
        Overlay {
            base,
            batch: RefCell::default(),
            current: RefCell::default(),
            accepted: Vec::new(),
            next_seq: Cell::new(next_seq),
        }
    }

    /// Keeps the current write set's writes.
    pub(crate) fn accept(&mut self) {
        let current = std::mem::take(self.current.get_mut());
        let batch = self.batch.get_mut();
        for op in &current {
            batch.insert((op.tree, op.key.clone()), op.value.clone());
        }
        self.accepted.extend(current);
    }

    /// Drops the current write set's writes (it was refused).
    pub(crate) fn discard(&mut self) {
        self.current.get_mut().clear();
    }

    /// The accepted writes, in order, and the next unused audit sequence number
    /// (refused write sets may leave gaps).
    pub(crate) fn into_writes(self) -> (Vec<JournalOp>, u64) {
        (self.accepted, self.next_seq.get())
    }
}

impl<B: Base> Tx for Overlay<'_, B> {
    type E = B::E;

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E> {
        let t = tree as u8;
        if let Some(op) = self
            .current
            .borrow()
            .iter()
            .rev()
            .find(|op| op.tree == t && op.key == key)
        {
            return Ok(op.value.clone());
        }
        if let Some(v) = self.batch.borrow().get(&(t, key.to_vec())) {
            return Ok(v.clone());
        }
        self.base.get(tree, key)
    }

    fn put(&self, tree: Tree, key: Vec<u8>, value: Vec<u8>) -> Result<(), Self::E> {
        self.current.borrow_mut().push(JournalOp {
            tree: tree as u8,
            key,
            value: Some(value),
        });
        Ok(())
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> Result<(), Self::E> {
        self.current.borrow_mut().push(JournalOp {
            tree: tree as u8,
            key: key.to_vec(),
            value: None,
        });
        Ok(())
    }

    fn next_seq(&self) -> Result<u64, Self::E> {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        Ok(seq)
    }
}
