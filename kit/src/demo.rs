//! What every demo (built-in or written by the learner) is made of: the
//! [`Demo`] trait, the [`DemoInfo`] a learner sees before running it, the
//! context a run gets ([`Ctx`]), and two helpers several demos teach with:
//! [`acquire_permit`] and [`heartbeat`].
//!
//! A demo never prints: everything it has to say goes into the timeline.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{self, MissedTickBehavior};

use crate::clock::Clock;
use crate::event::WaitOn;
use crate::lab::scope::{Scope, ScopeError};
use crate::params::{ParamError, ParamSpec, Params};
use crate::recorder::{Recorder, TaskRec};
use crate::sim::Sim;

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
    /// Run on one thread on the real clock too (a current-thread runtime):
    /// for demos about what blocking that one thread does to every other
    /// task. The virtual clock is always one thread.
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

    /// The parameter that caps tasks in flight in a run with `params`, and
    /// its value: `explain` holds the peak against it. `concurrency`, when
    /// the demo has one; a demo whose `concurrency` applies to some runs
    /// only says which.
    fn limit(&self, params: &Params) -> Option<(&'static str, u64)> {
        params.int("concurrency").ok().map(|v| ("concurrency", v))
    }
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

/// A task that should tick every 10 ms for `span`; returns the worst gap
/// between two beats. Any gap well over 10 ms means the thread was taken:
/// such a beat is noted as late, with the gap, where it happened. Spawn it
/// as a task of its own, so it competes for the runtime's thread like any
/// other task would.
pub async fn heartbeat(task: TaskRec, span: Duration) -> Duration {
    let mut ticker = time::interval(Duration::from_millis(10));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut last, mut worst) = (time::Instant::now(), Duration::ZERO);
    for _ in 0..span.as_millis() / 10 {
        task.waiting(WaitOn::Timer, "next beat");
        ticker.tick().await;
        let gap = last.elapsed();
        worst = worst.max(gap);
        last = time::Instant::now();
        if gap >= Duration::from_millis(20) {
            task.note(format!(
                "late beat: {}ms since the last, the thread was busy",
                gap.as_millis()
            ));
        } else {
            task.note(format!("beat ({}ms since the last)", gap.as_millis()));
        }
    }
    task.completed(format!("worst gap between beats: {}ms", worst.as_millis()));
    worst
}
