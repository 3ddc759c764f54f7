//! # Exercise `drop-the-guard`: a reference solution
//!
//! A `MutexGuard` holds the lock until it is dropped. The fix from tokio's
//! shared-state guide: copy out what the slow part needs, drop the guard,
//! then `.await`. The lock is now held for a push and a copy, no time at
//! all next to the save, and the writers save side by side.

use std::sync::Arc;
use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, Recorder, TaskRec, WaitOn};
use tokio::sync::{Mutex, MutexGuard};
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let rounds = ctx.params.usize("rounds")?;
    let hold = ctx.params.duration("hold")?;
    let findings = Arc::new(Mutex::new(Vec::<String>::new()));

    let mut writers = JoinSet::new();
    for w in 1..=ctx.params.usize("writers")? {
        let (task, rec, findings) = (
            ctx.rec.task(format!("writer-{w}")),
            ctx.rec.clone(),
            findings.clone(),
        );
        let mut sim = ctx.sim(w as u64);
        writers.spawn(async move {
            let _guard = task.guard("aborted");
            for r in 1..=rounds {
                task.waiting(WaitOn::Io, "scanning the next host");
                time::sleep(sim.latency(hold / 2)).await;
                // Cloned while locked (a snapshot of this instant); the
                // guard is a temporary, dropped at the end of the block.
                let snapshot = {
                    let mut list = lock(&task, &findings).await;
                    list.push(format!("10.0.{w}.{r}: 22/tcp open"));
                    list.clone()
                };
                // The lock is free again: other writers go on meanwhile.
                save(&task, &rec, &snapshot, hold).await;
            }
            task.completed(format!("{rounds} findings written and saved"));
        });
    }
    while writers.join_next().await.is_some() {}
    ctx.rec
        .set_metric("written", findings.lock().await.len() as u64);
    ctx.rec.add_metric("saved", 0); // present even when zero
    Ok(())
}

/// Locks the findings, and records a wait if another writer holds them.
async fn lock<'a>(task: &TaskRec, findings: &'a Mutex<Vec<String>>) -> MutexGuard<'a, Vec<String>> {
    if let Ok(list) = findings.try_lock() {
        return list;
    }
    task.waiting(WaitOn::Lock, "another writer holds the findings");
    let list = findings.lock().await;
    task.acquired("got the lock");
    list
}

/// Saves a copy of the findings to disk: slow I/O, `hold` long.
async fn save(task: &TaskRec, rec: &Recorder, list: &[String], hold: Duration) {
    task.waiting(
        WaitOn::Io,
        format!("saving {} findings to disk", list.len()),
    );
    time::sleep(hold).await;
    rec.add_metric("saved", 1);
}
