// A heap belongs to one thread: it cannot be sent to another.
use gclab::Heap;

fn main() {
    let heap = Heap::new().unwrap();
    std::thread::spawn(move || drop(heap));
}
