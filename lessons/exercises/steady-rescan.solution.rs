//! # Exercise `steady-rescan`: a reference solution
//!
//! `MissedTickBehavior::Delay`: after an overrun the interval ticks once,
//! right away, and counts its next period from *that* tick. `Burst` (the
//! default) fires every missed tick back to back; `Skip` keeps the original
//! grid, so its next tick can land just after the late one.

use asynclab_kit::{Ctx, DemoError, WaitOn};
use tokio::time::{self, Instant, MissedTickBehavior};

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let period = ctx.params.duration("period")?;
    let work = ctx.params.duration("work")?;
    let end = Instant::now() + ctx.params.duration("duration")?;

    let mut ticker = time::interval(period);
    // After a slow re-scan, restart the period from when it ended.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);

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
