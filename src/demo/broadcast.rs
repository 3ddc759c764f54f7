//! # broadcast: one publisher, many subscribers
//!
//! A scan coordinator publishes events (target started, completed, failed)
//! and several parts of the tool want every one of them: a logger, a live
//! dashboard, an archiver. A `tokio::sync::broadcast` channel delivers each
//! message to every receiver.
//!
//! The channel keeps the last `capacity` messages, with `capacity` rounded
//! up to a power of two by tokio (ask for 5, get 8). A subscriber that falls
//! further behind than that does not block the publisher; instead its next
//! `recv()` returns `Err(Lagged(n))`: it has missed `n` messages and goes on
//! from the oldest one still kept. Fast publishers never wait for slow
//! readers; slow readers must be ready to skip.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "broadcast",
    title: "broadcast fan-out and Lagged",
    about: "a coordinator publishes scan events to several subscribers; a slow one lags and is told how much it missed",
    params: &[
        ParamSpec::int(
            "count",
            1,
            100_000,
            "24",
            "events the coordinator publishes",
        ),
        ParamSpec::duration("interval", "5ms", "time between two events"),
        ParamSpec::int(
            "capacity",
            1,
            100_000,
            "4",
            "messages the channel keeps for slow subscribers",
        ),
        ParamSpec::duration(
            "latency",
            "25ms",
            "time the slow subscriber (archiver) needs per event",
        ),
    ],
    source: include_str!("broadcast.rs"),
    single_thread: false,
};

pub struct Broadcast;

#[async_trait]
impl Demo for Broadcast {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let interval = ctx.params.duration("interval")?;
        let slow = ctx.params.duration("latency")?;
        // tokio rounds the capacity up to a power of two: 5 keeps 8.
        let (tx, _) = broadcast::channel::<String>(ctx.params.usize("capacity")?);

        let mut tasks = JoinSet::new();
        // Subscribe before publishing: a receiver only sees later messages.
        for (name, per_event) in [
            ("logger", Duration::from_millis(1)),
            ("dashboard", Duration::from_millis(2)),
            ("archiver", slow),
        ] {
            let mut rx = tx.subscribe();
            let task = ctx.rec.task(name);
            let rec = ctx.rec.clone();
            tasks.spawn(async move {
                let _guard = task.guard("aborted");
                let (mut seen, mut lagged) = (0, false);
                loop {
                    task.waiting(WaitOn::Channel, "waiting for an event");
                    match rx.recv().await {
                        Ok(event) => {
                            seen += 1;
                            task.received(event);
                            time::sleep(per_event).await; // handling it
                        }
                        Err(RecvError::Lagged(missed)) => {
                            task.note(format!(
                                "Lagged({missed}): {missed} {} overwritten before I read them",
                                if missed == 1 {
                                    "event was"
                                } else {
                                    "events were"
                                }
                            ));
                            rec.add_metric("lagged", missed);
                            lagged = true;
                        }
                        Err(RecvError::Closed) => break,
                    }
                }
                task.completed(format!("channel closed; handled {seen} events"));
                // How many subscribers fell behind: the slow one alone?
                rec.add_metric("subscribers_lagged", u64::from(lagged));
            });
        }

        let coordinator = ctx.rec.future("coordinator");
        coordinator.started("publishing scan events");
        for i in 1..=count {
            time::sleep(interval).await;
            let event = match i % 6 {
                0 => format!("target-{i} failed"),
                n if n % 2 == 1 => format!("target-{i} started"),
                _ => format!("target-{i} completed"),
            };
            // `send` never waits: it overwrites the oldest message if full.
            let _ = tx.send(event);
            coordinator.sent(format!("event {i}/{count}"));
        }
        drop(tx); // subscribers see Closed after the last message
        coordinator.completed("all events published");

        while tasks.join_next().await.is_some() {}
        ctx.rec.add_metric("lagged", 0); // present even when zero
        Ok(())
    }
    // ANCHOR_END: core
}
