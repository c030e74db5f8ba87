//! Minimum mutator utilisation over pause intervals.

use std::time::Duration;

/// MMU of a run of length `elapsed` with the given pause intervals (sorted, disjoint).
///
/// The utilisation of a window is lowest when the window starts at a pause's start or ends at
/// a pause's end, so those are the only candidates evaluated; each candidate's pause time is
/// found with binary search over prefix sums, O(n log n) overall.
pub(crate) fn mmu(pauses: &[(Duration, Duration)], window: Duration, elapsed: Duration) -> f64 {
    let total = elapsed.max(pauses.last().map_or(Duration::ZERO, |p| p.1));
    if total.is_zero() {
        return 1.0;
    }
    let w = window.min(total);
    if w.is_zero() {
        return if pauses.is_empty() { 1.0 } else { 0.0 };
    }
    let mut prefix = Vec::with_capacity(pauses.len() + 1);
    prefix.push(Duration::ZERO);
    for &(s, e) in pauses {
        prefix.push(*prefix.last().unwrap() + (e - s));
    }
    // Pause time inside [a, b].
    let paused = |a: Duration, b: Duration| -> Duration {
        // First pause ending after a, first pause starting at or after b.
        let lo = pauses.partition_point(|p| p.1 <= a);
        let hi = pauses.partition_point(|p| p.0 < b);
        if lo >= hi {
            return Duration::ZERO;
        }
        let mut sum = prefix[hi] - prefix[lo];
        let first = pauses[lo];
        if first.0 < a {
            sum -= a - first.0;
        }
        let last = pauses[hi - 1];
        if last.1 > b {
            sum -= last.1 - b;
        }
        sum
    };
    let latest = total - w;
    let mut worst = Duration::ZERO;
    for &(s, e) in pauses {
        for start in [s.min(latest), e.saturating_sub(w).min(latest)] {
            worst = worst.max(paused(start, start + w));
        }
    }
    1.0 - worst.as_secs_f64() / w.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> Duration {
        Duration::from_millis(x)
    }

    #[test]
    fn mmu_of_known_schedules() {
        // No pauses: the mutator always runs.
        assert_eq!(mmu(&[], ms(10), ms(100)), 1.0);
        // One 10 ms pause in 100 ms: a 10 ms window can sit on it entirely.
        assert!((mmu(&[(ms(50), ms(60))], ms(10), ms(100)) - 0.0).abs() < 1e-9);
        // A 20 ms window over it sees 50 % utilisation.
        assert!((mmu(&[(ms(50), ms(60))], ms(20), ms(100)) - 0.5).abs() < 1e-9);
        // Two 5 ms pauses 10 ms apart: a 20 ms window catches both (10 of 20 ms paused).
        let p = [(ms(10), ms(15)), (ms(25), ms(30))];
        assert!((mmu(&p, ms(20), ms(100)) - 0.5).abs() < 1e-9);
        // The whole run as the window: 1 - 10/100.
        assert!((mmu(&p, ms(1000), ms(100)) - 0.9).abs() < 1e-9);
        // A pause at the very start and a window clamped at the end.
        assert!((mmu(&[(ms(0), ms(4))], ms(8), ms(8)) - 0.5).abs() < 1e-9);
    }
}
