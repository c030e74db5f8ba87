// A persistent root queues its release on its heap's thread: it cannot be sent elsewhere.
use gclab::{Heap, RootKind, Value};

fn main() {
    let mut heap = Heap::new().unwrap();
    let root = heap.root(RootKind::Timer, "t", Value::Int(1)).unwrap();
    std::thread::spawn(move || drop(root));
}
