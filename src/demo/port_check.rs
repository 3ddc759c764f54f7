//! # Port check: many connects at once, a `Semaphore` to bound them
//!
//! A port check is a TCP connect. If the handshake completes, something is
//! listening: **open**. If the host answers with a reset: **closed**. If
//! nothing answers before our deadline, a firewall probably dropped the
//! packet: **filtered** (here: timed out).
//!
//! One port at a time, a scan spends nearly all its time waiting on the
//! network, so we run one task per port. But *unbounded* is a bug: 65 535
//! sockets at once exhaust file descriptors and flood the target. A
//! `Semaphore` caps the checks in flight at `concurrency`; every connect
//! also gets its own `timeout`, so a silent port costs at most that long.
//!
//! Virtual clock: the network is simulated from the seed. Real clock: the
//! demo opens listeners on 127.0.0.1 and really connects to them and to
//! ports it knows are closed.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

use super::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, acquire_permit};
use crate::clock::Clock;
use crate::lab::tcp::{ListenerFarm, closed_ports};
use crate::timeline::WaitOn;

/// The real clock opens real sockets: keep them well under the usual
/// descriptor limit (1024) for now.
const MAX_REAL_PORTS: usize = 512;

static INFO: DemoInfo = DemoInfo {
    name: "port-check",
    title: "Port checks bounded by a Semaphore",
    about: "one task per port, a Semaphore capping connects in flight, a timeout per connect",
    params: &[
        ParamSpec::int(
            "count",
            1,
            65_535,
            "40",
            "how many ports to check (ports 1..=count)",
        ),
        ParamSpec::int(
            "concurrency",
            1,
            10_000,
            "10",
            "connects allowed in flight at once (semaphore permits)",
        ),
        ParamSpec::duration(
            "timeout",
            "300ms",
            "how long one connect may take before the port counts as filtered",
        ),
        ParamSpec::duration(
            "latency",
            "50ms",
            "virtual clock: typical round trip of a simulated connect",
        ),
    ],
    single_thread: false,
    source: include_str!("port_check.rs"),
};

pub struct PortCheck;

/// What a connect told us about one port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortState {
    Open,
    Closed,
    Filtered,
}

/// A port to check: simulated (virtual clock) or a real loopback address.
enum Target {
    /// `answer` is `None` for a filtered port: it never replies.
    Simulated {
        port: u16,
        answer: Option<(Duration, PortState)>,
    },
    Real(SocketAddr),
}

impl Target {
    fn port(&self) -> u16 {
        match self {
            Target::Simulated { port, .. } => *port,
            Target::Real(addr) => addr.port(),
        }
    }

    /// One connect attempt. Never returns for a filtered simulated port:
    /// the caller's `timeout` is what ends it, exactly as on a network.
    async fn connect(&self) -> std::io::Result<PortState> {
        match self {
            Target::Simulated {
                answer: Some((after, state)),
                ..
            } => {
                time::sleep(*after).await;
                Ok(*state)
            }
            Target::Simulated { answer: None, .. } => std::future::pending().await,
            Target::Real(addr) => match TcpStream::connect(addr).await {
                // Dropping the stream closes it straight away.
                Ok(_stream) => Ok(PortState::Open),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    Ok(PortState::Closed)
                }
                Err(e) => Err(e),
            },
        }
    }
}

#[async_trait]
impl Demo for PortCheck {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let concurrency = ctx.params.usize("concurrency")?;
        let timeout = ctx.params.duration("timeout")?;

        // `_farm` keeps the lab's listeners open until the scan is over.
        let (targets, _farm) = match ctx.clock {
            Clock::Virtual => (simulated(&ctx, count)?, None),
            Clock::Real => {
                let (targets, farm) = on_loopback(&ctx, count).await?;
                (targets, Some(farm))
            }
        };

        let permits = Arc::new(Semaphore::new(concurrency));
        let mut checks = JoinSet::new();
        for target in targets {
            let task = ctx.rec.task(format!("port-{}", target.port()));
            let permits = permits.clone();
            checks.spawn(async move {
                let _guard = task.guard("aborted before it finished");
                let _permit = acquire_permit(&task, &permits, concurrency).await;
                task.waiting(WaitOn::Io, "SYN sent: awaiting the handshake");
                // `timeout` wraps the connect future: if it is not ready in
                // time, the connect is dropped (and its socket closed).
                let state = match time::timeout(timeout, target.connect()).await {
                    Ok(Ok(state)) => state,
                    Ok(Err(error)) => {
                        task.failed(format!("connect error: {error}"));
                        return None;
                    }
                    Err(_elapsed) => PortState::Filtered,
                };
                match state {
                    PortState::Open => task.completed("open: handshake completed"),
                    PortState::Closed => task.completed("closed: connection refused (RST)"),
                    PortState::Filtered => {
                        task.timed_out(format!("filtered: no answer in {}", ms(timeout)))
                    }
                }
                Some(state)
            });
        }

        // Count results as they come in (completion order, not port order).
        let (mut open, mut closed, mut filtered) = (0, 0, 0);
        while let Some(joined) = checks.join_next().await {
            match joined {
                Ok(Some(PortState::Open)) => open += 1,
                Ok(Some(PortState::Closed)) => closed += 1,
                Ok(Some(PortState::Filtered)) => filtered += 1,
                // A connect error or a panicked task: already on the timeline.
                Ok(None) | Err(_) => {}
            }
        }
        ctx.rec.set_metric("open_ports", open);
        ctx.rec.set_metric("closed_ports", closed);
        ctx.rec.set_metric("filtered_ports", filtered);
        Ok(())
    }
}

fn ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

/// Ports 1..=count of a simulated host: about 10% open, 20% filtered.
fn simulated(ctx: &Ctx, count: usize) -> Result<Vec<Target>, DemoError> {
    let latency = ctx.params.duration("latency")?;
    // `count` is validated to 1..=65535, so every port number fits.
    let last = u16::try_from(count).unwrap_or(u16::MAX);
    Ok((1..=last)
        .map(|port| {
            let mut sim = ctx.sim(port as u64);
            let roll = sim.below(100);
            let answer = match roll {
                0..10 => Some((sim.latency(latency), PortState::Open)),
                10..30 => None,
                _ => Some((sim.latency(latency), PortState::Closed)),
            };
            Target::Simulated { port, answer }
        })
        .collect())
}

/// Real targets: a few lab listeners (open) and ports known to be closed.
async fn on_loopback(ctx: &Ctx, count: usize) -> Result<(Vec<Target>, ListenerFarm), DemoError> {
    if count > MAX_REAL_PORTS {
        return Err(DemoError::Setup(format!(
            "on the real clock, count is at most {MAX_REAL_PORTS} (every check is a real socket): `set count {MAX_REAL_PORTS}`"
        )));
    }
    let open = (count / 10).clamp(1, 20);
    let farm = ListenerFarm::start(open).await?;
    let mut ports = farm.ports().to_vec();
    ports.extend(closed_ports(count - open).await?);
    ports.sort_unstable();
    let mut targets = Vec::with_capacity(ports.len());
    for port in ports {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        ctx.scope.check_ip(addr.ip())?;
        targets.push(Target::Real(addr));
    }
    Ok((targets, farm))
}
