//! The leak verdict: the rule that reads the live sizes after the checkpoints' full collections.
//! `mutator/oracle/verdict.js` applies the same rule to V8's heap.

use super::Checkpoint;

/// The leak verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The live size after full collections returns to a bounded level.
    Healthy,
    /// The live size after full collections keeps growing with the work done.
    Leak,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Healthy => "healthy",
            Verdict::Leak => "leak",
        })
    }
}

/// Bytes of growth below which a run is never called a leak (noise from in-flight work).
pub const LEAK_MIN_GROWTH: u64 = 256 * 1024;

/// Decides the verdict from the checkpoints.
///
/// The first quarter of the work is warm-up (caches fill, long-lived structures are built)
/// and is ignored. Over the rest, a run **leaks** when the live size at the last checkpoint is
/// more than 1.5 × the live size at the first one considered, the growth exceeds
/// [`LEAK_MIN_GROWTH`], and the live size did not fall at three quarters or more of the steps
/// in between (it grows with the work, not in one burst). Otherwise it is **healthy**.
pub fn verdict(checkpoints: &[Checkpoint]) -> Verdict {
    let considered: Vec<u64> = checkpoints
        .iter()
        .filter(|c| c.done >= 0.25)
        .map(|c| c.live)
        .collect();
    if considered.len() < 3 {
        return Verdict::Healthy;
    }
    let (first, last) = (considered[0], *considered.last().unwrap());
    let steps = considered.len() - 1;
    let rising = considered.windows(2).filter(|w| w[1] >= w[0]).count();
    if last as f64 > first as f64 * 1.5 && last - first > LEAK_MIN_GROWTH && rising * 4 >= steps * 3
    {
        Verdict::Leak
    } else {
        Verdict::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lives: &[u64]) -> Vec<Checkpoint> {
        let n = lives.len() as f64;
        lives
            .iter()
            .enumerate()
            .map(|(i, &live)| Checkpoint {
                done: (i + 1) as f64 / n,
                allocated: i as u64 * 1000,
                live,
            })
            .collect()
    }

    #[test]
    fn verdicts_of_known_shapes() {
        const M: u64 = 1 << 20;
        // Steady growth: a leak.
        assert_eq!(
            verdict(&run(&[M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M, 7 * M, 8 * M])),
            Verdict::Leak
        );
        // Fills during warm-up, then flat (a bounded cache): healthy.
        assert_eq!(
            verdict(&run(&[
                4 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M
            ])),
            Verdict::Healthy
        );
        // Sawtooth around a level: healthy.
        assert_eq!(
            verdict(&run(&[M, 2 * M, M, 2 * M, M, 2 * M, M, 2 * M])),
            Verdict::Healthy
        );
        // Growth too small to matter: healthy.
        assert_eq!(
            verdict(&run(&[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000])),
            Verdict::Healthy
        );
        // Too few checkpoints to say.
        assert_eq!(verdict(&run(&[M, 8 * M])), Verdict::Healthy);
    }
}
