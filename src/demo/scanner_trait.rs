//! # Async traits: one scanner interface, two implementations
//!
//! A tool should not care *how* a port is probed: simulated for a dry run,
//! a real TCP connect on the job. So the scanning loop talks to a trait,
//! `PortScanner`, and the implementation is chosen at run time
//! (`set scanner simulated|tcp`) as a `Box<dyn PortScanner>`.
//!
//! Why the `#[async_trait]` attribute? Since Rust 1.75 a trait may declare
//! `async fn` directly, and that is the best choice with generics
//! (`fn scan<S: PortScanner>(s: &S)`): the compiler knows each
//! implementation's future type. But `dyn PortScanner` erases the type, and
//! a trait whose method returns an unnamed future is not dyn-compatible.
//! `#[async_trait]` rewrites `async fn probe(..) -> State` into a method
//! returning `Pin<Box<dyn Future<Output = State> + Send + '_>>`: one heap
//! allocation per call buys choosing the implementation at run time.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, stream};
use tokio::net::TcpStream;
use tokio::time;

use asynclab_kit::lab::tcp::{ListenerFarm, closed_ports};
use asynclab_kit::{Clock, Ctx, Demo, DemoError, DemoInfo, ParamSpec, Sim, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "scanner-trait",
    title: "Async traits: one Scanner, two implementations",
    about: "a PortScanner trait with a simulated and a TCP connect implementation, chosen at run time through dyn",
    params: &[
        ParamSpec::choice(
            "scanner",
            &["simulated", "tcp"],
            "simulated",
            "which implementation to use (tcp needs clock real)",
        ),
        ParamSpec::int("count", 2, 512, "20", "ports to probe"),
        ParamSpec::int("concurrency", 1, 512, "5", "probes in flight at once"),
        ParamSpec::duration("latency", "50ms", "simulated: typical probe time"),
    ],
    source: include_str!("scanner_trait.rs"),
    single_thread: false,
};

// ANCHOR: core
/// What any scanner must be able to do.
#[async_trait]
trait PortScanner: Send + Sync {
    fn name(&self) -> &'static str;
    /// True if the port is open.
    async fn probe(&self, port: u16) -> bool;
}
// ANCHOR_END: core

/// Pretends: every fifth port is open, answers take a seeded latency.
struct Simulated {
    seed: u64,
    latency: Duration,
}

#[async_trait]
impl PortScanner for Simulated {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn probe(&self, port: u16) -> bool {
        time::sleep(Sim::new(self.seed, u64::from(port)).latency(self.latency)).await;
        port.is_multiple_of(5)
    }
}

/// Really connects, to 127.0.0.1 only.
struct TcpConnect {
    timeout: Duration,
}

#[async_trait]
impl PortScanner for TcpConnect {
    fn name(&self) -> &'static str {
        "tcp connect"
    }

    async fn probe(&self, port: u16) -> bool {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        matches!(
            time::timeout(self.timeout, TcpStream::connect(addr)).await,
            Ok(Ok(_))
        )
    }
}

pub struct ScannerTrait;

#[async_trait]
impl Demo for ScannerTrait {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        // The choice happens here, at run time; the loop below never knows.
        let (scanner, ports, _farm): (Box<dyn PortScanner>, Vec<u16>, _) =
            match ctx.params.choice("scanner")? {
                "tcp" => {
                    if ctx.clock == Clock::Virtual {
                        return Err(DemoError::Setup(
                            "the tcp scanner makes real connections: `set clock real`".into(),
                        ));
                    }
                    let farm = ListenerFarm::start(count / 5).await?;
                    let mut ports = farm.ports().to_vec();
                    ports.extend(closed_ports(count - ports.len()).await?);
                    ports.sort_unstable();
                    (
                        Box::new(TcpConnect {
                            timeout: Duration::from_millis(500),
                        }),
                        ports,
                        Some(farm),
                    )
                }
                _ => {
                    let latency = ctx.params.duration("latency")?;
                    (
                        Box::new(Simulated {
                            seed: ctx.seed,
                            latency,
                        }),
                        (1..=count as u16).collect(),
                        None,
                    )
                }
            };

        let scanner: &dyn PortScanner = scanner.as_ref();
        let probes = ports
            .into_iter()
            .map(|port| probe(ctx.rec.future(format!("port-{port}")), scanner, port));
        let open: Vec<bool> = stream::iter(probes)
            .buffer_unordered(ctx.params.usize("concurrency")?)
            .collect()
            .await;
        ctx.rec
            .set_metric("open_ports", open.iter().filter(|o| **o).count() as u64);
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
async fn probe(task: TaskRec, scanner: &dyn PortScanner, port: u16) -> bool {
    let _guard = task.guard("dropped");
    task.waiting(WaitOn::Io, format!("{} probe", scanner.name()));
    let open = scanner.probe(port).await;
    task.completed(if open { "open" } else { "closed" });
    open
}
// ANCHOR_END: core
