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
        let listener = std::thread::Builder::new()
            .name("asynclab-ctrl-c".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async {
                    while tokio::signal::ctrl_c().await.is_ok() {
                        match lock(&armed).as_ref() {
                            Some(token) => token.cancel(),
                            None if exit_when_idle => std::process::exit(130),
                            None => {}
                        }
                    }
                });
            });
        // Without the listener Ctrl-C keeps its default meaning (exit),
        // which is still safe; nothing to report.
        drop(listener);
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
