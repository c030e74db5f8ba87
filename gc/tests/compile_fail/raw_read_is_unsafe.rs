// Reading an object through a raw word is `unsafe`: safe code holding the bits of a freed
// object cannot dereference them.
use gclab::Heap;

fn main() {
    let mut heap = Heap::new().unwrap();
    let h = heap.alloc(1, 1, 0).unwrap();
    let raw = heap.raw(h).unwrap();
    let _ = heap.get_raw(raw, 0);
}
