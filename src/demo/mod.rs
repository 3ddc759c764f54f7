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

pub mod params;
pub mod run;
pub mod sim;

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

use std::sync::Arc;

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::clock::Clock;
use crate::lab::scope::{Scope, ScopeError};
use crate::timeline::{Recorder, TaskRec, WaitOn};
pub use params::{Kind, ParamError, ParamSpec, Params, Value};
pub use sim::Sim;

/// What a learner sees about a demo before running it.
#[derive(Debug)]
pub struct DemoInfo {
    /// The name lessons and the CLI use: `rate-limit`.
    pub name: &'static str,
    pub title: &'static str,
    /// One sentence: what the demo shows.
    pub about: &'static str,
    pub params: &'static [ParamSpec],
    /// The module's own source, embedded at build time for `show code`.
    pub source: &'static str,
    /// Run on one thread on the real clock too: for demos about what
    /// blocking that one thread does to every other task.
    pub single_thread: bool,
}

/// Everything a demo run gets.
pub struct Ctx {
    pub params: Params,
    pub rec: Recorder,
    pub clock: Clock,
    pub seed: u64,
    pub scope: Scope,
}

impl Ctx {
    /// The simulator stream for task `index` (virtual clock).
    pub fn sim(&self, index: u64) -> Sim {
        Sim::new(self.seed, index)
    }
}

#[derive(Debug, Error)]
pub enum DemoError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("could not set up the lab on 127.0.0.1: {0}")]
    Lab(#[from] std::io::Error),
    #[error("{0}")]
    Setup(String),
}

/// A runnable async demo.
#[async_trait]
pub trait Demo: Send + Sync {
    fn info(&self) -> &'static DemoInfo;
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError>;
}

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

/// Waits for a semaphore permit and records why: immediately if one is
/// free, otherwise a `waiting:permit` event first. Shared by every demo
/// that caps concurrency with a `Semaphore`.
pub async fn acquire_permit(
    task: &TaskRec,
    permits: &Arc<Semaphore>,
    max: usize,
) -> Option<OwnedSemaphorePermit> {
    // `try_acquire` first, only to tell the timeline whether this task had
    // to queue; the semaphore itself is fair (FIFO) either way.
    if let Ok(permit) = permits.clone().try_acquire_owned() {
        task.acquired(format!(
            "permit {}/{max}",
            max - permits.available_permits()
        ));
        return Some(permit);
    }
    task.waiting(WaitOn::Permit, format!("all {max} permits held: queues"));
    let permit = permits.clone().acquire_owned().await.ok()?;
    task.acquired(format!("a permit was released: runs ({max}/{max} busy)"));
    Some(permit)
}
