//! The scope guard: asynclab sends traffic to loopback only, unless the
//! user started it with `--allow-external`. A lesson file can never switch
//! this on: the flag lives in the process, not in any lesson or `set`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// The addresses a loopback name stands for, answered here without asking
/// any resolver: `localhost` and every name under it (RFC 6761), with or
/// without the final dot, in any case. `None` for every other name.
pub fn loopback_name(host: &str) -> Option<Vec<IpAddr>> {
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    (name == "localhost" || name.ends_with(".localhost")).then(|| {
        vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]
    })
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

    /// Checks a host without resolving it: an address must be in scope; a
    /// name must be a loopback name, unless external targets are allowed
    /// (then it is checked again when it is resolved). For redirect hops.
    pub fn check_host_now(&self, host: &str) -> Result<(), ScopeError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.check_ip(ip);
        }
        if self.allow_external || loopback_name(bare).is_some() {
            Ok(())
        } else {
            Err(ScopeError::External {
                target: format!("{host} (a name other than localhost is not even looked up)"),
            })
        }
    }

    /// Resolves `host` once and checks every address: connect to exactly
    /// what this returns, never to a second lookup of the same name (which
    /// could answer differently). Without `--allow-external` only loopback
    /// names are resolved, here and without a query, so no DNS packet for
    /// an outside name ever leaves the machine.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, ScopeError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.check_ip(ip).map(|()| vec![ip]);
        }
        if let Some(addrs) = loopback_name(bare) {
            return Ok(addrs);
        }
        self.check_host_now(host)?;
        let addrs: Vec<IpAddr> = tokio::net::lookup_host((bare, 0))
            .await
            .map_err(|e| ScopeError::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?
            .map(|a| a.ip())
            .collect();
        if addrs.is_empty() {
            return Err(ScopeError::Resolve {
                host: host.to_string(),
                reason: "no addresses".into(),
            });
        }
        for ip in &addrs {
            self.check_ip(*ip)?;
        }
        Ok(addrs)
    }

    /// [`Scope::resolve`], keeping only the verdict.
    pub async fn check_host(&self, host: &str) -> Result<(), ScopeError> {
        self.resolve(host).await.map(|_| ())
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

    #[tokio::test]
    async fn only_loopback_names_are_resolved_and_without_a_query() {
        let scope = Scope::default();
        for name in [
            "localhost",
            "LOCALHOST.",
            "scanner.localhost",
            "a.b.localhost.",
        ] {
            assert_eq!(
                scope.resolve(name).await.map(|a| a.len()),
                Ok(2),
                "{name}: 127.0.0.1 and ::1"
            );
            assert_eq!(scope.check_host_now(name), Ok(()));
        }
        for name in [
            "example.com",
            "localhost.example.com",
            "notlocalhost",
            "[::ffff:10.0.0.1]",
            "0.0.0.0",
        ] {
            assert!(
                matches!(scope.resolve(name).await, Err(ScopeError::External { .. })),
                "{name} is refused before any lookup"
            );
            assert!(scope.check_host_now(name).is_err(), "{name}");
        }
        let open = Scope {
            allow_external: true,
        };
        assert_eq!(open.check_host_now("example.com"), Ok(()));
        assert_eq!(open.resolve("10.0.0.1").await.map(|a| a.len()), Ok(1));
    }
}
