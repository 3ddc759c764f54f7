//! The lab: real targets on loopback, so real-clock demos need no internet
//! and never touch anyone else's machine.
//!
//! - [`tcp::ListenerFarm`]: open ports to find (some with a banner).
//! - [`http::HttpLab`]: `/delay/{ms}`, `/status/{code}`, `/bytes/{n}`,
//!   `/redirect/{n}`.
//! - [`scope`]: the guard that refuses targets outside loopback.
//!
//! Every target binds `127.0.0.1:0` and stops through a drop guard. This
//! module imports nothing else from the crate.

pub mod http;
// What demos touch themselves lives in `asynclab-kit`, so a learner's copy
// of a demo builds against the same code.
pub use asynclab_kit::lab::{limits, scope, tcp};
