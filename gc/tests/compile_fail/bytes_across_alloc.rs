// A `bytes()` slice borrows the heap: an allocation (which may collect and move the object)
// cannot run while the slice is alive.
use gclab::Heap;

fn main() {
    let mut heap = Heap::new().unwrap();
    let h = heap.alloc(1, 0, 16).unwrap();
    let bytes = heap.bytes(h).unwrap();
    heap.alloc(1, 0, 16).unwrap();
    println!("{}", bytes[0]);
}
