//! # Periodic tasks with `interval`
//!
//! A re-scan every `period`. `tokio::time::interval(period)` yields ticks on
//! a fixed schedule; `tick().await` returns the instant each tick was
//! *scheduled* for. The work here runs inside the loop, so when one re-scan
//! overruns its period (the third one hangs on a slow host for three and a
//! half periods), ticks are missed. `MissedTickBehavior` decides what happens next:
//!
//! - `Burst` (the default): fire every missed tick at once, back to back,
//!   to catch up with the original schedule;
//! - `Delay`: start a fresh schedule from now: every later tick shifts;
//! - `Skip`: drop the missed ticks and go on at the next scheduled one.
//!
//! For a re-scan schedule, `Skip` is usually what you mean: nobody needs
//! three scans in a row to make up for a slow one.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::{self, Instant, MissedTickBehavior};

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "interval",
    title: "Periodic re-scans with interval",
    about: "interval ticks for a re-scan schedule, and what MissedTickBehavior does when one re-scan overruns",
    params: &[
        ParamSpec::duration("period", "100ms", "time between two scheduled re-scans"),
        ParamSpec::duration(
            "work",
            "30ms",
            "time one re-scan takes (the third hangs for 3.5 periods)",
        ),
        ParamSpec::duration("duration", "1s", "how long the schedule runs"),
        ParamSpec::choice(
            "missed",
            &["burst", "delay", "skip"],
            "burst",
            "MissedTickBehavior after an overrun",
        ),
    ],
    source: include_str!("interval.rs"),
    single_thread: false,
};

pub struct Interval;

#[async_trait]
impl Demo for Interval {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let period = ctx.params.duration("period")?;
        let work = ctx.params.duration("work")?;
        let end = Instant::now() + ctx.params.duration("duration")?;

        let mut ticker = time::interval(period);
        ticker.set_missed_tick_behavior(match ctx.params.choice("missed")? {
            "delay" => MissedTickBehavior::Delay,
            "skip" => MissedTickBehavior::Skip,
            _ => MissedTickBehavior::Burst,
        });

        let start = Instant::now();
        let scheduler = ctx.rec.future("scheduler");
        let (mut rescans, mut late, mut off_grid) = (0, 0, 0);
        loop {
            scheduler.waiting(WaitOn::Timer, "waiting for the next tick");
            let scheduled = ticker.tick().await;
            if Instant::now() >= end {
                break;
            }
            rescans += 1;
            let lateness = Instant::now() - scheduled;
            late += u64::from(lateness > Duration::from_millis(1));
            // Delay moves the whole schedule: ticks leave the original grid.
            let since_start = (scheduled - start).as_nanos();
            off_grid += u64::from(!since_start.is_multiple_of(period.as_nanos().max(1)));
            // Run inline, not spawned: a future of the scheduler's, not a task.
            let rescan = ctx.rec.future(format!("rescan-{rescans}"));
            rescan.started(format!(
                "tick scheduled for {}ms, fired {}ms late",
                (scheduled - start).as_millis(),
                lateness.as_millis()
            ));
            scheduler.waiting(WaitOn::Join, "running the re-scan inline");
            // The third re-scan hangs on a slow host for 3.5 periods.
            time::sleep(if rescans == 3 { period * 7 / 2 } else { work }).await;
            rescan.completed("re-scan done");
        }
        scheduler.completed(format!("schedule over: {rescans} re-scans"));
        ctx.rec.set_metric("rescans", rescans);
        ctx.rec.set_metric("late_ticks", late);
        ctx.rec.set_metric("off_grid", off_grid);
        Ok(())
    }
    // ANCHOR_END: core
}
