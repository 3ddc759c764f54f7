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
//! `Semaphore` caps the checks in flight at `concurrency` (and never above
//! what the descriptor limit allows); every connect gets its own `timeout`.
//!
//! On the real clock the connect itself, the lab's listeners and the
//! re-check that removes loopback artefacts live in the lab
//! (`asynclab_kit::lab::probe`): this file is the scan.
//!
//! Virtual clock: the network is simulated from the seed. Real clock: the
//! demo opens listeners on 127.0.0.1 and really connects to `target`.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::lab::limits::cap_to_descriptors;
use asynclab_kit::lab::probe::{self, LabScan, PortState};
use asynclab_kit::{
    Clock, Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec, Sim, TaskRec, WaitOn, parse_ports,
};

static INFO: DemoInfo = DemoInfo {
    name: "port-check",
    title: "Port checks bounded by a Semaphore",
    about: "one task per port, a Semaphore capping connects in flight, a timeout per connect",
    params: &[
        ParamSpec::int(
            "count",
            1,
            1_000_000,
            "40",
            "ports to check when ports is auto; virtual clock: past 65535 they spread over more simulated hosts",
        ),
        ParamSpec::int(
            "concurrency",
            1,
            100_000,
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
        ParamSpec {
            name: "ports",
            kind: Kind::Ports,
            default: "auto",
            help: "ports to check: 22,80,8000-8100; auto = 1..count (virtual) or the lab's",
        },
        ParamSpec {
            name: "target",
            kind: Kind::Text,
            default: "127.0.0.1",
            help: "real clock: the host to scan (loopback unless --allow-external)",
        },
        ParamSpec::choice(
            "banner",
            &["off", "on"],
            "off",
            "real clock: read what an open port says first",
        ),
        ParamSpec::choice(
            "lab",
            &["on", "off"],
            "on",
            "real clock: open the lab's listeners for the scan to find",
        ),
    ],
    source: include_str!("port_check.rs"),
    single_thread: false,
};

pub struct PortCheck;

/// Results as they come in.
#[derive(Default)]
struct Tally {
    open: Vec<Target>,
    closed: u64,
    filtered: u64,
    discarded: usize,
}

impl Tally {
    fn add(&mut self, joined: Result<Option<(Target, PortState)>, tokio::task::JoinError>) {
        match joined {
            Ok(Some((target, PortState::Open))) => self.open.push(target),
            Ok(Some((_, PortState::Closed))) => self.closed += 1,
            Ok(Some((_, PortState::Filtered))) => self.filtered += 1,
            Ok(Some((_, PortState::SelfConnect))) => self.discarded += 1,
            // A connect error or a panicked task: already on the timeline.
            Ok(None) | Err(_) => {}
        }
    }
}

/// A port to check: port `port` of host `host`. On the virtual clock
/// `host` counts simulated hosts past the first (65 535 ports each); a real
/// scan checks one host, whose address the probe holds. Eight bytes: every
/// task carries one.
#[derive(Clone, Copy)]
struct Target {
    host: u32,
    port: u16,
}

/// The targets of a scan, each made as the scan reaches it: a million of
/// them made up front would be 8 MB before the first connect.
enum Targets {
    /// These ports of the first host (a real scan's, or `ports` listed).
    Listed(Vec<u16>),
    /// `auto` on the virtual clock: ports 1..=65535 of host 0, then of
    /// host 1, ..., `count` in all.
    Auto { count: u64 },
}

impl Targets {
    fn len(&self) -> usize {
        match self {
            Targets::Listed(ports) => ports.len(),
            Targets::Auto { count } => *count as usize,
        }
    }

    /// Target `i` (below `len`), made when asked for.
    fn at(&self, i: usize) -> Target {
        match self {
            Targets::Listed(ports) => Target {
                host: 0,
                port: ports[i],
            },
            Targets::Auto { .. } => Target {
                host: (i / 65_535) as u32,
                port: (i % 65_535 + 1) as u16,
            },
        }
    }

    /// Every target in order. (A range mapped: it knows its length, so
    /// the recorder sizes its list of names once.)
    fn iter(&self) -> impl Iterator<Item = Target> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }
}

impl Target {
    /// How results name it: `80`, or `h2:80` on a further simulated host.
    fn label(self) -> impl fmt::Display {
        fmt::from_fn(move |f| {
            self.write_host(f)?;
            f.write_str(itoa::Buffer::new().format(self.port))
        })
    }

    /// The task's name, `port-80` (or `h2:port-80` on a further host),
    /// written straight into the recorder's list of names.
    fn name(self) -> impl FnOnce(&mut String) {
        move |out| {
            // Writing to a `String` cannot fail.
            let _ = self.write_host(out);
            out.push_str("port-");
            out.push_str(itoa::Buffer::new().format(self.port));
        }
    }

    /// `h2:` for a further simulated host, nothing for the first. (`itoa`
    /// writes numbers without `format!`'s machinery: a million of them.)
    fn write_host(self, out: &mut impl fmt::Write) -> fmt::Result {
        if self.host > 0 {
            out.write_char('h')?;
            out.write_str(itoa::Buffer::new().format(self.host + 1))?;
            out.write_char(':')?;
        }
        Ok(())
    }

    /// Results are listed by host, then port.
    fn key(&self) -> (u32, u16) {
        (self.host, self.port)
    }
}

/// How each check behaves. Shared by every task through an `Arc`: a task
/// carries a pointer, not the probe (a task's future is copied as it is
/// spawned, a million times in a big scan).
struct Probe {
    /// The real host to connect to; `None` on the virtual clock, where the
    /// network is simulated.
    host: Option<IpAddr>,
    timeout: Duration,
    banner: bool,
    /// The simulated network: its seed and typical round trip.
    seed: u64,
    latency: Duration,
}

impl Probe {
    /// One connect attempt.
    async fn connect(&self, target: &Target, task: &TaskRec) -> std::io::Result<PortState> {
        let Some(ip) = self.host else {
            return self.simulated(target.host, target.port).await;
        };
        let addr = SocketAddr::new(ip, target.port);
        let banner = self
            .banner
            .then(|| self.timeout.min(Duration::from_millis(500)));
        // Boxed: a real connect's future (a socket, a banner buffer) is
        // far bigger than a simulated one, and every task would carry it.
        Box::pin(probe::connect(addr, banner, task)).await
    }

    /// A simulated host: about 10% of ports open, 20% filtered. A filtered
    /// port never answers: the caller's `timeout` is what ends it, exactly
    /// as on a network.
    async fn simulated(&self, host: u32, port: u16) -> std::io::Result<PortState> {
        let mut sim = Sim::new(self.seed, u64::from(host) * 65_536 + u64::from(port));
        let state = match sim.below(100) {
            0..10 => PortState::Open,
            10..30 => return std::future::pending().await,
            _ => PortState::Closed,
        };
        time::sleep(sim.latency(self.latency)).await;
        Ok(state)
    }
}

#[async_trait]
impl Demo for PortCheck {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let mut concurrency = ctx.params.usize("concurrency")?;
        // `_farm` keeps the lab's listeners open until the scan is over.
        let (targets, host, _farm) = match ctx.clock {
            Clock::Virtual => {
                let targets = match port_list(&ctx)? {
                    Some(ports) => Targets::Listed(ports),
                    None => Targets::Auto {
                        count: ctx.params.usize("count")? as u64,
                    },
                };
                (targets, None, None)
            }
            Clock::Real => {
                let scan = real_scan(&ctx).await?;
                concurrency = cap_to_descriptors(&ctx.rec, concurrency);
                (Targets::Listed(scan.ports), Some(scan.ip), Some(scan.farm))
            }
        };
        let probe = Arc::new(Probe {
            host,
            timeout: ctx.params.duration("timeout")?,
            banner: ctx.params.choice("banner")? == "on",
            seed: ctx.seed,
            latency: ctx.params.duration("latency")?,
        });

        // About five events a port: room for all of them up front. (No
        // room for names: `planned_lanes` brings its own buffer.)
        ctx.rec.reserve(0, targets.len() * 5 + 8);
        // Every target is on the timeline from the start, served in order;
        // its task is spawned only once it holds a permit.
        let tasks = ctx.rec.planned_lanes(targets.iter().map(Target::name));

        // ANCHOR: core
        // Every filtered port says the same: formatted once, not per port.
        let filtered_note = ctx.rec.keep_note(format!(
            "filtered: no answer in {}ms",
            probe.timeout.as_millis()
        ));
        // Acquire before spawn: a task exists only while it holds a permit.
        // 65 535 tasks parked on the semaphore would cost memory for nothing.
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut checks = JoinSet::new();
        let mut tally = Tally::default();
        let mut queue_shown = false;
        for (i, target) in targets.iter().enumerate() {
            let task = tasks.get(i);
            if permits.available_permits() == 0 && !queue_shown {
                // From here on every target queues (FIFO) for a permit.
                tasks.waiting_from(i, WaitOn::Permit, "all permits held: queues for one");
                queue_shown = true;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            // The slot is taken now, whenever the task first runs.
            task.acquired("permit acquired: connecting");
            task.spawned("spawned with its permit");
            // A pointer to the shared probe: every task carries one, so it
            // is kept small (see `Probe`).
            let probe = probe.clone();
            checks.spawn(async move {
                let _guard = task.guard("aborted before it finished");
                let _permit = permit; // released when this task ends
                task.waiting(
                    WaitOn::Io,
                    "permit acquired, SYN sent: awaiting the handshake",
                );
                // `timeout` wraps the connect future: if it is not ready in
                // time, the connect is dropped (and its socket closed).
                let state = match time::timeout(probe.timeout, probe.connect(&target, &task)).await
                {
                    Ok(Ok(state)) => state,
                    Ok(Err(error)) => {
                        task.failed(format!("connect error: {error}"));
                        return None;
                    }
                    Err(_elapsed) => PortState::Filtered,
                };
                match state {
                    PortState::Open => {
                        task.completed("open: handshake completed");
                        // Said at once: a cancelled scan still lists it.
                        task.recorder().add_finding("open", target.label());
                    }
                    PortState::Closed => task.completed("closed: connection refused (RST)"),
                    PortState::Filtered => task.timed_out(filtered_note),
                    PortState::SelfConnect => {
                        task.completed("closed: the socket connected to itself (discarded)")
                    }
                }
                Some((target, state))
            });
            // Collect what has finished so far, so results do not pile up.
            while let Some(joined) = checks.try_join_next() {
                tally.add(joined);
            }
        }
        // Then the rest, in completion order.
        while let Some(joined) = checks.join_next().await {
            tally.add(joined);
        }
        // ANCHOR_END: core
        let Tally {
            mut open,
            closed,
            filtered,
            mut discarded,
        } = tally;
        // A real scan: its open ports are checked once more, and those
        // that were the scan's own sockets are discarded.
        if let Some(ip) = probe.host {
            let before = open.len();
            let addrs = open.iter().map(|t| SocketAddr::new(ip, t.port)).collect();
            let kept = probe::recheck_ephemeral(&ctx.rec, probe.timeout, addrs).await;
            open.retain(|t| kept.iter().any(|addr| addr.port() == t.port));
            discarded += before - open.len();
            ctx.rec
                .set_metric("false_positives_discarded", discarded as u64);
        }

        // No two targets share a key, so an unstable sort is as good.
        open.sort_unstable_by_key(Target::key);
        // The report is this demo's own code, not a spawned task.
        let report = ctx.rec.future("report");
        report.completed(match open.len() {
            0 => "no port open".to_string(),
            n if n > SHOWN => format!(
                "{n} open: {} and {} more",
                listed(&open[..SHOWN]),
                n - SHOWN
            ),
            n => format!("{n} open: {}", listed(&open)),
        });
        // The whole list, in order, for the summary.
        let all = if open.is_empty() {
            "none".to_string()
        } else {
            listed(&open)
        };
        ctx.rec.set_finding("open", all);
        ctx.rec.set_metric("open_ports", open.len() as u64);
        ctx.rec.set_metric("closed_ports", closed);
        ctx.rec.set_metric("filtered_ports", filtered);
        Ok(())
    }
}

/// How many open ports the `report` lane names.
const SHOWN: usize = 20;

/// The targets' labels, comma-separated: `22, 80, h2:443`.
fn listed(targets: &[Target]) -> String {
    let mut list = String::new();
    for target in targets {
        if !list.is_empty() {
            list.push_str(", ");
        }
        // Writing to a `String` cannot fail.
        let _ = write!(list, "{}", target.label());
    }
    list
}

/// Ports to check: the list `ports` names, or `None` when it is `auto`
/// (then `count` ports, 65 535 to a simulated host).
fn port_list(ctx: &Ctx) -> Result<Option<Vec<u16>>, DemoError> {
    let text = ctx.params.text("ports")?;
    if text == "auto" {
        return Ok(None);
    }
    let ranges = parse_ports(text).map_err(DemoError::Setup)?;
    Ok(Some(ranges.into_iter().flatten().collect()))
}

/// A real scan of `target`: the lab's listeners (unless `lab off`), so
/// there is something to find, and the ports asked for.
async fn real_scan(ctx: &Ctx) -> Result<LabScan, DemoError> {
    let count = ctx.params.usize("count")?;
    let listeners = if ctx.params.choice("lab")? == "on" {
        (count / 10).clamp(1, 20)
    } else {
        0
    };
    let host = ctx.params.text("target")?;
    LabScan::prepare(&ctx.scope, host, listeners, port_list(ctx)?, count).await
}
