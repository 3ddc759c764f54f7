//! # Exercise `offload-parse`: keep the runtime's thread free
//!
//! A scan report arrives and must be parsed: pure CPU work, `work` long,
//! with no `.await` inside. Meanwhile a heartbeat task should beat every
//! 10 ms (think: keep-alives on open sessions). Run inline, the parse holds
//! the thread it runs on, and no other future there makes progress until
//! it is done: the heartbeat misses its beats.
//!
//! Goal: parse the report without stalling the heartbeat. `check` runs
//! your code on the real clock with several `work` values and seeds: it
//! measures the worst gap between two beats (`heartbeat_gap_ms`) and that
//! the report was parsed (`reports_parsed`).
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::time::{Duration, Instant};

use asynclab_kit::{Ctx, DemoError, heartbeat};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let work = ctx.params.duration("work")?;

    let beats = heartbeat(ctx.rec.future("heartbeat"), work + Duration::from_millis(100));
    let parser = ctx.rec.future("parser");
    let parse = async {
        time::sleep(Duration::from_millis(20)).await;
        parser.started("parsing the scan report");
        // TODO: this call holds the thread for `work`, and nothing else on
        // it runs until it returns.
        let findings = parse_report(work);
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
