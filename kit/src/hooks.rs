//! Lanes for plain tokio code: tokio's runtime task hooks (an unstable API,
//! compiled only with `--cfg tokio_unstable`, which the learner's workspace
//! sets in its `.cargo/config.toml`) report every task's spawn, first poll
//! and end to the [`Recorder`]. Without that cfg, [`install`] does nothing
//! and says so.

use std::sync::{Arc, OnceLock};

use tokio::runtime::Builder;

use crate::recorder::Recorder;

/// Wires the hooks into `builder`; they report to the recorder put in
/// `slot` once the runtime exists. Returns false where the hooks are not
/// compiled in.
#[cfg(tokio_unstable)]
pub fn install(builder: &mut Builder, slot: Arc<OnceLock<Recorder>>) -> bool {
    let spawned = slot.clone();
    let polled = slot.clone();
    builder
        .on_task_spawn(move |meta| {
            if let Some(rec) = spawned.get() {
                let at = meta.spawned_at();
                // The file name is enough to find the line in the learner's file.
                let file = at.file().rsplit('/').next().unwrap_or(at.file());
                rec.tokio_spawned(meta.id(), &format!("{file}:{}", at.line()));
            }
        })
        .on_before_task_poll(move |meta| {
            if let Some(rec) = polled.get() {
                rec.tokio_polled(meta.id());
            }
        })
        .on_task_terminate(move |meta| {
            if let Some(rec) = slot.get() {
                rec.tokio_ended(meta.id());
            }
        });
    true
}

#[cfg(not(tokio_unstable))]
pub fn install(_builder: &mut Builder, _slot: Arc<OnceLock<Recorder>>) -> bool {
    false
}
