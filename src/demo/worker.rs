//! # A background worker behind a handle
//!
//! A long-lived task (the worker) does slow work, here writing findings to
//! disk, fed through a bounded queue. Callers never touch the channel; they
//! hold a `WorkerHandle` and call `queue(job).await`, like mini-redis's
//! client handle in front of its connection task.
//!
//! - **Back-pressure**: when the queue is full, `queue` waits for room, so
//!   a fast producer cannot pile up unbounded work.
//! - **Clean shutdown**: the worker's loop ends when `recv()` returns `None`,
//!   which happens once every handle (every `Sender`) has been dropped and
//!   the queue is drained. Nothing queued is lost, nothing needs a flag.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time;
use tokio_util::task::AbortOnDropHandle;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, Recorder, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "worker",
    title: "A background worker behind a handle",
    about: "a long-lived task fed through a bounded queue: queue() waits when it is full; dropping the handle shuts it down",
    params: &[
        ParamSpec::int("count", 1, 100_000, "12", "jobs to queue"),
        ParamSpec::int("capacity", 1, 100_000, "3", "jobs the queue holds"),
        ParamSpec::duration("latency", "40ms", "time the worker spends on one job"),
        ParamSpec::duration("interval", "5ms", "time the producer needs to make one job"),
    ],
    source: include_str!("worker.rs"),
    single_thread: false,
};

pub struct Worker;

// ANCHOR: core
/// The only way to reach the worker. Cloning it adds a sender; dropping the
/// last clone lets the worker finish and stop.
#[derive(Clone)]
struct WorkerHandle {
    jobs: mpsc::Sender<String>,
}
// ANCHOR_END: core

// ANCHOR: core
impl WorkerHandle {
    /// Starts the worker task; its `JoinHandle` returns how many jobs it did.
    fn start(
        rec: &Recorder,
        capacity: usize,
        per_job: Duration,
    ) -> (WorkerHandle, JoinHandle<u64>) {
        let (jobs, mut queue) = mpsc::channel::<String>(capacity);
        let task = rec.task("worker");
        let worker = tokio::spawn(async move {
            let _guard = task.guard("aborted");
            let mut done = 0;
            loop {
                task.waiting(WaitOn::Channel, "queue empty: idle");
                let Some(job) = queue.recv().await else { break };
                task.received(format!("writing {job}"));
                time::sleep(per_job).await;
                done += 1;
            }
            task.completed(format!(
                "every handle dropped and the queue drained: stops after {done} jobs"
            ));
            done
        });
        (WorkerHandle { jobs }, worker)
    }

    /// Queues a job, waiting while the queue is full (back-pressure).
    /// Says whether it had to wait: the caller never looks at the channel.
    async fn queue(&self, job: String, caller: &TaskRec) -> Result<bool, String> {
        let (permit, waited) = match self.jobs.try_reserve() {
            Ok(permit) => (permit, false),
            Err(_) => {
                caller.waiting(WaitOn::Channel, "queue full: queue() waits for room");
                let permit = self
                    .jobs
                    .reserve()
                    .await
                    .map_err(|_| "the worker has stopped".to_string())?;
                (permit, true)
            }
        };
        permit.send(job);
        Ok(waited)
    }
}
// ANCHOR_END: core

#[async_trait]
impl Demo for Worker {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let interval = ctx.params.duration("interval")?;
        let (handle, worker) = WorkerHandle::start(
            &ctx.rec,
            ctx.params.usize("capacity")?,
            ctx.params.duration("latency")?,
        );
        // Aborts the worker if this demo is cancelled (Ctrl-C).
        let worker = AbortOnDropHandle::new(worker);

        let producer = ctx.rec.future("producer");
        let mut waited = 0;
        for i in 1..=count {
            producer.started(format!("making job {i}"));
            time::sleep(interval).await;
            match handle.queue(format!("finding-{i}"), &producer).await {
                Ok(had_to_wait) => waited += u64::from(had_to_wait),
                Err(_) => break,
            }
            producer.sent(format!("job {i} queued"));
        }
        producer.completed("all jobs queued; drops its handle");
        drop(handle); // the last sender: the worker will finish and stop

        let done = worker.await.unwrap_or(0);
        ctx.rec.set_metric("processed", done);
        ctx.rec.set_metric("queue_waits", waited);
        Ok(())
    }
    // ANCHOR_END: core
}
