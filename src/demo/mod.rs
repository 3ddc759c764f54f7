//! Demos: the real async programs a lesson runs.
//!
//! Each demo is one module a learner reads with `show code`, so each is
//! written as teaching material. This module owns what they share: the
//! [`Demo`] trait, the context a run gets ([`Ctx`]), typed parameters, the
//! seeded simulator for the virtual clock, the registry, and the runner that
//! executes a demo on a clock with Ctrl-C and a watchdog.
//!
//! Demos import only `timeline` (to record) and `lab` (for real targets).
//! A demo never prints: everything it has to say goes into the timeline.

// The shared API lives in `asynclab-kit`: the learner's copy of a demo
// (`edit`) builds against exactly what the built-in one does.
pub use asynclab_kit::{params, run, sim};

mod await_;
mod blocking;
mod broadcast;
mod cancel;
mod channels;
mod http_fetch;
mod interval;
mod join;
mod pitfalls;
mod port_check;
mod process;
mod progress;
mod rate_limit;
mod scanner;
mod scanner_trait;
mod select;
mod shared_state;
mod spawn;
mod streams;
mod timeouts;
mod try_join;
mod unordered;
mod worker;

pub use asynclab_kit::{
    Ctx, Demo, DemoError, DemoInfo, Kind, ParamError, ParamSpec, Params, Sim, Value, acquire_permit,
};
/// Every demo, in teaching order.
pub fn registry() -> &'static [&'static dyn Demo] {
    &[
        &port_check::PortCheck,
        &http_fetch::HttpFetch,
        &channels::Channels,
        &rate_limit::RateLimit,
        &select::Select,
        &await_::Await,
        &spawn::Spawn,
        &join::Join,
        &try_join::TryJoin,
        &scanner::ScannerDemo,
        &unordered::Unordered,
        &progress::Progress,
        &broadcast::Broadcast,
        &timeouts::Timeouts,
        &cancel::Cancel,
        &shared_state::SharedState,
        &streams::Streams,
        &worker::Worker,
        &interval::Interval,
        &blocking::Blocking,
        &process::Process,
        &scanner_trait::ScannerTrait,
        &pitfalls::Pitfalls,
    ]
}

/// Finds a demo by name; `rate_limit` and `rate-limit` are the same.
pub fn find(name: &str) -> Option<&'static dyn Demo> {
    let wanted = name.replace('_', "-");
    registry().iter().copied().find(|d| d.info().name == wanted)
}
