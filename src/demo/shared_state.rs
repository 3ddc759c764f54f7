//! # Shared state: `Arc<Mutex<_>>` or `Arc<RwLock<_>>`
//!
//! Scan tasks (writers) record findings in a shared table while dashboard
//! tasks (readers) keep reading it. `Arc` lets every task own a handle to the
//! same table; the lock decides who may touch it when.
//!
//! - `Mutex`: one task at a time, reader or writer. Readers queue behind
//!   each other even though reading changes nothing.
//! - `RwLock`: any number of readers at once, or one writer alone. With many
//!   readers and few writers, the queue mostly disappears.
//!
//! tokio's `RwLock` is *fair*: readers and writers wait in one FIFO queue.
//! A reader that arrives while a writer is waiting queues behind that
//! writer, even though other readers hold the lock and it could join them.
//! So a stream of readers can never starve a writer, unlike a
//! reader-preferring lock (such as some platforms' `pthread_rwlock`), where
//! overlapping readers can keep a writer out for ever.
//!
//! The locks here are `tokio::sync` ones because each holder keeps the lock
//! across an `.await` (the simulated work). A `std::sync` lock must never be
//! held across an `.await`: the pitfalls lesson shows why.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Mutex, RwLock};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "shared-state",
    title: "Shared state: Mutex vs RwLock",
    about: "many readers, few writers on one shared table; lock waits visible",
    params: &[
        ParamSpec::int(
            "readers",
            0,
            1_000,
            "6",
            "dashboard tasks reading the table",
        ),
        ParamSpec::int("writers", 0, 1_000, "2", "scan tasks writing findings"),
        ParamSpec::int("rounds", 1, 1_000, "3", "reads or writes each task makes"),
        ParamSpec::duration("hold", "10ms", "how long each read or write holds the lock"),
        ParamSpec::choice(
            "lock",
            &["mutex", "rwlock"],
            "mutex",
            "the kind of lock around the table",
        ),
    ],
    source: include_str!("shared_state.rs"),
    single_thread: false,
};

pub struct SharedState;

/// Findings per host: the shared state.
type Table = BTreeMap<String, u32>;

// ANCHOR: core
/// The table behind either kind of lock.
#[derive(Clone)]
enum Shared {
    Mutex(Arc<Mutex<Table>>),
    /// With who is inside and who is queued: only so the timeline can say
    /// why a reader waits. The lock itself needs no help to be fair.
    RwLock(Arc<RwLock<Table>>, Arc<Inside>),
}

/// Who holds the rwlock and who waits for it, as the timeline sees it.
#[derive(Default)]
struct Inside {
    readers: AtomicUsize,
    writers_queued: AtomicUsize,
}
// ANCHOR_END: core

impl Shared {
    /// Reads the table while holding the lock for `hold`. Also says whether
    /// this reader had to queue behind a waiting writer.
    async fn read(&self, task: &TaskRec, hold: Duration) -> (usize, bool) {
        match self {
            Shared::Mutex(m) => {
                let table = match m.try_lock() {
                    Ok(guard) => guard,
                    Err(_) => {
                        task.waiting(WaitOn::Lock, "mutex held by someone: even readers queue");
                        m.lock().await
                    }
                };
                task.acquired("reading (alone: mutex)");
                time::sleep(hold).await;
                (table.len(), false)
            }
            // ANCHOR: core
            Shared::RwLock(l, inside) => {
                let readers_in = inside.readers.load(Ordering::SeqCst);
                let mut behind_writer = false;
                let table = match l.try_read() {
                    Ok(guard) => guard,
                    Err(_)
                        if readers_in > 0 && inside.writers_queued.load(Ordering::SeqCst) > 0 =>
                    {
                        // Fairness: only readers hold the lock, and this one
                        // could join them, but a writer queued first.
                        task.waiting(
                            WaitOn::Lock,
                            "readers hold the lock, but a writer queued first: wait behind it",
                        );
                        behind_writer = true;
                        l.read().await
                    }
                    Err(_) => {
                        task.waiting(WaitOn::Lock, "a writer holds the lock: readers wait");
                        l.read().await
                    }
                };
                inside.readers.fetch_add(1, Ordering::SeqCst);
                task.acquired("reading (alongside other readers)");
                time::sleep(hold).await;
                inside.readers.fetch_sub(1, Ordering::SeqCst);
                (table.len(), behind_writer)
            } // ANCHOR_END: core
        }
    }

    /// Writes a finding while holding the lock for `hold`; returns how long
    /// the writer waited for the lock.
    async fn write(&self, task: &TaskRec, hold: Duration, host: String) -> Duration {
        let asked = time::Instant::now();
        match self {
            Shared::Mutex(m) => {
                let mut table = match m.try_lock() {
                    Ok(guard) => guard,
                    Err(_) => {
                        task.waiting(WaitOn::Lock, "mutex held by someone: writer queues");
                        m.lock().await
                    }
                };
                let waited = asked.elapsed();
                task.acquired("writing");
                time::sleep(hold).await;
                *table.entry(host).or_default() += 1;
                waited
            }
            // ANCHOR: core
            Shared::RwLock(l, inside) => {
                let mut table = match l.try_write() {
                    Ok(guard) => guard,
                    Err(_) => {
                        task.waiting(
                            WaitOn::Lock,
                            "readers or a writer hold the lock: writer queues; later readers queue behind it",
                        );
                        inside.writers_queued.fetch_add(1, Ordering::SeqCst);
                        let guard = l.write().await;
                        inside.writers_queued.fetch_sub(1, Ordering::SeqCst);
                        guard
                    }
                };
                let waited = asked.elapsed();
                task.acquired("writing (exclusive)");
                time::sleep(hold).await;
                *table.entry(host).or_default() += 1;
                waited
            } // ANCHOR_END: core
        }
    }
}

#[async_trait]
impl Demo for SharedState {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let rounds = ctx.params.usize("rounds")?;
        let hold = ctx.params.duration("hold")?;
        let shared = match ctx.params.choice("lock")? {
            "rwlock" => Shared::RwLock(Arc::new(RwLock::new(Table::new())), Arc::default()),
            _ => Shared::Mutex(Arc::new(Mutex::new(Table::new()))),
        };

        // Each task hands back (longest wait for a write, reads that
        // queued behind a waiting writer).
        let mut tasks = JoinSet::new();
        for w in 1..=ctx.params.usize("writers")? {
            let (task, shared) = (ctx.rec.task(format!("writer-{w}")), shared.clone());
            tasks.spawn(async move {
                let _guard = task.guard("aborted");
                let mut longest = Duration::ZERO;
                for r in 0..rounds {
                    let waited = shared.write(&task, hold, format!("10.0.{w}.{r}")).await;
                    longest = longest.max(waited);
                    task.waiting(WaitOn::Io, "scanning the next host"); // lock released
                    time::sleep(hold * 2).await;
                }
                task.completed("all findings written");
                (longest, 0)
            });
        }
        for r in 1..=ctx.params.usize("readers")? {
            let (task, shared) = (ctx.rec.task(format!("reader-{r}")), shared.clone());
            // Dashboards start a few milliseconds apart, so their reads
            // overlap: there is nearly always a reader inside the lock.
            let start = hold * (r as u32 - 1) / 3;
            tasks.spawn(async move {
                let _guard = task.guard("aborted");
                // Not yet started: the lane shows it queued (`·`) until then.
                time::sleep(start).await;
                let (mut seen, mut behind) = (0, 0);
                for _ in 0..rounds {
                    let (len, queued) = shared.read(&task, hold).await;
                    (seen, behind) = (len, behind + u64::from(queued));
                    task.waiting(WaitOn::Timer, "refresh interval"); // lock released
                    time::sleep(hold).await;
                }
                task.completed(format!("last read saw {seen} hosts"));
                (Duration::ZERO, behind)
            });
        }
        let (mut writer_wait, mut behind) = (Duration::ZERO, 0);
        while let Some(Ok((waited, queued))) = tasks.join_next().await {
            writer_wait = writer_wait.max(waited);
            behind += queued;
        }
        ctx.rec
            .set_metric("max_writer_wait_ms", writer_wait.as_millis() as u64);
        ctx.rec.set_metric("reads_behind_writer", behind);
        Ok(())
    }
}
