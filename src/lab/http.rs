//! A small HTTP server on 127.0.0.1 for the fetch demos:
//! `/delay/{ms}` answers after `ms`, `/status/{code}` answers with that
//! status, `/bytes/{n}` sends `n` bytes, `/redirect/{n}` redirects `n` times.
//! It runs on the caller's runtime and stops when the [`HttpLab`] is dropped.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::scope::Scope;

/// Upper bounds, so a URL can never make the lab sleep or allocate forever.
const MAX_DELAY_MS: u64 = 60_000;
const MAX_BYTES: usize = 16 * 1024 * 1024;
const MAX_REDIRECTS: u32 = 20;

pub struct HttpLab {
    addr: SocketAddr,
    /// Dropping this sender tells the server to shut down gracefully.
    _shutdown: oneshot::Sender<()>,
}

impl HttpLab {
    pub async fn start() -> io::Result<HttpLab> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/delay/{ms}", get(delay))
            .route("/status/{code}", get(status))
            .route("/bytes/{n}", get(bytes))
            .route("/redirect/{n}", get(redirect));
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(HttpLab {
            addr,
            _shutdown: tx,
        })
    }

    /// `http://127.0.0.1:PORT{path}`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

async fn delay(Path(ms): Path<u64>) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms.min(MAX_DELAY_MS))).await;
    "ok\n"
}

async fn status(Path(code): Path<u16>) -> Response {
    match StatusCode::from_u16(code) {
        Ok(code) => (code, format!("status {code}\n")).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "status must be 100-999\n").into_response(),
    }
}

async fn bytes(Path(n): Path<usize>) -> Vec<u8> {
    vec![b'x'; n.min(MAX_BYTES)]
}

async fn redirect(Path(n): Path<u32>) -> Response {
    match n.min(MAX_REDIRECTS) {
        0 => "arrived\n".into_response(),
        left => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("/redirect/{}", left - 1))],
        )
            .into_response(),
    }
}

/// reqwest is built with rustls but no crypto provider compiled in by
/// default; install `ring` once per process before the first client.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed: that is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The one way asynclab builds an HTTP client: every address it may reach
/// is checked against `scope`, whatever a URL, a server or the environment
/// says.
///
/// - Names go through [`ScopedResolver`]: resolved once and checked, and
///   without `--allow-external` only loopback names, with no query at all.
/// - Every redirect hop is checked before it is followed (a loopback server
///   may answer `302 Location: http://10.0.0.1/`); `on_redirect` counts it.
/// - `http_proxy`, `HTTPS_PROXY`, `ALL_PROXY` … are ignored: lab and
///   loopback traffic must never be handed to a proxy elsewhere.
pub fn scoped_client(
    scope: Scope,
    on_redirect: impl Fn() + Send + Sync + 'static,
) -> Result<reqwest::Client, reqwest::Error> {
    install_tls_provider();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > 10 {
            return attempt.error("more than 10 redirects");
        }
        let host = attempt.url().host_str().unwrap_or_default().to_string();
        match scope.check_host_now(&host) {
            Ok(()) => {
                on_redirect();
                attempt.follow()
            }
            Err(refused) => attempt.error(format!("redirect refused: {refused}")),
        }
    });
    reqwest::Client::builder()
        .redirect(policy)
        .no_proxy()
        .dns_resolver(ScopedResolver(scope))
        .build()
}

/// reqwest's name resolution, through [`Scope::resolve`].
struct ScopedResolver(Scope);

impl reqwest::dns::Resolve for ScopedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let scope = self.0;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = scope.resolve(&host).await?;
            // Port 0: reqwest puts in the URL's port.
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}
