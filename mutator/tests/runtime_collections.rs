//! Maps and the LRU cache in the heap.

use gclab::{CollectionKind, HeapConfig, Plan, Value};
use gclab_mutator::runtime::map::Key;
use gclab_mutator::runtime::Runtime;

fn live(rt: &mut Runtime) -> u64 {
    rt.heap.collect(CollectionKind::Major);
    rt.heap.verify().expect("heap invariants hold");
    rt.heap.occupied_bytes()
}

#[test]
fn map_set_get_delete_across_collections() {
    for plan in [Plan::Generational, Plan::MarkSweep, Plan::SemiSpace] {
        let mut rt = Runtime::new(HeapConfig::for_plan(plan)).unwrap();
        let f = rt.heap.push_frame("test");
        let m = rt.map_new(4).unwrap();
        for i in 0..2000 {
            let v = rt.buffer(16, (i % 256) as u8).unwrap();
            rt.map_set(m, Key::Int(i), v).unwrap();
            rt.map_set(m, Key::Str(&format!("k{i}")), Value::Int(i))
                .unwrap();
            if i % 500 == 0 {
                rt.heap.collect(CollectionKind::Minor);
            }
        }
        assert_eq!(rt.map_size(m).unwrap(), 4000);
        live(&mut rt);
        assert_eq!(
            rt.map_get(m, Key::Str("k1234")).unwrap(),
            Some(Value::Int(1234))
        );
        let b = rt
            .map_get(m, Key::Int(77))
            .unwrap()
            .unwrap()
            .as_ref()
            .unwrap();
        assert_eq!(rt.heap.bytes(b).unwrap()[0], 77);
        rt.map_set(m, Key::Int(77), Value::Int(-1)).unwrap();
        assert_eq!(rt.map_get(m, Key::Int(77)).unwrap(), Some(Value::Int(-1)));
        assert_eq!(rt.map_size(m).unwrap(), 4000, "overwrite keeps the size");
        assert!(rt.map_delete(m, Key::Str("k5")).unwrap());
        assert!(!rt.map_delete(m, Key::Str("k5")).unwrap());
        assert!(!rt.map_has(m, Key::Str("k5")).unwrap());
        assert!(rt.map_has(m, Key::Str("k6")).unwrap());
        assert_eq!(rt.map_get(m, Key::Int(5000)).unwrap(), None);
        assert_eq!(rt.map_size(m).unwrap(), 3999);
        rt.heap.pop_frame(f).unwrap();
        assert_eq!(live(&mut rt), 0);
    }
}

#[test]
fn lru_bound_holds_and_evicts_the_least_recently_used() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("test");
    let cache = rt.lru_new(100).unwrap();
    rt.set_global("cache", cache).unwrap();
    let mut peak = 0;
    for i in 0..5000 {
        let req = rt.heap.push_frame("request");
        let v = rt.buffer(1000, 1).unwrap();
        rt.lru_set(cache, Key::Str(&format!("/page/{i}")), v)
            .unwrap();
        // Keep page 0 hot: it is never the least recently used.
        assert!(rt.lru_get(cache, Key::Str("/page/0")).unwrap().is_some());
        rt.heap.pop_frame(req).unwrap();
        assert!(rt.lru_size(cache).unwrap() <= 100);
        if i % 1000 == 999 {
            peak = peak.max(live(&mut rt));
        }
    }
    assert_eq!(rt.lru_size(cache).unwrap(), 100);
    assert!(rt.lru_get(cache, Key::Str("/page/4999")).unwrap().is_some());
    assert!(
        rt.lru_get(cache, Key::Str("/page/4900")).unwrap().is_none(),
        "evicted"
    );
    assert!(rt.lru_get(cache, Key::Str("/page/4901")).unwrap().is_some());
    // Updating an existing key does not grow the cache.
    rt.lru_set(cache, Key::Str("/page/4999"), Value::Int(1))
        .unwrap();
    assert_eq!(rt.lru_size(cache).unwrap(), 100);
    rt.heap.pop_frame(f).unwrap();
    let l = live(&mut rt);
    assert!(l < 100 * 1200 + 64 * 1024, "bounded: {l} bytes live");
    assert!(
        peak < 100 * 1200 + 64 * 1024,
        "bounded at every point: {peak}"
    );
}
