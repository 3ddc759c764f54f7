//! The `main` of a learner's program: asynclab builds the learner's file
//! into a small binary whose `main` calls [`main`], runs it as a child
//! process, and reads the run back from its stdout ([`crate::stream`]).
//!
//! The child owns its runtime (virtual: current-thread, paused, seeded;
//! real: multi-thread), exactly as a built-in demo gets it. The parent owns
//! the wall-clock watchdog, Ctrl-C and the kill, so a deadlock or a
//! `std::thread::sleep` in the learner's code never reaches the REPL.
//!
//! Arguments: `--set NAME=VALUE` (any parameter, `clock` and `seed`
//! included), `--allow-external`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::demo::Demo;
use crate::event::{EventText, Outcome, Run, TaskId, TaskInfo};
use crate::lab::scope::Scope;
use crate::params::Params;
use crate::recorder::{Cursor, Recorder};
use crate::run::{Wiring, install_panic_hook, run_wired};
use crate::stream::{Message, STREAM_VERSION};

/// How often streamed events are flushed to the parent.
const FLUSH_EVERY: Duration = Duration::from_millis(20);

/// Runs `demo` as asynclab's child: parse the arguments, run once, stream
/// the timeline to stdout. Exit 0 when the run was recorded (whatever its
/// outcome), 2 when the arguments were wrong.
pub fn main(demo: &dyn Demo) -> ExitCode {
    let (params, scope) = match parse_args(demo, std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("asynclab-kit: {message}");
            return ExitCode::from(2);
        }
    };
    // Die with asynclab, even if it is killed with SIGKILL, and take along
    // whatever this program started: a learner's program and its children
    // are never left running on their own.
    watch_parent();
    install_panic_hook();
    send(&[Message::Hello {
        version: STREAM_VERSION,
        demo: demo.info().name.to_string(),
    }]);

    let streamer: Arc<Mutex<Option<Streamer>>> = Arc::new(Mutex::new(None));
    let slot = streamer.clone();
    let wiring = Wiring {
        tokio_lanes: true,
        // A learner's code may call `tokio::time::advance`.
        moves_clock: true,
        on_start: Some(Box::new(move |rec: &Recorder| {
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(Streamer::start(rec.clone()));
            }
        })),
    };
    let result = run_wired(
        demo,
        &params,
        scope,
        &CancellationToken::new(),
        None,
        wiring,
    );
    let streamer = streamer.lock().ok().and_then(|mut s| s.take());
    let (cursor, hidden) = streamer.map(Streamer::stop).unwrap_or_default();
    match result {
        Ok(run) => send_tail(run, cursor, hidden),
        Err(error) => send(&[Message::End {
            outcome: Outcome::Failed {
                message: error.to_string(),
            },
            metrics: Default::default(),
            findings: Default::default(),
            dropped: 0,
            hidden: Vec::new(),
        }]),
    }
    ExitCode::SUCCESS
}

/// Names the environment variable asynclab passes its pid in, so the
/// program knows whom to outlive not.
pub const PARENT_ENV: &str = "ASYNCLAB_PARENT_PID";

/// When asynclab (the pid in [`PARENT_ENV`]) goes away, kills this
/// program's whole process group: this program and every process it
/// started that did not leave the group. A plain parent-death signal would
/// kill only this process and orphan its children. Run by hand (no
/// variable), nothing is watched.
fn watch_parent() {
    use rustix::process::{Signal, getppid, kill_current_process_group};
    let Some(parent) = std::env::var(PARENT_ENV)
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let gone = move || getppid() != Some(parent);
    let take_all = || {
        let _ = kill_current_process_group(Signal::KILL);
        std::process::exit(137);
    };
    if gone() {
        take_all();
    }
    // The watch below replaces the immediate SIGKILL asynclab asked for
    // when it started us, which would leave our own children behind.
    let _ = rustix::process::set_parent_process_death_signal(None);
    let watcher = std::thread::Builder::new()
        .name("asynclab-parent-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(50));
                if gone() {
                    take_all();
                }
            }
        });
    if watcher.is_err() {
        // No thread for the watch: keep the plain death signal instead.
        let _ = rustix::process::set_parent_process_death_signal(Some(Signal::KILL));
    }
}

fn parse_args(
    demo: &dyn Demo,
    args: impl Iterator<Item = String>,
) -> Result<(Params, Scope), String> {
    let mut params = Params::defaults(demo.info().params).map_err(|e| e.to_string())?;
    let mut scope = Scope::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--allow-external" => scope.allow_external = true,
            "--set" => {
                let pair = args.next().ok_or("--set needs NAME=VALUE")?;
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--set {pair}: write NAME=VALUE"))?;
                params.set(name, value).map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok((params, scope))
}

/// Writes messages to stdout, one line each, and flushes: the parent reads
/// them as they come.
fn send(messages: &[Message]) {
    let mut out = std::io::stdout().lock();
    for message in messages {
        // A parent that went away has nobody to tell: ignore write errors.
        let _ = writeln!(out, "{}", message.encode());
    }
    let _ = out.flush();
}

fn batch(tasks: Vec<(TaskId, TaskInfo)>, events: Vec<EventText<'static>>) -> Vec<Message> {
    tasks
        .into_iter()
        .map(|(id, t)| Message::Task { id, name: t.name })
        .chain(events.into_iter().map(|event| Message::Event { event }))
        .collect()
}

/// Sends what the streamer had not sent yet, then the end.
fn send_tail(run: Run, cursor: Cursor, hidden: Vec<TaskId>) {
    let (tasks, events) = cursor.unsent(&run.tasks, &run.events, &run.notes);
    let mut messages = batch(tasks, events);
    messages.push(Message::End {
        outcome: run.outcome,
        metrics: run.metrics,
        findings: run.findings,
        dropped: run.dropped,
        hidden,
    });
    send(&messages);
}

/// A side thread that sends new events every [`FLUSH_EVERY`], so the run's
/// runtime never waits on the pipe to the parent.
struct Streamer {
    rec: Recorder,
    stop: Arc<AtomicBool>,
    cursor: Arc<Mutex<Cursor>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Streamer {
    fn start(rec: Recorder) -> Streamer {
        let stop = Arc::new(AtomicBool::new(false));
        let cursor = Arc::new(Mutex::new(Cursor::default()));
        let (flag, shared, source) = (stop.clone(), cursor.clone(), rec.clone());
        let thread = std::thread::Builder::new()
            .name("asynclab-stream".into())
            .spawn(move || {
                while !flag.load(Ordering::SeqCst) {
                    std::thread::park_timeout(FLUSH_EVERY);
                    let Ok(mut cursor) = shared.lock() else {
                        return;
                    };
                    let new = source.drain_since(&mut cursor);
                    drop(cursor);
                    let mut messages = batch(new.tasks, new.events);
                    // After the tasks: a hide names lanes already sent.
                    if !new.hidden.is_empty() {
                        messages.push(Message::Hide { lanes: new.hidden });
                    }
                    if !messages.is_empty() {
                        send(&messages);
                    }
                }
            })
            .ok();
        Streamer {
            rec,
            stop,
            cursor,
            thread,
        }
    }

    /// Stops the thread; returns how far it got and the lanes to hide.
    fn stop(mut self) -> (Cursor, Vec<TaskId>) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
        let cursor = self.cursor.lock().map(|c| *c).unwrap_or_default();
        (cursor, self.rec.linked_lanes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{Ctx, DemoError, DemoInfo};
    use crate::params::ParamSpec;
    use async_trait::async_trait;

    static PARAMS: &[ParamSpec] = &[ParamSpec::int("count", 1, 10, "3", "how many")];
    static INFO: DemoInfo = DemoInfo {
        name: "t",
        title: "",
        about: "",
        params: PARAMS,
        source: "",
        single_thread: false,
    };
    struct T;
    #[async_trait]
    impl Demo for T {
        fn info(&self) -> &'static DemoInfo {
            &INFO
        }
        async fn run(&self, _ctx: Ctx) -> Result<(), DemoError> {
            Ok(())
        }
    }

    #[test]
    fn arguments_set_parameters_and_refuse_nonsense() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (params, scope) = parse_args(
            &T,
            args(&["--set", "count=7", "--set", "seed=9"]).into_iter(),
        )
        .expect("parses");
        assert_eq!(params.int("count"), Ok(7));
        assert_eq!(params.int("seed"), Ok(9));
        assert!(!scope.allow_external);
        for bad in [
            &["--set"][..],
            &["--set", "count"],
            &["--set", "count=99"],
            &["-x"],
        ] {
            assert!(parse_args(&T, args(bad).into_iter()).is_err(), "{bad:?}");
        }
    }
}
