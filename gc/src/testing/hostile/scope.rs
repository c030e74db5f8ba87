//! `scope` with callbacks that succeed, fail, leave frames pushed, pop an outer frame,
//! collect, or nest a failing scope.
//!
//! Invariant checked: `scope` returns the callback's result unchanged, the frame depth
//! afterwards is what it was before, a handle made inside is stale afterwards, and a handle
//! made outside is as live as before.

use super::{Expect, ScopeBody};
use crate::{CollectionKind, Heap, HeapError};

/// The callback's own error (what an interpreter would return).
const CALLBACK_ERROR: HeapError = HeapError::NotAnObject;

pub(super) fn scope(heap: &mut Heap, x: &mut Expect, body: ScopeBody) -> Result<(), String> {
    let depth = heap.frame_depth();
    let outer = x.handles.last().copied();
    let inner_id = x.new_id();
    let below = x.frames.last().map(|&(f, _)| f);
    let mut inner = None;
    let r = heap.scope("hostile scope", |heap| match body {
        ScopeBody::Value => {
            let h = heap.alloc(1, 1, 0)?;
            inner = Some(h);
            heap.get(h, 0).map(|_| 1)
        }
        ScopeBody::Error => Err(CALLBACK_ERROR),
        ScopeBody::LeaveFrames(n) => {
            for _ in 0..n {
                // Deliberately never popped: `scope` must clean up after its callback.
                let _left = heap.push_frame("left pushed");
            }
            Ok(1)
        }
        ScopeBody::PopOuter => match below {
            Some(f) => match heap.pop_frame(f) {
                Err(HeapError::FrameOrder { .. }) => Ok(1),
                Err(e) => Err(e),
                Ok(()) => Ok(-1),
            },
            None => Ok(1),
        },
        ScopeBody::Collect => {
            let h = heap.alloc(1, 1, 0)?;
            inner = Some(h);
            heap.collect(CollectionKind::Major);
            heap.get(h, 0)?;
            if let Some((o, _)) = outer {
                // Stale or live, as before the scope: compared after it.
                let _ = heap.get(o, 0);
            }
            Ok(1)
        }
        ScopeBody::NestedError => {
            heap.scope("inner scope", |_| Err::<i32, _>(CALLBACK_ERROR))?;
            Ok(-1)
        }
    });
    if heap.frame_depth() != depth {
        return Err(format!(
            "scope ({body:?}) left the frame depth at {}, it was {depth}",
            heap.frame_depth()
        ));
    }
    let want_error = matches!(body, ScopeBody::Error | ScopeBody::NestedError);
    match (body, &r) {
        (_, Err(e)) if want_error && *e == CALLBACK_ERROR => {}
        (_, Ok(1)) if !want_error => {}
        _ => return Err(format!("scope ({body:?}) returned {r:?}")),
    }
    if let Some(h) = inner {
        x.handles.push((h, inner_id));
        match heap.get(h, 0) {
            Err(HeapError::StaleHandle) => {}
            r => return Err(format!("a handle from a finished scope: {r:?}")),
        }
    }
    if let Some((o, frame)) = outer {
        let r = heap.get(o, 0);
        match (x.live(frame), r) {
            (true, Ok(_)) | (false, Err(HeapError::StaleHandle)) => {}
            (live, r) => {
                return Err(format!(
                    "an outer handle (live: {live}) after a scope: {r:?}"
                ))
            }
        }
    }
    Ok(())
}
