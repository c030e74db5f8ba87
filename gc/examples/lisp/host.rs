//! Values that involve more than the heap's strong slots: symbols interned in a weak table,
//! and log files whose Rust resource is owned by a heap object and closed when the collector
//! frees it.
//!
//! Invariants:
//! - **The symbol table never keeps a symbol alive.** It is one [`SlotLayout::Weak`] object
//!   reached only from the hidden global ` symbols` (a name the reader cannot produce). A
//!   symbol nobody else references is freed by the collection that finds it dead, and its slot
//!   then reads `undefined`, free for the next symbol. The table holds at most one symbol per
//!   name, so two symbols of one name are the same object and `eq?` compares names.
//! - **A log's Rust side lives exactly as long as its heap object.** `(open-log name)`
//!   allocates a `Log` object and attaches a [`LogFile`] to it ([`gclab::Heap::attach_host`]);
//!   the heap drops the `LogFile` after the collection that frees the object, and its `Drop`
//!   — the "close" — records the log in the interpreter's `closed` list, which the program
//!   reads with `(closed-count)` and `(closed-logs)`. The drop touches no heap object.

use super::eval::{heap_err, Error, Interp, LOG, SYM, SYMTAB};
use super::machine::Machine;
use gclab::{Immediate, RawValue, SlotLayout, ViewValue};
use std::sync::{Arc, Mutex};

/// The list of closed logs, shared by the interpreter and every open [`LogFile`].
pub type ClosedLogs = Arc<Mutex<Vec<String>>>;

/// The Rust resource behind a `Log` object: a name and the lines written to it.
pub struct LogFile {
    name: String,
    lines: usize,
    closed: ClosedLogs,
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let entry = format!("{}:{}", self.name, self.lines);
        if let Ok(mut closed) = self.closed.lock() {
            closed.push(entry);
        }
    }
}

impl<M: Machine> Interp<M> {
    /// Pushes the symbol named `name`, the one already interned if it is alive.
    pub(crate) fn intern(&mut self, name: &[u8]) -> Result<(), Error> {
        self.m.push_global(self.symbols).map_err(heap_err)?;
        let t = self.m.top();
        if self.m.word(t) == RawValue::UNDEFINED {
            self.m.truncate(t);
            self.new_symbol_table(8)?;
        }
        let (found, free, cap) = {
            let o = self.m.view(t).map_err(heap_err)?;
            let (mut found, mut free) = (None, None);
            for i in 0..o.slot_count() {
                match o.get(i) {
                    Some(ViewValue::Ref(s)) if s.bytes() == name => {
                        found = Some(i);
                        break;
                    }
                    Some(ViewValue::Ref(_)) => {}
                    _ => free = free.or(Some(i)),
                }
            }
            (found, free, o.slot_count())
        };
        if let Some(i) = found {
            self.m.get_slot(t, i).map_err(heap_err)?;
        } else {
            let slot = match free {
                Some(i) => i,
                None => {
                    self.grow_symbol_table(t, cap)?;
                    cap
                }
            };
            self.m.alloc(SYM, 0, name.len()).map_err(heap_err)?;
            self.m
                .bytes_mut(t + 1)
                .map_err(heap_err)?
                .copy_from_slice(name);
            self.m.set_slot(t, slot, t + 1).map_err(heap_err)?;
        }
        self.m.copy(t + 1, t);
        self.m.truncate(t + 1);
        Ok(())
    }

    /// Allocates an empty weak table of `cap` slots, makes it the symbol table and pushes it.
    fn new_symbol_table(&mut self, cap: usize) -> Result<(), Error> {
        let frame = self.m.heap().push_frame_static("symbols");
        let r = self.m.heap().alloc_layout(SYMTAB, cap, 0, SlotLayout::Weak);
        let r = r.and_then(|h| self.m.push_handle(h));
        self.m.heap().pop_frame(frame).map_err(heap_err)?;
        r.map_err(heap_err)?;
        let t = self.m.top();
        self.m.set_global(self.symbols, t).map_err(heap_err)
    }

    /// Replaces the full table at `t` (of `cap` slots) by a copy twice as large.
    fn grow_symbol_table(&mut self, t: usize, cap: usize) -> Result<(), Error> {
        self.new_symbol_table(2 * cap)?;
        for i in 0..cap {
            self.m.get_slot(t, i).map_err(heap_err)?;
            self.m.set_slot(t + 1, i, t + 2).map_err(heap_err)?;
            self.m.truncate(t + 2);
        }
        self.m.copy(t + 1, t);
        self.m.truncate(t + 1);
        Ok(())
    }

    /// The number of symbols in the table (alive, or dead but not yet collected).
    pub(crate) fn interned_count(&mut self) -> Result<usize, Error> {
        self.m.push_global(self.symbols).map_err(heap_err)?;
        let t = self.m.top();
        let n = match self.m.view(t) {
            Ok(o) => (0..o.slot_count())
                .filter(|&i| matches!(o.get(i), Some(ViewValue::Ref(_))))
                .count(),
            Err(_) => 0,
        };
        self.m.truncate(t);
        Ok(n)
    }

    /// `(open-log name)`: pushes a new `Log` object owning a [`LogFile`].
    pub(crate) fn open_log(&mut self, name_at: usize, name: String) -> Result<(), Error> {
        self.m.alloc(LOG, 1, 0).map_err(heap_err)?;
        let t = self.m.top();
        self.m.set_slot(t, 0, name_at).map_err(heap_err)?;
        let file = LogFile {
            name,
            lines: 0,
            closed: Arc::clone(&self.closed),
        };
        let frame = self.m.heap().push_frame_static("open-log");
        let r = self
            .m
            .handle(t)
            .and_then(|h| self.m.heap().attach_host(h, file));
        self.m.heap().pop_frame(frame).map_err(heap_err)?;
        r.map(drop).map_err(heap_err)
    }

    /// `(log-write! log text)`: counts a line in the log at `at` and pushes `undefined`.
    pub(crate) fn log_write(&mut self, at: usize) -> Result<(), Error> {
        let frame = self.m.heap().push_frame_static("log-write!");
        let r = self
            .m
            .handle(at)
            .and_then(|h| Ok(self.m.heap().host_mut::<LogFile>(h)?.map(|f| f.lines += 1)));
        self.m.heap().pop_frame(frame).map_err(heap_err)?;
        r.map_err(heap_err)?
            .ok_or_else(|| format!("log-write!: {} is not a log", self.show(at, false)))?;
        self.m.push_imm(Immediate::Undefined);
        Ok(())
    }

    /// `(closed-logs)`: pushes the list of closed logs, sorted (the heap drops host values of
    /// one collection in no particular order).
    pub(crate) fn closed_logs(&mut self) -> Result<(), Error> {
        let mut names = self.closed.lock().map_err(|e| e.to_string())?.clone();
        names.sort();
        self.m.push_imm(Immediate::Null);
        for name in names.iter().rev() {
            let tail = self.m.top();
            self.new_string(name.as_bytes())?;
            self.cons(tail + 1, tail)?;
            self.m.copy(tail + 2, tail);
            self.m.truncate(tail + 1);
        }
        Ok(())
    }

    /// The number of logs closed so far.
    pub(crate) fn closed_count(&self) -> usize {
        self.closed.lock().map(|c| c.len()).unwrap_or(0)
    }
}
