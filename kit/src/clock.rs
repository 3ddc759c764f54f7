//! The two clocks a demo can run on, and the tokio runtime each needs.
//!
//! - `virtual`: a current-thread runtime with a paused clock. Time jumps to
//!   the next timer whenever every task is idle, so simulated latencies cost
//!   no wall time and the same seed gives the same timeline, byte for byte.
//!   Paused time only works on a current-thread runtime.
//! - `real`: a multi-thread runtime and wall time, for real sockets on
//!   loopback. A paused clock would fire timeouts early while real I/O is in
//!   progress, so real I/O never runs on the virtual clock.

use std::fmt;
use std::io;
use std::str::FromStr;

use tokio::runtime::{Builder, Runtime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Virtual,
    Real,
}

impl Clock {
    pub const NAMES: &'static [&'static str] = &["virtual", "real"];

    /// A fresh runtime for one run: nothing leaks from one run to the next.
    pub fn runtime(self) -> io::Result<Runtime> {
        self.builder(false).build()
    }

    /// The builder of [`Clock::runtime`], for callers that add task hooks.
    /// `one_thread`: the real clock on a current-thread runtime too, for
    /// demos about what blocking that one thread does to every task.
    pub fn builder(self, one_thread: bool) -> Builder {
        match self {
            Clock::Virtual => {
                let mut builder = Builder::new_current_thread();
                builder.enable_all().start_paused(true);
                builder
            }
            Clock::Real if one_thread => {
                let mut builder = Builder::new_current_thread();
                builder.enable_all();
                builder
            }
            Clock::Real => {
                let mut builder = Builder::new_multi_thread();
                builder
                    .worker_threads(2)
                    .thread_name("asynclab-worker")
                    .enable_all();
                builder
            }
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Clock::Virtual => "virtual",
            Clock::Real => "real",
        })
    }
}

impl FromStr for Clock {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "virtual" => Ok(Clock::Virtual),
            "real" => Ok(Clock::Real),
            other => Err(format!("unknown clock '{other}': use virtual or real")),
        }
    }
}
