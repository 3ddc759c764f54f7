//! Where the recorder reads the time of an event, and how cheaply.
//!
//! Every event needs a timestamp, so this is on the recorder's hottest
//! path. Reading tokio's clock is always right, but with the `test-util`
//! feature (which the virtual clock needs) each reading is a thread-local
//! lookup and a lock of the clock, shared by every worker. Two readings
//! are cheaper and give the same answer where the run allows them:
//!
//! - **Wall time** on the real clock: `std::time::Instant`, which is what
//!   tokio's unpaused clock returns too, without its lock.
//! - **Between parks** on the virtual clock: a paused tokio clock moves
//!   only while the runtime parks with nothing to do (auto-advance), unless
//!   code calls `tokio::time::advance` or `resume`. For a demo that never
//!   does, every event between two parks happens at the same instant, so
//!   the first one reads the clock and the rest reuse it; the runtime's
//!   `on_thread_unpark` hook forgets the reading. Blocking tasks are no
//!   exception: tokio holds the paused clock still while one runs. Every
//!   thread that records must be the runtime's (its worker or its blocking
//!   pool): a thread of the demo's own would read std's clock and leave
//!   that reading for the others.
//!
//! A learner's program may move the clock itself, so it reads tokio's
//! clock every time ([`crate::run::Wiring::moves_clock`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The virtual time read since the runtime last parked, if any.
#[derive(Debug)]
pub struct BetweenParks {
    ns: AtomicU64,
}

impl BetweenParks {
    const UNREAD: u64 = u64::MAX;

    pub fn new() -> Arc<BetweenParks> {
        Arc::new(BetweenParks {
            ns: AtomicU64::new(Self::UNREAD),
        })
    }

    /// Time may have moved: the runtime's `on_thread_unpark` hook calls this.
    pub fn forget(&self) {
        self.ns.store(Self::UNREAD, Ordering::Relaxed);
    }

    #[cold]
    fn read_fresh(&self, read: impl Fn() -> u64) -> u64 {
        let ns = read().min(Self::UNREAD - 1);
        self.ns.store(ns, Ordering::Relaxed);
        ns
    }

    /// The reading since the last park, or a fresh one from `read`.
    #[inline(always)]
    fn get(&self, read: impl Fn() -> u64) -> u64 {
        match self.ns.load(Ordering::Relaxed) {
            Self::UNREAD => self.read_fresh(read),
            ns => {
                // Debug builds (every test) check the assumption at every
                // event: the clock has not moved since it was read.
                debug_assert_eq!(
                    ns,
                    read().min(Self::UNREAD - 1),
                    "virtual time moved without a park of the runtime"
                );
                ns
            }
        }
    }
}

/// How a recorder reads "now", as nanoseconds since it started.
pub(super) enum TimeSource {
    /// tokio's clock, read every time.
    Tokio(tokio::time::Instant),
    /// The real clock, read from std.
    Wall(std::time::Instant),
    /// The virtual clock, read once between the runtime's parks.
    BetweenParks(tokio::time::Instant, Arc<BetweenParks>),
}

impl TimeSource {
    /// Inlined into every recording call: between parks, a reading of
    /// the virtual clock is one load.
    #[inline(always)]
    pub(super) fn now_ns(&self) -> u64 {
        match self {
            TimeSource::BetweenParks(_, parks) => parks.get(|| self.read()),
            _ => self.read(),
        }
    }

    /// A fresh reading: out of line, so the inlined path above stays a
    /// load and a compare.
    #[inline(never)]
    fn read(&self) -> u64 {
        match self {
            TimeSource::Tokio(start) | TimeSource::BetweenParks(start, _) => {
                since(tokio::time::Instant::now().into_std(), start.into_std())
            }
            TimeSource::Wall(start) => since(std::time::Instant::now(), *start),
        }
    }
}

fn since(now: std::time::Instant, start: std::time::Instant) -> u64 {
    let elapsed = now.saturating_duration_since(start);
    u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
}
