// An `ObjRef` view borrows the heap: a collection cannot run while the view is alive.
use gclab::{CollectionKind, Heap};

fn main() {
    let mut heap = Heap::new().unwrap();
    let h = heap.alloc(1, 1, 0).unwrap();
    let view = heap.view(h).unwrap();
    heap.collect(CollectionKind::Minor);
    println!("{}", view.slot_count());
}
