//! JavaScript arrays, `Buffer`s and strings in the heap.
//!
//! An `Array` is a header object (`length`, `elements`) pointing to an `Elements` backing
//! store whose capacity doubles as `push` fills it, as V8's fast elements do; retaining
//! paths therefore read `… → Array .elements → Elements`. A `Buffer` is a raw-byte object
//! (the collector never scans it); a `String` holds UTF-8 bytes.

use super::{tags, RtError, Runtime};
use gclab::{Handle, Value};

const LENGTH: usize = 0;
const ELEMENTS: usize = 1;

impl Runtime {
    /// `[]` with room for `capacity` elements before the store grows.
    ///
    /// # Errors
    /// Heap errors.
    pub fn array_new(&mut self, capacity: usize) -> Result<Handle, RtError> {
        let elems = self.heap.alloc(tags::ELEMENTS, capacity.max(1), 0)?;
        let arr = self.heap.alloc(tags::ARRAY, 2, 0)?;
        self.heap.set(arr, LENGTH, Value::Int(0))?;
        self.heap.set(arr, ELEMENTS, elems)?;
        Ok(arr)
    }

    /// `arr.length`.
    ///
    /// # Errors
    /// `Thrown` if `arr` is not an array; heap errors.
    pub fn array_len(&mut self, arr: Handle) -> Result<usize, RtError> {
        match self.heap.get(arr, LENGTH)? {
            Value::Int(n) => Ok(n as usize),
            _ => Err(RtError::Thrown("TypeError: not an array".into())),
        }
    }

    /// `arr[i]` (`undefined` past the end).
    ///
    /// # Errors
    /// Heap errors.
    pub fn array_get(&mut self, arr: Handle, i: usize) -> Result<Value, RtError> {
        if i >= self.array_len(arr)? {
            return Ok(Value::Undefined);
        }
        let elems = self.elements(arr)?;
        Ok(self.heap.get(elems, i)?)
    }

    /// `arr[i] = v` for `i < arr.length`.
    ///
    /// # Errors
    /// `Thrown` for an index past the end; heap errors.
    pub fn array_set(&mut self, arr: Handle, i: usize, v: impl Into<Value>) -> Result<(), RtError> {
        if i >= self.array_len(arr)? {
            return Err(RtError::Thrown(format!(
                "RangeError: index {i} past the end"
            )));
        }
        let elems = self.elements(arr)?;
        Ok(self.heap.set(elems, i, v)?)
    }

    fn elements(&mut self, arr: Handle) -> Result<Handle, RtError> {
        self.heap
            .get(arr, ELEMENTS)?
            .as_ref()
            .ok_or_else(|| RtError::Thrown("TypeError: not an array".into()))
    }

    /// `arr.push(v)`: grows the backing store (doubling) when full.
    ///
    /// # Errors
    /// Heap errors (out of memory while growing).
    pub fn array_push(&mut self, arr: Handle, v: impl Into<Value>) -> Result<(), RtError> {
        let v = v.into();
        let frame = self.heap.push_frame("Array.prototype.push");
        let r = self.array_push_in(arr, v);
        self.heap.pop_frame(frame)?;
        r
    }

    fn array_push_in(&mut self, arr: Handle, v: Value) -> Result<(), RtError> {
        let len = self.array_len(arr)?;
        let mut elems = self.elements(arr)?;
        let cap = self.heap.slot_count(elems)?;
        if len == cap {
            // Keep `v` rooted across the allocation.
            let v_local = self.heap.local(v)?;
            let bigger = self.heap.alloc(tags::ELEMENTS, cap * 2, 0)?;
            let tmp = self.heap.local(Value::Undefined)?;
            for i in 0..len {
                let x = self.heap.get_into(elems, i, tmp)?;
                self.heap.set(bigger, i, x)?;
            }
            self.heap.set(arr, ELEMENTS, bigger)?;
            elems = bigger;
            let v = self.heap.value_of(v_local)?;
            self.heap.set(elems, len, v)?;
        } else {
            self.heap.set(elems, len, v)?;
        }
        self.heap.set(arr, LENGTH, Value::Int(len as i32 + 1))?;
        Ok(())
    }

    /// `arr.splice(i, 1)`: removes element `i`, shifting the rest down.
    ///
    /// # Errors
    /// `Thrown` for an index past the end; heap errors.
    pub fn array_remove(&mut self, arr: Handle, i: usize) -> Result<(), RtError> {
        let len = self.array_len(arr)?;
        if i >= len {
            return Err(RtError::Thrown(format!(
                "RangeError: index {i} past the end"
            )));
        }
        let frame = self.heap.push_frame("Array.prototype.splice");
        let r = (|| {
            let elems = self.elements(arr)?;
            let tmp = self.heap.local(Value::Undefined)?;
            for j in i + 1..len {
                let x = self.heap.get_into(elems, j, tmp)?;
                self.heap.set(elems, j - 1, x)?;
            }
            self.heap.set(elems, len - 1, Value::Undefined)?;
            self.heap.set(arr, LENGTH, Value::Int(len as i32 - 1))?;
            Ok(())
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// `arr.length = 0`: drops every element (the store keeps its capacity).
    ///
    /// # Errors
    /// Heap errors.
    pub fn array_clear(&mut self, arr: Handle) -> Result<(), RtError> {
        let len = self.array_len(arr)?;
        let elems = self.elements(arr)?;
        for i in 0..len {
            self.heap.set(elems, i, Value::Undefined)?;
        }
        self.heap.set(arr, LENGTH, Value::Int(0))?;
        Ok(())
    }

    /// `Buffer.alloc(size)` filled with `fill`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn buffer(&mut self, size: usize, fill: u8) -> Result<Handle, RtError> {
        let b = self.heap.alloc(tags::BUFFER, 0, size)?;
        if fill != 0 {
            self.heap.bytes_mut(b)?.fill(fill);
        }
        Ok(b)
    }

    /// A string (UTF-8 bytes in a `String` object).
    ///
    /// # Errors
    /// Heap errors.
    pub fn string(&mut self, s: &str) -> Result<Handle, RtError> {
        Ok(self.heap.alloc_with(tags::STRING, &[], s.as_bytes())?)
    }

    /// A plain object with `slots` unnamed slots set from `values`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn object(&mut self, tag: gclab::TypeTag, values: &[Value]) -> Result<Handle, RtError> {
        Ok(self.heap.alloc_with(tag, values, &[])?)
    }
}
