//! # Racing futures with `select!`
//!
//! A lookup asks two mirrors the same question and takes whichever answers
//! first, with a deadline on top. `tokio::select!` polls several futures at
//! once and runs the branch of the first one to finish. The others are
//! **dropped**: not paused, not left running in the background, gone. That
//! is cancellation in async Rust, and the timeline shows each loser
//! cancelled at the instant the race was decided.
//!
//! A timeout is just another branch: a race against `sleep`.
//!
//! The mirrors and the deadline are *futures*, not tasks: nothing is
//! spawned for them. Each runs only while its lookup task polls the
//! `select!`, and the timeline gives each a lane marked as a future.

use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, Recorder, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "select",
    title: "Racing futures with select!",
    about: "the first future to finish wins; the losers are dropped (cancelled); a timeout is a race against sleep",
    params: &[
        ParamSpec::int("count", 1, 10_000, "6", "how many lookups to run"),
        ParamSpec::duration(
            "latency",
            "100ms",
            "typical mirror response time (one answer in four is three times slower)",
        ),
        ParamSpec::duration(
            "timeout",
            "150ms",
            "deadline for a whole lookup: the sleep branch of the race",
        ),
    ],
    single_thread: false,
    source: include_str!("select.rs"),
};

pub struct Select;

/// Which branch of the race won.
enum Winner {
    Primary,
    Backup,
    Deadline,
}

#[async_trait]
impl Demo for Select {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let timeout = ctx.params.duration("timeout")?;

        let mut lookups = JoinSet::new();
        for i in 1..=count {
            let task = ctx.rec.task(format!("lookup-{i}"));
            let mut sim = ctx.sim(i as u64);
            let mut took = || {
                if sim.percent(25) {
                    sim.latency(latency) * 3
                } else {
                    sim.latency(latency)
                }
            };
            // Creating a future runs none of it: these two start only when
            // `select!` first polls them.
            let primary = mirror(&ctx.rec, format!("lookup-{i}/primary"), took());
            let backup = mirror(&ctx.rec, format!("lookup-{i}/backup"), took());
            let deadline = deadline(&ctx.rec, format!("lookup-{i}/deadline"), timeout);
            lookups.spawn(async move {
                let _guard = task.guard("aborted");
                task.waiting(
                    WaitOn::Join,
                    format!(
                        "racing primary, backup and a {}ms deadline",
                        timeout.as_millis()
                    ),
                );
                let winner = tokio::select! {
                    // `biased`: try the branches top to bottom. Without it
                    // tokio picks a random first branch on every poll, which
                    // is fairer but makes ties unrepeatable.
                    biased;
                    () = primary => Winner::Primary,
                    () = backup => Winner::Backup,
                    () = deadline => Winner::Deadline,
                };
                // By this line the losing futures have been dropped.
                match winner {
                    Winner::Primary => task.completed("primary answered first; backup dropped"),
                    Winner::Backup => task.completed("backup answered first; primary dropped"),
                    Winner::Deadline => {
                        task.timed_out("deadline won the race: both mirrors dropped")
                    }
                }
                winner
            });
        }

        while let Some(joined) = lookups.join_next().await {
            let metric = match joined {
                Ok(Winner::Primary) => "primary_wins",
                Ok(Winner::Backup) => "backup_wins",
                Ok(Winner::Deadline) => "deadline_wins",
                Err(_) => continue,
            };
            ctx.rec.add_metric(metric, 1);
        }
        for metric in ["primary_wins", "backup_wins", "deadline_wins"] {
            ctx.rec.add_metric(metric, 0); // present even when zero
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// One mirror answering after `took`. If `select!` drops this future before
/// it finishes, the guard records it as cancelled at that instant.
fn mirror(rec: &Recorder, name: String, took: Duration) -> impl Future<Output = ()> + use<> {
    let task = rec.future(name);
    async move {
        let _guard = task.guard("lost the race: select! dropped this future");
        task.waiting(WaitOn::Io, "query sent");
        time::sleep(took).await;
        task.completed(format!("answered in {}ms", took.as_millis()));
    }
}

/// The deadline branch: a plain `sleep`, with a lane of its own so the
/// timeline shows it winning (or being dropped when a mirror answers).
fn deadline(rec: &Recorder, name: String, after: Duration) -> impl Future<Output = ()> + use<> {
    let task = rec.future(name);
    async move {
        let _guard = task.guard("a mirror answered first: select! dropped the deadline");
        task.waiting(WaitOn::Timer, "the deadline");
        time::sleep(after).await;
        task.completed("deadline passed");
    }
}
// ANCHOR_END: core
