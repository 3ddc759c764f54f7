//! A farm of TCP listeners on 127.0.0.1: the open ports a scan should find.
//! Some send a banner, as an SSH or SMTP server would. Dropping the farm
//! closes every listener (the accept loops live in a `JoinSet`, which aborts
//! its tasks on drop).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub struct ListenerFarm {
    ports: Vec<u16>,
    /// The accept loops; dropping the set aborts them and closes the ports.
    _accept_loops: JoinSet<()>,
}

impl ListenerFarm {
    /// Opens `count` listeners on ephemeral loopback ports. Every other one
    /// greets a connection with a banner line; every third of those is slow
    /// about it (200 ms), like a service doing a reverse DNS lookup first.
    pub async fn start(count: usize) -> io::Result<ListenerFarm> {
        let mut ports = Vec::with_capacity(count);
        let mut loops = JoinSet::new();
        for i in 0..count {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            ports.push(listener.local_addr()?.port());
            let banner = (i % 2 == 0).then(|| format!("SSH-2.0-asynclab-lab-{i}\r\n"));
            let delay = Duration::from_millis(if i % 6 == 0 { 200 } else { 0 });
            loops.spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    if let Some(banner) = banner.clone() {
                        // Answer on its own task: a slow banner must not
                        // hold up the next accept.
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let _ = stream.write_all(banner.as_bytes()).await;
                        });
                    }
                }
            });
        }
        ports.sort_unstable();
        Ok(ListenerFarm {
            ports,
            _accept_loops: loops,
        })
    }

    pub fn ports(&self) -> &[u16] {
        &self.ports
    }
}

/// Ports that were free a moment ago: bind to port 0, note the port, close.
/// Connecting to them is refused, so they are known-closed targets. Binds
/// 64 at a time so a low descriptor limit is never exceeded, and skips
/// repeats (a port freed by one batch may be handed out again).
pub async fn closed_ports(count: usize) -> io::Result<Vec<u16>> {
    let mut ports = std::collections::BTreeSet::new();
    let mut attempts = 0;
    while ports.len() < count {
        attempts += 1;
        if attempts > count + 100 {
            return Err(io::Error::other(
                "could not find enough free ports on 127.0.0.1",
            ));
        }
        let mut batch = Vec::with_capacity(64);
        for _ in 0..(count - ports.len()).min(64) {
            batch.push(TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?);
        }
        for listener in &batch {
            ports.insert(listener.local_addr()?.port());
        }
    }
    Ok(ports.into_iter().take(count).collect())
}
