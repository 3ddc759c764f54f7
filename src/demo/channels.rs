//! # Producers and a consumer over a bounded `mpsc` channel
//!
//! Scanner tasks (producers) find results faster than one reporter task
//! (the consumer) can write them out. They talk through a
//! `tokio::sync::mpsc` channel of fixed `capacity`.
//!
//! The bound is the point. When the queue is full, `send().await` does not
//! fail and does not grow memory: it *waits* until the consumer makes room.
//! That is **back-pressure**: the fast side slows to the pace of the slow
//! side. An unbounded channel would hide the mismatch until memory ran out.
//!
//! The consumer ends when `recv()` returns `None`: every `Sender` has been
//! dropped. Forgetting to drop the original `tx` is the classic hang.

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::{TryRecvError, TrySendError};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "channels",
    title: "Producers, a consumer and back-pressure",
    about: "mpsc producers and one slow consumer; a bounded capacity makes back-pressure visible",
    params: &[
        ParamSpec::int("producers", 1, 1_000, "3", "scanner tasks sending results"),
        ParamSpec::int("messages", 1, 10_000, "5", "results each producer sends"),
        ParamSpec::int(
            "capacity",
            1,
            100_000,
            "2",
            "channel bound: messages that fit in the queue",
        ),
        ParamSpec::duration(
            "interval",
            "10ms",
            "time a producer takes to find each result",
        ),
        ParamSpec::duration(
            "latency",
            "50ms",
            "time the consumer takes to handle one message",
        ),
    ],
    single_thread: false,
    source: include_str!("channels.rs"),
};

pub struct Channels;

/// One scan result on its way to the reporter.
struct Finding {
    producer: usize,
    seq: usize,
}

#[async_trait]
impl Demo for Channels {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let producers = ctx.params.usize("producers")?;
        let messages = ctx.params.usize("messages")?;
        let capacity = ctx.params.usize("capacity")?;
        let interval = ctx.params.duration("interval")?;
        let latency = ctx.params.duration("latency")?;

        // `tx` is cloned into each producer; `rx` moves into the consumer.
        let (tx, mut rx) = mpsc::channel::<Finding>(capacity);
        let mut tasks = JoinSet::new();

        let consumer = ctx.rec.task("consumer");
        tasks.spawn(async move {
            let _guard = consumer.guard("aborted");
            let mut handled = 0;
            loop {
                // `try_recv` first only to tell the timeline when the queue
                // was empty; `recv().await` is what a real consumer writes.
                let finding = match rx.try_recv() {
                    Ok(finding) => finding,
                    Err(TryRecvError::Disconnected) => break,
                    Err(TryRecvError::Empty) => {
                        consumer.waiting(WaitOn::Channel, "queue empty: waits for a message");
                        match rx.recv().await {
                            Some(finding) => finding,
                            None => break, // every Sender is gone
                        }
                    }
                };
                consumer.received(format!(
                    "result {} of producer-{}",
                    finding.seq, finding.producer
                ));
                time::sleep(latency).await; // handling it takes time
                handled += 1;
            }
            consumer.completed(format!(
                "channel closed: all senders dropped; {handled} handled"
            ));
        });

        for p in 1..=producers {
            let tx = tx.clone();
            let task = ctx.rec.task(format!("producer-{p}"));
            let rec = ctx.rec.clone();
            tasks.spawn(async move {
                let _guard = task.guard("aborted");
                task.started("scanning");
                for seq in 1..=messages {
                    time::sleep(interval).await; // finding the next result
                    let finding = Finding { producer: p, seq };
                    match tx.try_send(finding) {
                        Ok(()) => {}
                        Err(TrySendError::Full(finding)) => {
                            task.waiting(
                                WaitOn::Channel,
                                format!("queue full ({capacity}/{capacity}): send waits"),
                            );
                            rec.add_metric("send_waits", 1);
                            // Back-pressure: this line waits until there is room.
                            if tx.send(finding).await.is_err() {
                                break;
                            }
                        }
                        Err(TrySendError::Closed(_)) => break,
                    }
                    let queued = capacity - tx.capacity();
                    task.sent(format!(
                        "result {seq} queued ({queued}/{capacity} in queue)"
                    ));
                }
                task.completed("done; its Sender is dropped");
            });
        }
        // Drop the original sender, or the consumer would wait forever.
        drop(tx);

        while tasks.join_next().await.is_some() {}
        ctx.rec.add_metric("send_waits", 0); // present even when zero
        Ok(())
    }
    // ANCHOR_END: core
}
