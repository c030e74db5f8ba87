//! Issue: `scope` left its frame pushed when the callback panicked, and when the callback
//! pushed a frame and did not pop it, returned `Err(FrameOrder)` with both frames still
//! pushed and the callback's result lost. After `scope` returns or unwinds, the frame depth
//! is now what it was before, and the callback's own result (of its own error type) comes
//! back.

use gclab::{CollectionKind, Heap, HeapError, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, PartialEq)]
enum LangError {
    Heap(HeapError),
    Type(&'static str),
}

impl From<HeapError> for LangError {
    fn from(e: HeapError) -> Self {
        LangError::Heap(e)
    }
}

#[test]
fn scope_pops_its_frame_when_the_callback_panics() {
    let mut heap = Heap::new().unwrap();
    let outer = heap.push_frame("outer");
    let kept = heap.alloc(1, 1, 0).unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        heap.scope("panics", |heap| -> Result<(), HeapError> {
            heap.alloc(1, 0, 32)?;
            let _ = heap.push_frame("inner");
            panic!("user code panics inside a scope");
        })
    }));
    assert!(r.is_err());
    assert_eq!(heap.frame_depth(), 1, "only `outer` is left");
    assert_eq!(heap.local_count(), 1, "the scope's locals were released");
    heap.collect(CollectionKind::Major);
    heap.verify().unwrap();
    assert_eq!(heap.usage().objects(), 1);
    assert_eq!(heap.get(kept, 0), Ok(Value::Undefined));
    heap.pop_frame(outer).unwrap();
}

#[test]
fn scope_pops_frames_the_callback_left_and_keeps_its_result() {
    let mut heap = Heap::new().unwrap();
    let r = heap.scope("leaves two frames", |heap| {
        let _ = heap.push_frame("left pushed");
        let _ = heap.push_frame("also left pushed");
        heap.alloc(1, 0, 8)?;
        Ok::<_, HeapError>(42)
    });
    assert_eq!(r, Ok(42));
    assert_eq!(heap.frame_depth(), 0);
    assert_eq!(heap.local_count(), 0);
}

#[test]
fn scope_carries_the_callers_error_type() {
    let mut heap = Heap::new().unwrap();
    let r: Result<i32, LangError> = heap.scope("eval", |heap| {
        let cell = heap.alloc(1, 1, 0)?;
        heap.set(cell, 0, Value::Bool(true))?;
        match heap.get(cell, 0)? {
            Value::Int(i) => Ok(i),
            _ => Err(LangError::Type("not a number")),
        }
    });
    assert_eq!(r, Err(LangError::Type("not a number")));
    // A heap error converts into the caller's type.
    let r: Result<(), LangError> = heap.scope("eval", |heap| {
        let cell = heap.alloc(1, 1, 0)?;
        heap.get(cell, 5)?;
        Ok(())
    });
    assert_eq!(
        r,
        Err(LangError::Heap(HeapError::SlotOutOfBounds {
            index: 5,
            len: 1
        }))
    );
    assert_eq!(heap.frame_depth(), 0);
}
