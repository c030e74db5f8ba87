//! Measurements taken inside a child run, and the statistics over repetitions.

use serde::{Deserialize, Serialize};

/// What one child process reports about one run of one workload.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Wall time of the workload call itself (process start-up and exit excluded).
    pub secs: f64,
    /// The process's peak resident set size (`VmHWM`) at the end of the run, in KiB.
    pub peak_rss_kib: u64,
    /// The checksum the implementation returned.
    pub checksum: u64,
    /// The collector's pauses, for implementations that record them (gclab's plans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pauses: Option<PauseFigures>,
}

/// The pause figures of one run of a collector that records its pauses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PauseFigures {
    /// The longest pause, in milliseconds.
    pub max_ms: f64,
    /// The 99th percentile pause, in milliseconds.
    pub p99_ms: f64,
    /// Minimum mutator utilisation over 10 ms windows (0 to 1).
    pub mmu10: f64,
}

/// The calling process's peak resident set size in KiB, from `/proc/self/status`.
///
/// `None` where procfs is unavailable (the comparison then shows no memory figures).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// Extracts the `VmHWM` line (in KiB) from the text of a `/proc/<pid>/status` file.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut fields = line["VmHWM:".len()..].split_whitespace();
    let value = fields.next()?.parse().ok()?;
    (fields.next() == Some("kB")).then_some(value)
}

/// The median of `values` (the mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn vm_hwm_parsing() {
        let status = "Name:\tcompare\nVmPeak:\t  20000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(1234));
        assert_eq!(parse_vm_hwm("VmRSS:\t 1000 kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\t 12 MB\n"), None);
    }

    #[test]
    fn own_peak_rss_is_readable() {
        // Linux-only project; the test process has certainly touched a few pages.
        let kib = peak_rss_kib().expect("procfs available");
        assert!(kib > 100, "{kib} KiB");
    }

    #[test]
    fn samples_round_trip_through_json() {
        let s = Sample {
            secs: 1.25,
            peak_rss_kib: 4096,
            checksum: 42,
            pauses: None,
        };
        let text = serde_json::to_string(&s).unwrap();
        assert!(!text.contains("pauses"), "{text}");
        assert_eq!(serde_json::from_str::<Sample>(&text).unwrap(), s);
        let with = Sample {
            pauses: Some(PauseFigures {
                max_ms: 0.9,
                p99_ms: 0.5,
                mmu10: 0.75,
            }),
            ..s
        };
        let text = serde_json::to_string(&with).unwrap();
        assert_eq!(serde_json::from_str::<Sample>(&text).unwrap(), with);
    }
}
