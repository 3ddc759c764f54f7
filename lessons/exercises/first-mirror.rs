//! # Exercise `first-mirror`: the first answer wins
//!
//! Each lookup asks the same question of two servers, a primary and a
//! mirror, so that one slow server does not slow the lookup down. Their
//! response times vary (one answer in four is three times slower).
//!
//! This code waits for both answers, so every lookup is as slow as its
//! slower server. Goal: take the first answer and stop waiting for the
//! other. `check` runs your code with several `count`/`latency` values and
//! seeds: in every lookup one query must answer and the other be dropped
//! (cancelled) the moment the race is decided: `loser_kept_ms`, the time
//! losing queries were kept after their lookup was decided, must be 0.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, Recorder, WaitOn};
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;

    let mut lookups = JoinSet::new();
    for i in 1..=count {
        let task = ctx.rec.task(format!("lookup-{i}"));
        let mut sim = ctx.sim(i as u64);
        let mut took = || {
            let slow = sim.percent(25);
            sim.latency(latency) * if slow { 3 } else { 1 }
        };
        let race = Race::new(&ctx.rec);
        let primary = query(&race, format!("lookup-{i}/primary"), took());
        let mirror = query(&race, format!("lookup-{i}/mirror"), took());
        lookups.spawn(async move {
            let _guard = task.guard("aborted");
            task.waiting(WaitOn::Join, "asking the primary and the mirror");
            // TODO: this waits for both answers.
            tokio::join!(primary, mirror);
            task.completed("answered");
        });
    }
    while lookups.join_next().await.is_some() {}
    Ok(())
}

/// One server answering after `took`. Nothing runs until it is polled; if
/// it is dropped before it answers, the guard records it cancelled.
fn query(race: &Race, name: String, took: Duration) -> impl Future<Output = ()> + use<> {
    let task = race.rec.future(name);
    let race = race.clone();
    async move {
        let _guard = task.guard("dropped: the other server answered first");
        let waiting = Unanswered(Some(race));
        task.waiting(WaitOn::Io, "query sent");
        time::sleep(took).await;
        task.completed(format!("answered in {}ms", took.as_millis()));
        waiting.answered();
    }
}

/// What the two queries of one lookup share: when the first answer came,
/// which decides the race.
#[derive(Clone)]
struct Race {
    rec: Recorder,
    decided_ns: Arc<OnceLock<u64>>,
}

impl Race {
    fn new(rec: &Recorder) -> Race {
        rec.add_metric("loser_kept_ms", 0);
        Race {
            rec: rec.clone(),
            decided_ns: Arc::default(),
        }
    }
}

/// A query still waiting for its answer. Dropped unanswered after the race
/// was decided, it adds how long the loser was kept alive since then to
/// `loser_kept_ms` (`check` wants 0: dropped the moment the race is won).
struct Unanswered(Option<Race>);

impl Unanswered {
    fn answered(mut self) {
        if let Some(race) = self.0.take() {
            let _ = race.decided_ns.set(race.rec.now_ns());
        }
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        let Some(race) = &self.0 else { return };
        if let Some(&decided) = race.decided_ns.get() {
            let kept_ns = race.rec.now_ns().saturating_sub(decided);
            race.rec.add_metric("loser_kept_ms", kept_ns / 1_000_000);
        }
    }
}
