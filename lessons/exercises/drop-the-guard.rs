//! # Exercise `drop-the-guard`: never hold a lock across a slow `.await`
//!
//! `writers` scan tasks share one list of findings behind a
//! `tokio::sync::Mutex`. After each host, a writer pushes its finding and
//! saves the list to disk, which is slow I/O (`hold`). It saves while
//! still holding the lock, so for the whole save every other writer waits:
//! the writers take turns instead of working side by side.
//!
//! Goal: hold the lock only for the push, and save after releasing it.
//! `check` runs your code with several `writers`/`rounds`/`hold` values and
//! seeds: it measures the longest wait for the lock (`max_wait`), how much
//! the writers overlap (`speedup`: their work added up, over the whole
//! run), and that every finding written was saved.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

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
                let mut list = lock(&task, &findings).await;
                list.push(format!("10.0.{w}.{r}: 22/tcp open"));
                // TODO: the lock is still held during the save below.
                save(&task, &rec, &list, hold).await;
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
