//! # Request and response: `mpsc` in, `oneshot` back
//!
//! One task owns a resource (here a cache of reverse-DNS answers) and
//! nobody else touches it: no lock at all. Other tasks ask it questions by
//! sending a request over an `mpsc` channel, and each request carries a
//! `oneshot::Sender` for its answer. The asker keeps the matching
//! `Receiver` and awaits it.
//!
//! A oneshot sends exactly one value, once. If the worker drops the sender
//! without answering (an unknown host here), the asker's `.await` returns
//! `Err(RecvError)` at once: nobody waits for an answer that cannot come.

use std::collections::HashMap;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "oneshot",
    title: "Request/response with oneshot",
    about: "scan tasks ask a resolver task for names; each answer comes back on its own oneshot",
    params: &[
        ParamSpec::int("askers", 1, 1_000, "6", "scan tasks asking the resolver"),
        ParamSpec::duration("lookup", "30ms", "how long a lookup the cache misses takes"),
    ],
    source: include_str!("oneshot.rs"),
    single_thread: false,
};

pub struct Oneshot;

// ANCHOR: core
/// One question for the resolver, with the channel its answer goes back on.
struct Request {
    ip: String,
    /// The asker holds the other half; sending consumes this one.
    reply: oneshot::Sender<String>,
}

#[async_trait]
impl Demo for Oneshot {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let lookup = ctx.params.duration("lookup")?;
        // Requests in: many senders (one clone per asker), one receiver.
        let (tx, mut rx) = mpsc::channel::<Request>(8);

        let resolver = ctx.rec.task("resolver");
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            // The resolver owns the cache: no Mutex, nobody else can see it.
            let mut cache: HashMap<String, String> = HashMap::new();
            let mut hits = 0;
            resolver.waiting(WaitOn::Channel, "waiting for a request");
            while let Some(Request { ip, reply }) = rx.recv().await {
                resolver.received(format!("who is {ip}?"));
                if ip.ends_with(".99") {
                    // No answer: dropping `reply` tells the asker at once.
                    resolver.note(format!("{ip}: unknown, reply sender dropped"));
                } else if let Some(name) = cache.get(&ip) {
                    hits += 1;
                    let _ = reply.send(name.clone()); // the asker may be gone: fine
                } else {
                    resolver.waiting(WaitOn::Io, format!("looking {ip} up"));
                    time::sleep(lookup).await;
                    let name = format!("host-{}.lab", ip.rsplit('.').next().unwrap_or("?"));
                    cache.insert(ip, name.clone());
                    let _ = reply.send(name);
                }
                resolver.waiting(WaitOn::Channel, "waiting for a request");
            }
            // Every Sender is gone: no more requests can come.
            resolver.completed(format!("all askers done; {hits} cache hits"));
            hits
        });

        for i in 0..ctx.params.usize("askers")? {
            let (task, tx) = (ctx.rec.task(format!("scan-{}", i + 1)), tx.clone());
            // Askers take turns on two known addresses; every fourth asks
            // about one nobody knows.
            let ip = if i % 4 == 3 {
                "10.0.0.99".to_string()
            } else {
                format!("10.0.0.{}", i % 2 + 1)
            };
            tasks.spawn(async move {
                let (reply, answer) = oneshot::channel();
                task.waiting(WaitOn::Channel, format!("asking about {ip}"));
                if tx
                    .send(Request {
                        ip: ip.clone(),
                        reply,
                    })
                    .await
                    .is_err()
                {
                    task.failed("the resolver is gone");
                    return 0;
                }
                match answer.await {
                    Ok(name) => task.completed(format!("{ip} is {name}")),
                    Err(_) => task.failed(format!("{ip}: no answer (sender dropped)")),
                }
                0
            });
        }
        drop(tx); // ours too, or the resolver would wait for ever

        let mut hits = 0;
        while let Some(joined) = tasks.join_next().await {
            hits += joined.unwrap_or(0);
        }
        ctx.rec.set_metric("cache_hits", hits);
        Ok(())
    }
}
// ANCHOR_END: core
