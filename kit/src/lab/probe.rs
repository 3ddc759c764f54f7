//! The real network side of a port check, kept out of the demo so the
//! demo reads as the lesson (a task per port under a `Semaphore`): one
//! connect and what it means, the descriptor seatbelt, the lab's targets
//! for a scan, and the re-check that removes loopback artefacts.
//!
//! On loopback a connect can succeed without any listener: the kernel may
//! connect a socket *to itself* (its local port happens to be the port it
//! dials), or two of our own sockets may dial each other (a "simultaneous
//! open"). Both look exactly like an open port. A self-connect is seen on
//! the spot; every open port in the ephemeral range is checked once more,
//! alone, after the scan: with no other socket of ours in flight, a
//! simultaneous open cannot happen.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::{self, AddressFamily, SocketFlags, SocketType, sockopt};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time;

use super::limits::ephemeral_ports;
use super::scope::Scope;
use super::tcp::{ListenerFarm, closed_ports};
use crate::demo::DemoError;
use crate::event::WaitOn;
use crate::recorder::{Recorder, TaskRec};

/// What a connect told us about one port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortState {
    Open,
    Closed,
    /// No answer before the deadline (the caller's timeout decides).
    Filtered,
    /// A loopback artefact, not a listener: the socket reached itself.
    SelfConnect,
}

/// One real connect to `addr`: open, closed (refused), or a self-connect.
/// With `banner`, an open port is read for up to that long and what it
/// says first becomes a note on `task`.
pub async fn connect(
    addr: SocketAddr,
    banner: Option<Duration>,
    task: &TaskRec,
) -> io::Result<PortState> {
    let socket = match connect_retrying(addr, task).await? {
        Connect::Refused => return Ok(PortState::Closed),
        Connect::Done(socket) => socket,
    };
    // The kernel connected this socket to itself: no listener exists.
    if is_self(&socket)? {
        return Ok(PortState::SelfConnect);
    }
    if let Some(wait) = banner {
        let mut stream = TcpStream::from_std(std::net::TcpStream::from(socket))?;
        let mut buf = [0u8; 128];
        match time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => task.note(format!(
                "banner: {}",
                String::from_utf8_lossy(&buf[..n]).trim()
            )),
            _ => task.note(format!("no banner within {}ms", wait.as_millis())),
        }
    }
    Ok(PortState::Open)
}

/// The socket's two ends are one address: it dialled itself.
fn is_self(socket: &OwnedFd) -> io::Result<bool> {
    Ok(net::getpeername(socket)?.is_some_and(|peer| Ok(peer) == net::getsockname(socket)))
}

/// How a connect ended: refused, or connected (the socket, non-blocking).
enum Connect {
    Refused,
    Done(OwnedFd),
}

/// `connect` without the reactor when the answer is already there. On
/// loopback the kernel usually completes the handshake, or receives the
/// reset, before `connect()` even returns, so one `SO_ERROR` read settles
/// it: no registration with epoll and no removal, two syscalls a port
/// fewer. Only a connect still in flight is handed to tokio to wait on.
async fn connect_once(addr: SocketAddr) -> io::Result<Connect> {
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let socket = net::socket_with(family, SocketType::STREAM, flags, None)?;
    match net::connect(&socket, &addr) {
        Ok(()) => return Ok(Connect::Done(socket)),
        Err(Errno::CONNREFUSED) => return Ok(Connect::Refused),
        Err(Errno::INPROGRESS) => {}
        Err(e) => return Err(e.into()),
    }
    if let Some(settled) = settled(&socket)? {
        return settled.map(|()| Connect::Done(socket));
    }
    // Still in flight: wait for it the usual way, on the reactor.
    let stream = TcpStream::from_std(std::net::TcpStream::from(socket))?;
    stream.writable().await?;
    match stream.take_error()? {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => Ok(Connect::Refused),
        Some(e) => Err(e),
        None => Ok(Connect::Done(stream.into_std()?.into())),
    }
}

/// Whether a connect in progress has ended: refused, connected, or an
/// error, or `None` while the handshake is still under way.
fn settled(socket: &OwnedFd) -> io::Result<Option<io::Result<()>>> {
    match sockopt::socket_error(socket)? {
        Err(Errno::CONNREFUSED) => Ok(Some(Err(io::ErrorKind::ConnectionRefused.into()))),
        Err(e) => Ok(Some(Err(e.into()))),
        // A peer means connected; none yet means still connecting.
        Ok(()) => match net::getpeername(socket) {
            Ok(Some(_)) => Ok(Some(Ok(()))),
            Ok(None) | Err(Errno::NOTCONN) => Ok(None),
            Err(e) => Err(e.into()),
        },
    }
}

/// [`connect_once`], waiting briefly if the process is out of
/// descriptors. The concurrency cap should prevent that; this is the
/// seatbelt, not the plan.
async fn connect_retrying(addr: SocketAddr, task: &TaskRec) -> io::Result<Connect> {
    for _ in 0..50 {
        match connect_once(addr).await {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Ok(Connect::Refused),
            Err(e) if super::limits::is_out_of_files(&e) => {
                task.waiting(WaitOn::Timer, "out of file descriptors: retrying in 20ms");
                time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
    connect_once(addr).await
}

/// Where a real scan goes: one host's address and the ports to check on
/// it, and the lab's listeners (kept open while the farm lives) so there
/// is something to find.
pub struct LabScan {
    pub ip: IpAddr,
    pub ports: Vec<u16>,
    pub farm: ListenerFarm,
}

impl LabScan {
    /// `host` resolved once through the scope (the connect goes to exactly
    /// the address checked), with `listeners` lab listeners. `ports`:
    /// exactly those, or (`None`) the lab's plus as many known to be
    /// closed, `count` in all (at most 1024).
    pub async fn prepare(
        scope: &Scope,
        host: &str,
        listeners: usize,
        ports: Option<Vec<u16>>,
        count: usize,
    ) -> Result<LabScan, DemoError> {
        let host = host.trim();
        let ip: IpAddr = scope
            .resolve(host)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| DemoError::Setup(format!("'{host}' has no address")))?;
        let farm = ListenerFarm::start(listeners).await?;
        let ports = match ports {
            Some(ports) => ports,
            None => {
                if count > 1024 {
                    return Err(DemoError::Setup("with ports auto, count is at most 1024 on the real clock: `set ports 1-65535` to scan everything".into()));
                }
                let mut ports = farm.ports().to_vec();
                ports.extend(closed_ports(count.saturating_sub(ports.len())).await?);
                ports.sort_unstable();
                ports
            }
        };
        Ok(LabScan { ip, ports, farm })
    }
}

/// Checks every open port in the ephemeral range once more, one at a
/// time, each as its own `recheck-<port>` task, keeping only those still
/// open.
pub async fn recheck_ephemeral(
    rec: &Recorder,
    timeout: Duration,
    open: Vec<SocketAddr>,
) -> Vec<SocketAddr> {
    let ephemeral = ephemeral_ports();
    let mut kept = Vec::with_capacity(open.len());
    for addr in open {
        if !ephemeral.contains(&addr.port()) {
            kept.push(addr);
            continue;
        }
        let task = rec.task(format!("recheck-{}", addr.port()));
        task.waiting(
            WaitOn::Io,
            "open port in the ephemeral range: checking again, alone",
        );
        match time::timeout(timeout, connect(addr, None, &task)).await {
            Ok(Ok(PortState::Open)) => {
                task.completed("still open: a real listener");
                kept.push(addr);
            }
            _ => task.completed("not open on its own: a loopback artefact, discarded"),
        }
    }
    kept
}
