//! The scope guard: asynclab sends traffic to loopback only, unless the
//! user started it with `--allow-external`. A lesson file can never switch
//! this on: the flag lives in the process, not in any lesson or `set`.

use std::net::{IpAddr, Ipv6Addr};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "refusing to touch {target}: it is not on this machine's loopback (127.0.0.0/8 or ::1). \
         Scan only what you own; start asynclab with --allow-external to target other hosts"
    )]
    External { target: String },
    #[error("cannot resolve host '{host}': {reason}")]
    Resolve { host: String, reason: String },
}

/// Where traffic may go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub allow_external: bool,
}

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::LOCALHOST || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Scope {
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ScopeError> {
        if self.allow_external || is_loopback(ip) {
            Ok(())
        } else {
            Err(ScopeError::External {
                target: ip.to_string(),
            })
        }
    }

    /// Checks a host name or address. A name must resolve to loopback
    /// addresses *only*: one external address is enough to refuse it.
    pub async fn check_host(&self, host: &str) -> Result<(), ScopeError> {
        if self.allow_external {
            return Ok(());
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.check_ip(ip);
        }
        let addrs: Vec<_> = tokio::net::lookup_host((bare, 0))
            .await
            .map_err(|e| ScopeError::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(ScopeError::Resolve {
                host: host.to_string(),
                reason: "no addresses".into(),
            });
        }
        match addrs.iter().find(|a| !is_loopback(a.ip())) {
            Some(external) => Err(ScopeError::External {
                target: format!("{host} ({})", external.ip()),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses() {
        let cases = [
            ("127.0.0.1", true),
            ("127.255.0.9", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", false),
            ("10.0.0.1", false),
            ("192.168.1.1", false),
            ("0.0.0.0", false),
            ("::", false),
            ("8.8.8.8", false),
            ("2001:db8::1", false),
        ];
        for (ip, want) in cases {
            let ip: IpAddr = ip.parse().expect("test address");
            assert_eq!(is_loopback(ip), want, "{ip}");
            assert_eq!(Scope::default().check_ip(ip).is_ok(), want, "{ip}");
            assert!(
                Scope {
                    allow_external: true
                }
                .check_ip(ip)
                .is_ok()
            );
        }
    }

    #[tokio::test]
    async fn host_names() {
        let scope = Scope::default();
        assert_eq!(scope.check_host("localhost").await, Ok(()));
        assert_eq!(scope.check_host("127.0.0.1").await, Ok(()));
        assert_eq!(scope.check_host("[::1]").await, Ok(()));
        assert!(matches!(
            scope.check_host("10.1.2.3").await,
            Err(ScopeError::External { .. })
        ));
        // A name that cannot resolve here is refused, never waved through.
        assert!(scope.check_host("no-such-host.invalid").await.is_err());
    }
}
