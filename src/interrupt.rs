//! Ctrl-C: cancels the running demo, never the REPL.
//!
//! A background thread listens for SIGINT for the whole process. While a
//! demo runs, the session has *armed* a [`CancellationToken`] and the
//! signal fires it; the runner then marks the unfinished tasks cancelled
//! and the prompt comes back. At an interactive prompt rustyline reads
//! Ctrl-C as a key (raw mode), so no signal arrives there. Otherwise, with
//! nothing armed (piped input, `replay`), Ctrl-C ends the program with
//! status 130, as a shell user expects.

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
                    let _ = ready_tx.send(());
                    while sigint.recv().await.is_some() {
                        match lock(&armed).as_ref() {
                            Some(token) => token.cancel(),
                            None if exit_when_idle => std::process::exit(130),
                            None => {}
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
