//! # Exercise `offload-parse`: a reference solution
//!
//! `tokio::task::spawn_blocking` runs a closure on tokio's blocking pool,
//! threads kept for work that never yields. The parse no longer holds the
//! thread the heartbeat needs: awaiting its `JoinHandle` just waits.
//! (`tokio::spawn` would be no fix: it would hold one of the runtime's
//! few worker threads instead, and every task queued on it.)

use std::time::{Duration, Instant};

use asynclab_kit::{Ctx, DemoError, WaitOn, heartbeat};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let work = ctx.params.duration("work")?;

    let beats = heartbeat(ctx.rec.future("heartbeat"), work + Duration::from_millis(100));
    let parser = ctx.rec.future("parser");
    let parse = async {
        time::sleep(Duration::from_millis(20)).await;
        parser.started("parsing the scan report");
        parser.waiting(WaitOn::Join, "on the blocking pool; this thread is free");
        // `move`: the closure runs on another thread, so it owns what it
        // uses. The `JoinHandle` gives back its result (or its panic).
        let Ok(findings) = tokio::task::spawn_blocking(move || parse_report(work)).await else {
            parser.failed("the parse panicked");
            return;
        };
        ctx.rec.add_metric("reports_parsed", 1);
        parser.completed(format!("report parsed: {findings} findings"));
    };

    let (worst, ()) = tokio::join!(beats, parse);
    ctx.rec
        .set_metric("heartbeat_gap_ms", worst.as_millis() as u64);
    ctx.rec.add_metric("reports_parsed", 0); // present even when zero
    Ok(())
}

/// CPU-bound: hashes the report over and over for `work` of real time.
fn parse_report(work: Duration) -> u64 {
    let report = vec![7u8; 64 * 1024];
    let started = Instant::now();
    let mut sum = 0u64;
    while started.elapsed() < work {
        sum = report.iter().fold(sum, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u64::from(*b))
        });
    }
    sum % 100
}
