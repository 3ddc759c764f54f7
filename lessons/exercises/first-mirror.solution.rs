//! # Exercise `first-mirror`: a reference solution
//!
//! `tokio::select!` polls both queries and runs the branch of the first
//! one to finish. The other future is dropped right there: not paused, not
//! left running, gone. Its guard records it cancelled at that instant.

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
            // `select!`, not `join!`: one answer is enough, so the
            // slower query is dropped as soon as the faster one answers.
            let winner = tokio::select! {
                () = primary => "primary",
                () = mirror => "mirror",
            };
            task.completed(format!("the {winner} answered first"));
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
