//! The timer list of the virtual clock: `setTimeout`, `setInterval` and their
//! `clear*` counterparts.
//!
//! Invariants this module keeps:
//!
//! - Every armed timer is in `order` exactly once, keyed by `(due, seq, id)`;
//!   `seq` grows with every arm (creation and every interval re-arm), so timers
//!   due at the same millisecond fire in the order they were armed. Node keeps
//!   one list per duration and fires a list in insertion order; the two orders
//!   differ only for timers of different durations that fall due at the same
//!   millisecond, which the conformance programs avoid.
//! - A delay below 1 ms or above [`TIMEOUT_MAX`] becomes 1 ms, as in Node's
//!   `lib/internal/timers.js` (`setTimeout(f, 0)` is `setTimeout(f, 1)`).
//!   Together with a clock that never moves during a phase, this means a timer
//!   armed inside the timers phase never runs in that same phase.
//! - An interval that is firing stays in `entries` but not in `order` until
//!   `TimerQueue::rearm` puts it back at `now + period` (Node re-arms from the
//!   loop time taken when the callback starts, which is the same instant here).
//!   Clearing it from its own callback removes the entry, so it is not re-armed.

use std::collections::{BTreeSet, HashMap};

use super::TimerId;

/// Largest delay Node accepts, in ms (`2^31 - 1`); larger delays become 1 ms.
pub const TIMEOUT_MAX: u64 = 2_147_483_647;

/// Applies Node's delay coercion: anything outside `1..=TIMEOUT_MAX` is 1 ms.
pub fn coerce_delay(delay_ms: u64) -> u64 {
    if (1..=TIMEOUT_MAX).contains(&delay_ms) {
        delay_ms
    } else {
        1
    }
}

#[derive(Debug)]
struct Entry<T> {
    payload: T,
    due: u64,
    seq: u64,
    /// `Some(period)` for an interval.
    period: Option<u64>,
    /// False while an interval's callback runs (taken out of `order`).
    armed: bool,
}

/// A timer handed out by [`TimerQueue::pop_due`].
#[derive(Debug)]
pub(crate) struct Fired<T> {
    pub(crate) id: TimerId,
    pub(crate) payload: T,
    pub(crate) repeating: bool,
}

/// Pending timers ordered by due time, then arming order.
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    entries: HashMap<TimerId, Entry<T>>,
    order: BTreeSet<(u64, u64, TimerId)>,
    next_id: u64,
    next_seq: u64,
}

impl<T: Clone> TimerQueue<T> {
    pub(crate) fn new() -> Self {
        Self {
            entries: HashMap::new(),
            order: BTreeSet::new(),
            next_id: 1,
            next_seq: 0,
        }
    }

    /// Arms a timer due `coerce_delay(delay_ms)` after `now`.
    pub(crate) fn insert(&mut self, now: u64, delay_ms: u64, payload: T, repeat: bool) -> TimerId {
        let delay = coerce_delay(delay_ms);
        let id = TimerId(self.next_id);
        self.next_id += 1;
        let seq = self.bump_seq();
        let due = now.saturating_add(delay);
        self.order.insert((due, seq, id));
        self.entries.insert(
            id,
            Entry {
                payload,
                due,
                seq,
                period: repeat.then_some(delay),
                armed: true,
            },
        );
        id
    }

    fn bump_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Removes the first timer due at or before `now`. A timeout leaves the
    /// queue with its payload; an interval stays (disarmed) and yields a clone.
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<Fired<T>> {
        let &(due, seq, id) = self.order.first()?;
        if due > now {
            return None;
        }
        self.order.remove(&(due, seq, id));
        let entry = self
            .entries
            .get_mut(&id)
            .expect("ordered timer has an entry");
        if entry.period.is_some() {
            entry.armed = false;
            Some(Fired {
                id,
                payload: entry.payload.clone(),
                repeating: true,
            })
        } else {
            let entry = self.entries.remove(&id).expect("entry checked above");
            Some(Fired {
                id,
                payload: entry.payload,
                repeating: false,
            })
        }
    }

    /// Re-arms a disarmed interval at `now + period`; no-op if it was cleared.
    pub(crate) fn rearm(&mut self, id: TimerId, now: u64) {
        let seq = self.next_seq;
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        let Some(period) = entry.period else {
            return;
        };
        if entry.armed {
            return;
        }
        self.next_seq += 1;
        entry.armed = true;
        entry.due = now.saturating_add(period);
        entry.seq = seq;
        self.order.insert((entry.due, seq, id));
    }

    /// Cancels a timer and returns its payload, or `None` if it is unknown,
    /// already fired (timeouts) or already cleared.
    pub(crate) fn remove(&mut self, id: TimerId) -> Option<T> {
        let entry = self.entries.remove(&id)?;
        if entry.armed {
            self.order.remove(&(entry.due, entry.seq, id));
        }
        Some(entry.payload)
    }

    /// Due time of the earliest armed timer.
    pub(crate) fn next_due(&self) -> Option<u64> {
        self.order.first().map(|&(due, _, _)| due)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn due_of(&self, id: TimerId) -> Option<u64> {
        self.entries.get(&id).filter(|e| e.armed).map(|e| e.due)
    }

    /// Every payload held, with its timer id, in firing order (a firing
    /// interval, which is not armed, comes last).
    pub(crate) fn payloads(&self) -> impl Iterator<Item = (TimerId, &T)> + '_ {
        let armed = self
            .order
            .iter()
            .map(move |&(_, _, id)| (id, &self.entries[&id].payload));
        let firing = self
            .entries
            .iter()
            .filter(|(_, e)| !e.armed)
            .map(|(&id, e)| (id, &e.payload));
        armed.chain(firing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut TimerQueue<&'static str>, now: u64) -> Vec<&'static str> {
        let mut out = Vec::new();
        while let Some(f) = q.pop_due(now) {
            out.push(f.payload);
            if f.repeating {
                q.rearm(f.id, now);
            }
        }
        out
    }

    #[test]
    fn delay_coercion_matches_node() {
        assert_eq!(coerce_delay(0), 1);
        assert_eq!(coerce_delay(1), 1);
        assert_eq!(coerce_delay(250), 250);
        assert_eq!(coerce_delay(TIMEOUT_MAX), TIMEOUT_MAX);
        assert_eq!(coerce_delay(TIMEOUT_MAX + 1), 1);
    }

    #[test]
    fn ordered_by_due_then_arming_order() {
        let mut q = TimerQueue::new();
        q.insert(0, 10, "c10", false);
        q.insert(0, 5, "a5", false);
        q.insert(0, 10, "d10", false);
        q.insert(0, 0, "zero", false);
        q.insert(5, 5, "e10-later", false);
        assert_eq!(drain(&mut q, 0), Vec::<&str>::new());
        assert_eq!(drain(&mut q, 1), vec!["zero"]);
        assert_eq!(drain(&mut q, 10), vec!["a5", "c10", "d10", "e10-later"]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn interval_rearms_from_now() {
        let mut q = TimerQueue::new();
        let id = q.insert(0, 20, "iv", true);
        let f = q.pop_due(20).unwrap();
        assert!(f.repeating);
        assert_eq!(q.due_of(id), None, "disarmed while firing");
        q.rearm(id, 25);
        assert_eq!(q.next_due(), Some(45));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn clearing_a_firing_interval_prevents_rearm_and_returns_payload() {
        let mut q = TimerQueue::new();
        let id = q.insert(0, 20, "iv", true);
        let _ = q.pop_due(20).unwrap();
        assert_eq!(q.remove(id), Some("iv"));
        q.rearm(id, 20);
        assert_eq!(q.len(), 0);
        assert_eq!(q.next_due(), None);
    }

    #[test]
    fn fired_timeout_cannot_be_cleared() {
        let mut q = TimerQueue::new();
        let id = q.insert(0, 1, "t", false);
        assert_eq!(q.pop_due(1).unwrap().payload, "t");
        assert_eq!(q.remove(id), None);
    }
}
