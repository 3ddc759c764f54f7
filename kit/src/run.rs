//! Runs one demo on one clock and returns its [`Run`].
//!
//! The demo races three things: its own completion, the user's Ctrl-C (a
//! [`CancellationToken`] fired by the interrupt handler) and a watchdog.
//! Whichever wins, every unfinished task is marked at that instant and the
//! partial timeline is kept. A panic anywhere in the demo is caught here and
//! becomes part of the run, never a crash of the REPL.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use thiserror::Error;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::demo::{Ctx, Demo};
use crate::event::{Outcome, Run};
use crate::lab::scope::Scope;
use crate::params::{ParamError, Params};
use crate::recorder::{BetweenParks, Recorder};

/// How many demos are running: while any is, the panic hook records
/// instead of printing. A count, not a flag: with two demos at once (tests
/// run them in parallel) the first to end must not switch the hook off
/// for the other.
static DEMOS_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Installs the process panic hook: inside a demo, a panic message goes to
/// the task's timeline (as a `panicked` event); outside, it is reported as
/// an internal error with what to do.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let message = payload_message(info.payload());
        if DEMOS_RUNNING.load(Ordering::SeqCst) > 0 {
            // Where: the file's name and line are enough to find it in the
            // learner's file (or the demo's), and the path may be long.
            let at = info.location().map_or(String::new(), |l| {
                let file = l.file().rsplit(['/', '\\']).next().unwrap_or(l.file());
                format!(" (at {file}:{})", l.line())
            });
            Recorder::note_panic(format!("{message}{at}"));
        } else {
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "asynclab: internal error: {message}{at}. This is a bug; please report it with the commands that led here."
            );
        }
    }));
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(
        "could not start the {clock} runtime: {source}{}",
        out_of_files(source)
    )]
    Runtime {
        clock: Clock,
        source: std::io::Error,
    },
}

/// What to do when the runtime could not be made for want of descriptors.
fn out_of_files(error: &std::io::Error) -> String {
    if crate::lab::limits::is_out_of_files(error) {
        format!(
            ". The process is out of file descriptors: {}",
            crate::lab::limits::OUT_OF_FILES
        )
    } else {
        String::new()
    }
}

/// Progress of a long run: tasks ended, tasks registered, wall time so far.
#[derive(Clone, Copy, Debug)]
pub struct RunProgress {
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
}

/// Receives progress every 250 ms once a run has lasted a second, then
/// `None` when it ends (to clear the display).
pub type ProgressFn = Arc<dyn Fn(Option<RunProgress>) + Send + Sync>;

/// Reports progress from a side thread, so the demo's runtime never pays
/// for it; stops (and clears) when dropped.
struct Watcher {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    fn start(rec: Recorder, report: ProgressFn) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("asynclab-progress".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut shown = false;
                while !flag.load(Ordering::SeqCst) {
                    std::thread::park_timeout(Duration::from_millis(250));
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    if started.elapsed() >= Duration::from_secs(1) {
                        let (total, done) = rec.progress();
                        report(Some(RunProgress {
                            done,
                            total,
                            elapsed: started.elapsed(),
                        }));
                        shown = true;
                    }
                }
                if shown {
                    report(None);
                }
            })
            .ok();
        Watcher { stop, thread }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// How long a run may take before the watchdog stops it.
pub fn watchdog(clock: Clock) -> Duration {
    match clock {
        // Virtual time is free: an hour of it passes in microseconds, so a
        // deadlocked demo is caught at once.
        Clock::Virtual => Duration::from_secs(3600),
        Clock::Real => Duration::from_secs(120),
    }
}

/// See [`Wiring::on_start`].
pub type OnStart = Box<dyn FnOnce(&Recorder)>;

/// Extra wiring for one run. The default is a built-in demo's; a
/// learner's program in its child process (see [`crate::child`]) asks for
/// its tokio tasks' lanes and a recorder that reads tokio's clock at every
/// event, since its code may move that clock.
#[derive(Default)]
pub struct Wiring {
    /// Gives plain tokio tasks lanes of their own through tokio's task
    /// hooks (only where they are compiled in: `--cfg tokio_unstable`).
    pub tokio_lanes: bool,
    /// Called with the run's recorder before the demo starts: the child
    /// starts streaming events from here.
    pub on_start: Option<OnStart>,
    /// The demo may move tokio's clock itself (`tokio::time::advance`,
    /// `pause`, `resume`), as a learner's program may: the recorder then
    /// reads tokio's clock at every event. The built-in demos never do, so
    /// their recorder reads it more cheaply (see [`Recorder::between_parks`]).
    pub moves_clock: bool,
}

/// Runs `demo` with `params`, cancelled early if `cancel` fires.
pub fn run(
    demo: &dyn Demo,
    params: &Params,
    scope: Scope,
    cancel: &CancellationToken,
    progress: Option<ProgressFn>,
) -> Result<Run, RunError> {
    run_wired(demo, params, scope, cancel, progress, Wiring::default())
}

/// [`run`], with the extra [`Wiring`] a child process needs.
pub fn run_wired(
    demo: &dyn Demo,
    params: &Params,
    scope: Scope,
    cancel: &CancellationToken,
    progress: Option<ProgressFn>,
    wiring: Wiring,
) -> Result<Run, RunError> {
    let clock = params.clock()?;
    let seed = params.int("seed")?;
    let mut builder = clock.builder(demo.info().single_thread);
    let slot = Arc::new(OnceLock::new());
    let hooked = wiring.tokio_lanes && crate::hooks::install(&mut builder, slot.clone());
    let parks = (clock == Clock::Virtual && !wiring.moves_clock).then(|| {
        // The virtual clock moves only while the runtime parks.
        let parks = BetweenParks::new();
        let unparked = parks.clone();
        builder.on_thread_unpark(move || unparked.forget());
        parks
    });
    let runtime = builder
        .build()
        .map_err(|source| RunError::Runtime { clock, source })?;

    // The recorder must read the runtime's clock, so it is made inside it.
    let rec = {
        let _inside = runtime.enter();
        match parks {
            Some(parks) => Recorder::between_parks(parks),
            None if clock == Clock::Real && !wiring.moves_clock => Recorder::on_wall_clock(),
            None => Recorder::new(),
        }
    };
    if hooked {
        rec.track_tokio_tasks();
        let _ = slot.set(rec.clone());
    }
    if clock == Clock::Real {
        rec.set_metric(crate::event::REAL_CLOCK_METRIC, 1);
    }
    if let Some(on_start) = wiring.on_start {
        on_start(&rec);
    }
    let ctx = Ctx {
        params: params.clone(),
        rec: rec.clone(),
        clock,
        seed,
        scope,
    };

    let watcher = progress.map(|report| Watcher::start(rec.clone(), report));
    DEMOS_RUNNING.fetch_add(1, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            // Pinned out here, so `select!` only borrows it: `select!` drops
            // its branch futures before running the winning branch, and the
            // demo must still be alive while its unfinished tasks are marked
            // (otherwise their own drop guards would speak first).
            let mut demo_run = std::pin::pin!(tokio::time::timeout(watchdog(clock), demo.run(ctx)));
            // `biased`: check Ctrl-C first, so a cancelled run stops even if
            // the demo is ready at the same instant.
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    rec.cancel_unfinished("Ctrl-C: the run was cancelled, this task dropped");
                    Outcome::Cancelled { at_ns: rec.now_ns() }
                }
                result = &mut demo_run => match result {
                    Ok(Ok(())) => Outcome::Finished,
                    Ok(Err(error)) => {
                        rec.cancel_unfinished("the demo stopped with an error");
                        Outcome::Failed { message: error.to_string() }
                    }
                    Err(_) => {
                        rec.cancel_unfinished("stopped by the watchdog");
                        Outcome::Watchdog { at_ns: rec.now_ns() }
                    }
                },
            }
        })
    }));
    DEMOS_RUNNING.fetch_sub(1, Ordering::SeqCst);
    drop(watcher);
    let outcome = result.unwrap_or_else(|payload| Outcome::Failed {
        message: format!(
            "the demo panicked: {}",
            // The hook's words (with where), else the payload's.
            Recorder::take_panic_message().unwrap_or_else(|| payload_message(payload.as_ref()))
        ),
    });
    // Tasks still alive (a blocking call, a cancelled scan) get a moment to
    // stop; the REPL does not wait on them longer than that.
    runtime.shutdown_timeout(Duration::from_millis(500));
    Ok(rec.finish(outcome))
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::demo::{Ctx, DemoError, DemoInfo};
    use crate::event::WaitOn;
    use crate::params::ParamSpec;

    static NO_PARAMS: &[ParamSpec] = &[];

    /// A demo that never finishes: one task waits forever.
    struct Hangs;
    static HANGS: DemoInfo = DemoInfo {
        name: "hangs",
        title: "",
        about: "",
        params: NO_PARAMS,
        source: "",
        single_thread: false,
    };

    #[async_trait]
    impl Demo for Hangs {
        fn info(&self) -> &'static DemoInfo {
            &HANGS
        }
        async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
            let task = ctx.rec.task("stuck");
            let _guard = task.guard("dropped");
            task.waiting(WaitOn::Lock, "a lock nobody releases");
            std::future::pending::<()>().await;
            Ok(())
        }
    }

    /// A demo that panics outside any spawned task.
    struct Panics;
    static PANICS: DemoInfo = DemoInfo {
        name: "panics",
        title: "",
        about: "",
        params: NO_PARAMS,
        source: "",
        single_thread: false,
    };

    #[async_trait]
    impl Demo for Panics {
        fn info(&self) -> &'static DemoInfo {
            &PANICS
        }
        async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
            ctx.rec.task("before").completed("fine");
            panic!("the demo's own code crashed");
        }
    }

    #[test]
    fn the_watchdog_stops_a_demo_that_never_finishes() {
        let params = Params::defaults(NO_PARAMS).expect("no parameters of its own");
        let run = run(
            &Hangs,
            &params,
            Scope::default(),
            &CancellationToken::new(),
            None,
        )
        .expect("runs");
        // Virtual time: the hour passes instantly.
        assert_eq!(
            run.outcome,
            Outcome::Watchdog {
                at_ns: 3_600_000_000_000
            }
        );
        let last = run.events.last().expect("events");
        assert_eq!(last.kind, crate::event::EventKind::Cancelled);
        assert_eq!(run.note(&last), "stopped by the watchdog");
    }

    #[test]
    fn a_panic_outside_tasks_becomes_a_failed_run_not_a_crash() {
        install_panic_hook();
        let params = Params::defaults(NO_PARAMS).expect("no parameters of its own");
        let run = run(
            &Panics,
            &params,
            Scope::default(),
            &CancellationToken::new(),
            None,
        )
        .expect("runs");
        // The message, and where in the demo's file it panicked.
        let Outcome::Failed { message } = &run.outcome else {
            panic!("not a failed run: {:?}", run.outcome);
        };
        assert!(
            message.starts_with("the demo panicked: the demo's own code crashed (at run.rs:"),
            "{message}"
        );
        assert_eq!(
            run.tasks.len(),
            1,
            "what was recorded before the panic is kept"
        );
    }

    #[test]
    fn a_cancelled_token_stops_the_run_at_once() {
        let params = Params::defaults(NO_PARAMS).expect("no parameters of its own");
        let token = CancellationToken::new();
        token.cancel();
        let run = run(&Hangs, &params, Scope::default(), &token, None).expect("runs");
        assert!(matches!(run.outcome, Outcome::Cancelled { .. }));
    }
}
