//! # Exercise `steady-rescan`: no catch-up bursts after a slow re-scan
//!
//! A scheduler re-scans the network every `period` with
//! `tokio::time::interval`. Most re-scans take about `work`, but some hang
//! for several periods (the third always does). By default, an interval
//! that missed ticks fires every missed one at once to catch up
//! (`MissedTickBehavior::Burst`): the re-scans after a slow one start back
//! to back and hit the network in a burst, the very thing a schedule is for
//! avoiding.
//!
//! Goal: after a slow re-scan, carry on at the normal pace: never start two
//! re-scans less than half a period apart. `check` runs your code with
//! several `period`/`work`/`duration` values and seeds: it counts such
//! `bursts`, the re-scans (`scans`), and wants the schedule to run its
//! whole `duration`.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use asynclab_kit::{Ctx, DemoError, WaitOn};
use tokio::time::{self, Instant};

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let period = ctx.params.duration("period")?;
    let work = ctx.params.duration("work")?;
    let end = Instant::now() + ctx.params.duration("duration")?;

    let mut ticker = time::interval(period);
    // TODO: choose what the interval does after missed ticks.

    let scheduler = ctx.rec.future("scheduler");
    let (mut scans, mut bursts, mut last_start) = (0, 0, None::<Instant>);
    loop {
        scheduler.waiting(WaitOn::Timer, "waiting for the next tick");
        ticker.tick().await;
        let now = Instant::now();
        if now >= end {
            break;
        }
        scans += 1;
        // Less than half a period since the last re-scan started: a burst.
        bursts += u64::from(last_start.is_some_and(|last| now - last < period / 2));
        last_start = Some(now);

        let mut sim = ctx.sim(scans);
        let slow = scans == 3 || sim.percent(10);
        let took = if slow {
            // 3.7 periods: it ends off the grid, 0.3 of a period before a tick.
            period * 37 / 10
        } else {
            sim.latency(work)
        };
        // Run inline, not spawned: a future of the scheduler's, not a task.
        let rescan = ctx.rec.future(format!("rescan-{scans}"));
        rescan.started(if slow {
            "re-scan (this one hangs)"
        } else {
            "re-scan"
        });
        scheduler.waiting(WaitOn::Join, "running the re-scan");
        time::sleep(took).await;
        rescan.completed(format!("done in {}ms", took.as_millis()));
    }
    scheduler.completed(format!("schedule over: {scans} re-scans"));
    ctx.rec.set_metric("scans", scans);
    ctx.rec.set_metric("bursts", bursts);
    Ok(())
}
