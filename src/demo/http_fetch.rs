//! # Parallel HTTP fetches with a per-request timeout
//!
//! Reconnaissance fetches many URLs. Each request is a future; a stream
//! combinator, `buffer_unordered(n)`, keeps at most `n` of them in flight
//! and yields results in the order they *finish*. Futures are lazy: a
//! request not yet taken by the buffer has not started (it shows as queued).
//!
//! Every request is wrapped in `tokio::time::timeout`. One slow server must
//! not hold a scan hostage: after `timeout` the request future is dropped,
//! which closes its connection, and the slot goes to the next URL.
//!
//! One `reqwest::Client` serves every request: it pools connections, so
//! requests to one host reuse sockets instead of paying a handshake each.
//!
//! Virtual clock: responses are simulated from the seed. Real clock: the
//! demo starts the lab's HTTP server on 127.0.0.1 and fetches from it (or
//! fetches the URLs given in `urls`, which must be on loopback unless
//! asynclab was started with `--allow-external`).

use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream;
use futures::{FutureExt, StreamExt};
use tokio::time;

use crate::lab::http::{HttpLab, scoped_client};
use asynclab_kit::lab::limits::{OUT_OF_FILES, cap_to_descriptors, is_out_of_files};
use asynclab_kit::{Clock, Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "http-fetch",
    title: "Parallel HTTP fetches with timeouts",
    about: "buffer_unordered keeps n requests in flight; each one has its own timeout",
    params: &[
        ParamSpec::int("count", 1, 100_000, "12", "how many URLs to fetch"),
        ParamSpec::int(
            "concurrency",
            1,
            1_000,
            "4",
            "requests in flight at once (buffer_unordered size)",
        ),
        ParamSpec::duration(
            "timeout",
            "250ms",
            "how long one request may take before it is dropped",
        ),
        ParamSpec::duration(
            "latency",
            "100ms",
            "typical server response time (one URL in six is four times slower)",
        ),
        ParamSpec {
            name: "urls",
            kind: Kind::Text,
            default: "",
            help: "comma-separated URLs to fetch for real instead of the lab's (clock real only)",
        },
    ],
    single_thread: false,
    source: include_str!("http_fetch.rs"),
};

pub struct HttpFetch;

/// One planned request: the lab path, and how the server will behave.
struct Planned {
    path: String,
    delay: Duration,
    status: u16,
}

/// What came back from one URL.
enum Fetched {
    Status(u16, u64),
    /// A body over [`MAX_BODY`]: reading stopped after these bytes.
    Cut(u16, u64),
    TimedOut,
    Error(String),
}

#[async_trait]
impl Demo for HttpFetch {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let mut concurrency = ctx.params.usize("concurrency")?;
        let timeout = ctx.params.duration("timeout")?;
        let explicit = ctx.params.text("urls")?.trim().to_string();

        // `_lab` keeps the lab server up until every request is done.
        let (requests, _lab) = match (ctx.clock, explicit.is_empty()) {
            (Clock::Virtual, true) => (simulated(&ctx, plan(&ctx)?, timeout), None),
            (Clock::Virtual, false) => {
                return Err(DemoError::Setup(
                    "explicit URLs are fetched for real: `set clock real` first".into(),
                ));
            }
            (Clock::Real, true) => {
                let lab = HttpLab::start().await?;
                let urls = plan(&ctx)?.iter().map(|p| lab.url(&p.path)).collect();
                (real(&ctx, urls, timeout)?, Some(lab))
            }
            (Clock::Real, false) => {
                let urls: Vec<String> = explicit.split(',').map(|u| u.trim().to_string()).collect();
                for url in &urls {
                    let parsed = reqwest::Url::parse(url)
                        .map_err(|e| DemoError::Setup(format!("bad URL '{url}': {e}")))?;
                    ctx.scope
                        .check_host(parsed.host_str().unwrap_or_default())
                        .await?;
                }
                (real(&ctx, urls, timeout)?, None)
            }
        };

        if ctx.clock == Clock::Real {
            // Each request in flight holds a socket: stay under the limit.
            concurrency = cap_to_descriptors(&ctx.rec, concurrency);
        }

        // ANCHOR: core
        // The heart of the demo: at most `concurrency` requests in flight,
        // results in completion order.
        let results: Vec<Fetched> = stream::iter(requests)
            .buffer_unordered(concurrency)
            .collect()
            .await;
        // ANCHOR_END: core

        let bytes = results
            .iter()
            .map(|r| match r {
                Fetched::Status(_, n) | Fetched::Cut(_, n) => *n,
                _ => 0,
            })
            .sum();
        ctx.rec.set_metric("bytes", bytes);
        let errors = results
            .iter()
            .filter(|r| matches!(r, Fetched::Error(_)))
            .count();
        ctx.rec.set_metric("errors", errors as u64);
        Ok(())
    }
}

/// The requests, as a seeded plan both clocks share: mostly quick 200s, a
/// 404 and a 500 now and then, and one URL in six slow.
fn plan(ctx: &Ctx) -> Result<Vec<Planned>, DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;
    Ok((0..count as u64)
        .map(|i| {
            let mut sim = ctx.sim(i);
            let delay = sim.latency(latency);
            match sim.below(12) {
                0 | 1 => Planned {
                    path: format!("/delay/{}", delay.as_millis() * 4),
                    delay: delay * 4,
                    status: 200,
                },
                2 => Planned {
                    path: "/status/404".into(),
                    delay: delay / 4,
                    status: 404,
                },
                3 => Planned {
                    path: "/status/500".into(),
                    delay: delay / 4,
                    status: 500,
                },
                // Two redirects: three quick round trips in all.
                4 => Planned {
                    path: "/redirect/2".into(),
                    delay: delay / 4 * 3,
                    status: 200,
                },
                _ => Planned {
                    path: format!("/delay/{}", delay.as_millis()),
                    delay,
                    status: 200,
                },
            }
        })
        .collect())
}

/// How many redirects `/redirect/{n}` answers with before the final 200.
fn redirect_hops(path: &str) -> u32 {
    path.strip_prefix("/redirect/")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Records the outcome of one request on its task.
fn record(task: &TaskRec, fetched: &Fetched, timeout: Duration) {
    match fetched {
        Fetched::Status(code, bytes) if *code < 400 => {
            task.completed(format!("{code}, {bytes} bytes"))
        }
        Fetched::Cut(code, bytes) if *code < 400 => task.completed(format!(
            "{code}, {bytes} bytes read: over {} MiB, reading stopped",
            MAX_BODY / 1024 / 1024
        )),
        Fetched::Status(code, _) | Fetched::Cut(code, _) => task.failed(format!("HTTP {code}")),
        Fetched::TimedOut => {
            task.timed_out(format!("no response in {}ms: dropped", timeout.as_millis()))
        }
        Fetched::Error(e) => task.failed(e.clone()),
    }
}

// ANCHOR: core
/// Virtual clock: each request sleeps for the planned delay.
///
/// Both clocks return `BoxFuture`s: the simulated and the real request are
/// different future types, and one stream needs one item type.
fn simulated(ctx: &Ctx, plan: Vec<Planned>, timeout: Duration) -> Vec<BoxFuture<'static, Fetched>> {
    plan.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let task = ctx.rec.future(format!("get-{:02}", i + 1));
            let rec = ctx.rec.clone();
            async move {
                let _guard = task.guard("dropped before it finished");
                task.started(format!("GET {}", p.path));
                task.waiting(WaitOn::Io, "awaiting response");
                let response = async {
                    // A redirect is one more round trip per hop, like the
                    // real client following `Location`: each hop is counted
                    // as it happens, not added up front.
                    let hops = redirect_hops(&p.path);
                    let round_trip = p.delay / (hops + 1);
                    for hop in 1..=hops {
                        time::sleep(round_trip).await;
                        rec.add_metric("redirects", 1);
                        task.note(format!("302: following redirect {hop}/{hops}"));
                    }
                    time::sleep(round_trip).await;
                    Fetched::Status(p.status, 3)
                };
                let fetched = time::timeout(timeout, response)
                    .await
                    .unwrap_or(Fetched::TimedOut);
                record(&task, &fetched, timeout);
                fetched
            }
            .boxed()
        })
        .collect()
}
// ANCHOR_END: core

/// Real clock: one pooled client, real requests.
fn real(
    ctx: &Ctx,
    urls: Vec<String>,
    timeout: Duration,
) -> Result<Vec<BoxFuture<'static, Fetched>>, DemoError> {
    // One client for every request. It follows up to 10 redirects, each
    // counted on the timeline and checked against the scope first, resolves
    // names itself (checked once, never re-resolved) and ignores proxy
    // variables: see `scoped_client` in the lab.
    let rec = ctx.rec.clone();
    let client = scoped_client(ctx.scope, move || rec.add_metric("redirects", 1))
        .map_err(|e| DemoError::Setup(format!("cannot build the HTTP client: {e}")))?;
    Ok(urls
        .into_iter()
        .enumerate()
        .map(|(i, url)| {
            // Cloning a Client is cheap: the clones share one pool.
            let client = client.clone();
            let task = ctx.rec.future(format!("get-{:02}", i + 1));
            async move {
                let _guard = task.guard("dropped before it finished");
                task.started(format!("GET {url}"));
                task.waiting(WaitOn::Io, "awaiting response");
                let response = async {
                    let response = client.get(&url).send().await?;
                    let status = response.status().as_u16();
                    let (bytes, whole) = read_body(response).await?;
                    Ok::<_, reqwest::Error>(if whole {
                        Fetched::Status(status, bytes)
                    } else {
                        Fetched::Cut(status, bytes)
                    })
                };
                let fetched = match time::timeout(timeout, response).await {
                    Ok(Ok(fetched)) => fetched,
                    Ok(Err(error)) => {
                        Fetched::Error(format!("request failed: {}", root_cause(&error)))
                    }
                    Err(_elapsed) => Fetched::TimedOut,
                };
                record(&task, &fetched, timeout);
                fetched
            }
            .boxed()
        })
        .collect())
}

/// Whatever a server sends, at most this much of a body is read: a server
/// on loopback that streams forever must not fill asynclab's memory.
const MAX_BODY: u64 = 16 * 1024 * 1024;

/// The bytes of the body read, and whether that was all of it: counted
/// chunk by chunk and dropped as they come (only the size is shown), and
/// no more read once past [`MAX_BODY`].
async fn read_body(mut response: reqwest::Response) -> Result<(u64, bool), reqwest::Error> {
    let mut read = 0u64;
    while let Some(chunk) = response.chunk().await? {
        read += chunk.len() as u64;
        if read > MAX_BODY {
            return Ok((read, false));
        }
    }
    Ok((read, true))
}

/// The innermost cause of a failed request: reqwest's own message ("error
/// following redirect for url …") says where, the cause says why.
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    // EMFILE: say what to do, not only what happened.
    match cause.downcast_ref::<std::io::Error>() {
        Some(io) if is_out_of_files(io) => format!("{cause}: {OUT_OF_FILES}"),
        _ => cause.to_string(),
    }
}
