//! Seeded simulation for the virtual clock: latencies and outcomes that look
//! random but are the same for the same seed, whatever order tasks run in.
//!
//! Each task draws from its own stream (`Sim::new(seed, task_index)`), so
//! adding a task or changing the concurrency never reshuffles the others'
//! latencies. SplitMix64 is tiny, fast and stable across versions, which a
//! general-purpose RNG crate does not promise.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Sim {
    state: u64,
}

impl Sim {
    pub fn new(seed: u64, stream: u64) -> Sim {
        let mut sim = Sim {
            state: seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        };
        sim.next_u64();
        sim
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with the given chance in percent.
    pub fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }

    /// A latency around `base`: uniformly 50%..150% of it, in whole
    /// milliseconds (at least 1 ms) so virtual timelines read cleanly.
    pub fn latency(&mut self, base: Duration) -> Duration {
        let ms = base.as_millis().max(1) as u64;
        let low = (ms / 2).max(1);
        Duration::from_millis(low + self.below(ms + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_same_values() {
        let a: Vec<u64> = (0..5).map(|_| Sim::new(42, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Sim::new(42, 3).next_u64(), Sim::new(42, 4).next_u64());
        assert_ne!(Sim::new(42, 3).next_u64(), Sim::new(43, 3).next_u64());
    }

    #[test]
    fn latency_stays_in_band() {
        let mut sim = Sim::new(1, 1);
        for _ in 0..1000 {
            let ms = sim.latency(Duration::from_millis(100)).as_millis();
            assert!((50..=150).contains(&ms), "{ms}");
        }
    }
}
