//! Ctrl-C: cancels the running demo, never the REPL.
//!
//! A background thread listens for SIGINT for the whole process. While a
//! demo runs, the session has *armed* a [`CancellationToken`] and the
//! signal fires it; the runner then marks the unfinished tasks cancelled
//! and the prompt comes back. At an interactive prompt rustyline reads
//! Ctrl-C as a key (raw mode), so no signal arrives there. Otherwise, with
//! nothing armed (piped input, `replay`), Ctrl-C ends the program with
//! status 130, as a shell user expects. SIGTERM and SIGHUP end it with 143
//! and 129, after killing the process groups of its children (a build's
//! rustc, a learner's program), which would otherwise run on alone.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// A handle on the process's Ctrl-C; clones share it.
#[derive(Clone, Default)]
pub struct Interrupts {
    armed: Arc<Mutex<Option<CancellationToken>>>,
}

impl Interrupts {
    /// Listens for Ctrl-C. With `exit_when_idle`, a Ctrl-C while nothing is
    /// armed exits with status 130; without it, such a Ctrl-C is ignored.
    pub fn install(exit_when_idle: bool) -> Interrupts {
        let interrupts = Interrupts::default();
        let armed = interrupts.armed.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("asynclab-ctrl-c".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async {
                    // Creating the stream registers the handler right away;
                    // `install` waits for that, so no Ctrl-C falls through to
                    // the default action (exit) in the meantime.
                    let Ok(mut sigint) = signal(SignalKind::interrupt()) else {
                        return;
                    };
                    // Told to end (kill, a closed terminal): take every
                    // child's process group along, then exit as the signal
                    // would have.
                    let mut sigterm = signal(SignalKind::terminate()).ok();
                    let mut sighup = signal(SignalKind::hangup()).ok();
                    let _ = ready_tx.send(());
                    loop {
                        tokio::select! {
                            got = sigint.recv() => {
                                if got.is_none() {
                                    return;
                                }
                                match lock(&armed).as_ref() {
                                    Some(token) => token.cancel(),
                                    None if exit_when_idle => std::process::exit(130),
                                    None => {}
                                }
                            }
                            Some(()) = ended(&mut sigterm) => end(143),
                            Some(()) = ended(&mut sighup) => end(129),
                        }
                    }
                });
            });
        if spawned.is_ok() {
            // If registration failed, Ctrl-C keeps its default meaning
            // (exit), which is still safe.
            let _ = ready_rx.recv_timeout(std::time::Duration::from_secs(2));
        }
        interrupts
    }

    /// A token that Ctrl-C cancels until the returned guard is dropped.
    pub fn arm(&self) -> Armed {
        let token = CancellationToken::new();
        *lock(&self.armed) = Some(token.clone());
        Armed {
            interrupts: self.clone(),
            token,
        }
    }
}

/// The next delivery of a signal that may not have been registered.
async fn ended(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

/// Kills every child's process group and exits with `status`.
fn end(status: i32) -> ! {
    asynclab_kit::lab::children::kill_all_groups();
    std::process::exit(status)
}

fn lock(m: &Mutex<Option<CancellationToken>>) -> MutexGuard<'_, Option<CancellationToken>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Disarms on drop: after the demo, Ctrl-C means what it meant before.
pub struct Armed {
    interrupts: Interrupts,
    pub token: CancellationToken,
}

impl Drop for Armed {
    fn drop(&mut self) {
        *lock(&self.interrupts.armed) = None;
    }
}
