//! # Graceful cancellation
//!
//! An operator stops a scan halfway. Stopping well means: no new targets are
//! started, results found so far are kept and reported, and in-flight checks
//! either finish (`inflight finish`) or are abandoned at once (`abort`).
//!
//! Two ways to tell many tasks "stop":
//!
//! - a `tokio::sync::watch` channel holding a `bool`: every worker has a
//!   receiver, checks the current value, and can await a change;
//! - tokio-util's `CancellationToken`: made for exactly this, cheap to
//!   clone, with `is_cancelled()` and `cancelled().await`, and child tokens.
//!
//! Both are shown (`set via watch|token`); they behave the same here. The
//! workers pull targets from a shared queue guarded by a `std::sync::Mutex`:
//! it is never held across an `.await`, so the std lock is the right one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time;
use tokio_util::sync::CancellationToken;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "cancel",
    title: "Graceful cancellation",
    about: "a watch channel or a CancellationToken stops a scan mid-way; partial results are kept",
    params: &[
        ParamSpec::int("count", 1, 100_000, "24", "targets in the queue"),
        ParamSpec::int("concurrency", 1, 1_000, "4", "worker tasks"),
        ParamSpec::duration("latency", "80ms", "typical time one check takes"),
        ParamSpec::duration("stop_after", "200ms", "when the operator presses stop"),
        ParamSpec::choice(
            "inflight",
            &["finish", "abort"],
            "finish",
            "let checks in flight finish, or abandon them",
        ),
        ParamSpec::choice(
            "via",
            &["token", "watch"],
            "token",
            "how the stop reaches the workers",
        ),
    ],
    source: include_str!("cancel.rs"),
    single_thread: false,
};

pub struct Cancel;

/// The stop signal, either kind.
#[derive(Clone)]
enum Stop {
    Watch(watch::Receiver<bool>),
    Token(CancellationToken),
}

impl Stop {
    fn is_stopped(&self) -> bool {
        match self {
            Stop::Watch(rx) => *rx.borrow(),
            Stop::Token(token) => token.is_cancelled(),
        }
    }

    /// Resolves once stop has been requested.
    async fn stopped(&mut self) {
        match self {
            // `wait_for` checks the current value first, then each change.
            Stop::Watch(rx) => {
                let _ = rx.wait_for(|stopped| *stopped).await;
            }
            Stop::Token(token) => token.cancelled().await,
        }
    }
}

#[async_trait]
impl Demo for Cancel {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let abort = ctx.params.choice("inflight")? == "abort";

        let token = CancellationToken::new();
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop = match ctx.params.choice("via")? {
            "watch" => Stop::Watch(stop_rx),
            _ => Stop::Token(token.clone()),
        };

        let queue = Arc::new(Mutex::new((0..count).collect::<VecDeque<_>>()));
        let mut workers = JoinSet::new();
        for w in 1..=ctx.params.usize("concurrency")? {
            let (queue, mut stop, rec) = (queue.clone(), stop.clone(), ctx.rec.clone());
            let seed = ctx.seed;
            workers.spawn(async move {
                let mut results = 0;
                // Take no new target once stop is requested.
                while !stop.is_stopped() {
                    // The std lock is held for one pop, never across .await.
                    let Some(i) = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None) else {
                        break;
                    };
                    // A lane per check, though the check is not a task of
                    // its own: it runs inside its worker's task.
                    let task = rec.future(format!("target-{:02} (w{w})", i + 1));
                    let _guard = task.guard("abandoned: stop requested");
                    let took = asynclab_kit::Sim::new(seed, i as u64).latency(latency);
                    task.waiting(WaitOn::Io, "checking");
                    if abort {
                        tokio::select! {
                            () = stop.stopped() => break, // the guard records it
                            () = time::sleep(took) => {}
                        }
                    } else {
                        time::sleep(took).await;
                    }
                    task.completed(format!("checked in {}ms", took.as_millis()));
                    results += 1;
                }
                results
            });
        }

        // The operator is this demo's own future, not a spawned task.
        let operator = ctx.rec.future("operator");
        // Blocked on the workers (or the stop button), doing no work of its
        // own: a join wait, so it is not counted as a check in flight.
        operator.waiting(WaitOn::Join, "watching the scan until stop is pressed");
        let collect = async {
            let mut results = 0;
            while let Some(joined) = workers.join_next().await {
                results += joined.unwrap_or(0);
            }
            results
        };
        let mut collect = std::pin::pin!(collect);
        let results = tokio::select! {
            results = &mut collect => {
                operator.cancelled("the scan finished before anyone pressed stop");
                results
            }
            () = time::sleep(ctx.params.duration("stop_after")?) => {
                operator.completed("stop pressed");
                token.cancel();
                let _ = stop_tx.send(true);
                // Keep collecting: workers wind down and hand in what they found.
                collect.await
            }
        };

        ctx.rec.set_metric("results", results);
        ctx.rec.set_metric(
            "never_started",
            queue.lock().map(|q| q.len() as u64).unwrap_or(0),
        );
        Ok(())
    }
    // ANCHOR_END: core
}
