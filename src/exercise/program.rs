//! Runs a learner's built program as a child process and turns what it
//! streams back into the same [`Run`] a built-in demo gives.
//!
//! The parent owns everything that must survive the learner's mistakes: a
//! wall-clock watchdog (a `std::thread::sleep` or a busy loop on the
//! virtual clock never ends by itself), Ctrl-C, and the kill. The child is
//! in a process group of its own, so the kill takes anything it started.
//! What was streamed before the end is kept: a killed run still has its
//! partial timeline.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use asynclab_kit::lab::children::{kill_group, std_die_with_us};
use asynclab_kit::stream::Decoder;
use tokio_util::sync::CancellationToken;

use super::ExerciseError;
use crate::clock::Clock;
use crate::demo::Params;
use crate::demo::run::{ProgressFn, RunProgress};
use crate::lab::scope::Scope;
use crate::timeline::{Outcome, Run};

/// Most lines of its own printing kept from one run, and longest line:
/// a program that prints without end must not fill asynclab's memory.
const MAX_PRINTED: usize = 1_000;
const MAX_LINE: u64 = 64 * 1024;

/// A finished run of the learner's program.
pub struct ProgramRun {
    pub run: Run,
    /// What the program printed itself, on stdout and stderr.
    pub printed: Vec<String>,
    /// Lines left out of `printed` past [`MAX_PRINTED`].
    pub printed_dropped: usize,
}

/// How long the learner's program may take, in wall time.
pub fn watchdog(clock: Clock) -> Duration {
    match clock {
        // A virtual run takes milliseconds; seconds mean it blocks its
        // thread (a `std::thread::sleep`, a busy loop).
        Clock::Virtual => Duration::from_secs(20),
        Clock::Real => Duration::from_secs(125),
    }
}

/// Runs `exe` once with `params`.
pub fn run(
    exe: &Path,
    params: &Params,
    scope: Scope,
    cancel: &CancellationToken,
    progress: Option<ProgressFn>,
) -> Result<ProgramRun, ExerciseError> {
    let clock = params.clock()?;
    let mut command = Command::new(exe);
    for spec in params.specs() {
        if let Some(value) = params.get(spec.name) {
            command.arg("--set").arg(format!("{}={value}", spec.name));
        }
    }
    if scope.allow_external {
        command.arg("--allow-external");
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(
            asynclab_kit::child::PARENT_ENV,
            std::process::id().to_string(),
        );
    // Its own process group (the kill takes all of it), and it dies with
    // asynclab even if asynclab is killed.
    std_die_with_us(&mut command);
    let mut child = command.spawn().map_err(|source| ExerciseError::Launch {
        exe: exe.to_path_buf(),
        source,
    })?;
    let _group = asynclab_kit::lab::children::Group::register(child.id());

    // Both pipes are read on threads of their own and arrive here in one
    // channel, so neither can fill up and stall the child. The channel is
    // bounded: a program that floods waits on its pipe, asynclab's memory
    // does not grow.
    let (lines, inbox) = mpsc::sync_channel::<Line>(4_096);
    let stdout = child
        .stdout
        .take()
        .ok_or(ExerciseError::Internal("no stdout pipe"))?;
    let stderr = child
        .stderr
        .take()
        .ok_or(ExerciseError::Internal("no stderr pipe"))?;
    let readers = [
        spawn_reader(stdout, lines.clone(), Line::Out),
        spawn_reader(stderr, lines, Line::Err),
    ];

    let started = Instant::now();
    let limit = watchdog(clock);
    let mut decoder = Decoder::default();
    let mut printed = Vec::new();
    let mut printed_dropped = 0;
    let mut keep = |line: String, printed: &mut Vec<String>| {
        if printed.len() < MAX_PRINTED {
            printed.push(line);
        } else {
            printed_dropped += 1;
        }
    };
    let mut shown = false;
    let mut last_report = Instant::now();
    let mut stopped: Option<(Outcome, &'static str)> = None;
    let mut stream_error = None;
    // When the child itself was gone: its pipes get a moment to drain, but
    // a descendant that escaped the group and holds them cannot hang us.
    let mut exited_at: Option<Instant> = None;
    let status = loop {
        match inbox.recv_timeout(Duration::from_millis(20)) {
            Ok(Line::Out(text)) => {
                if let Err(e) = decoder.line(&text) {
                    stream_error.get_or_insert(e);
                }
                for line in decoder.output.drain(..) {
                    keep(line, &mut printed);
                }
            }
            Ok(Line::Err(text)) => keep(text, &mut printed),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Both pipes closed: the child is gone.
            Err(mpsc::RecvTimeoutError::Disconnected) => break child.wait()?,
        }
        if exited_at.is_none() && child.try_wait()?.is_some() {
            exited_at = Some(Instant::now());
        }
        if let Some(at) = exited_at
            && at.elapsed() > Duration::from_millis(500)
        {
            // Take what is already read, then stop waiting on the pipes.
            while let Ok(line) = inbox.try_recv() {
                if let Line::Out(text) = line {
                    let _ = decoder.line(&text);
                }
            }
            break child.wait()?;
        }
        if stopped.is_none() {
            let at_ns = elapsed_ns(started);
            if cancel.is_cancelled() {
                stopped = Some((
                    Outcome::Cancelled { at_ns },
                    "Ctrl-C: the run was cancelled, this task dropped",
                ));
            } else if started.elapsed() > limit {
                stopped = Some((Outcome::Watchdog { at_ns }, "stopped by the watchdog"));
            }
            if stopped.is_some() {
                kill_group(&mut child);
            }
        }
        if let Some(report) = &progress
            && started.elapsed() >= Duration::from_secs(1)
            && last_report.elapsed() >= Duration::from_millis(250)
        {
            let (total, done) = decoder.progress();
            report(Some(RunProgress {
                done,
                total,
                elapsed: started.elapsed(),
            }));
            shown = true;
            last_report = Instant::now();
        }
    };
    if let (Some(report), true) = (&progress, shown) {
        report(None);
    }
    // A reader still blocked on a pipe that an escaped descendant holds is
    // left to end with that pipe; the others are joined.
    for reader in readers {
        if reader.is_finished() {
            let _ = reader.join();
        }
    }
    if let Some(error) = stream_error {
        return Err(ExerciseError::Stream(error));
    }
    if !decoder.started() && stopped.is_none() {
        return Err(ExerciseError::NotAProgram {
            status: status.to_string(),
            printed: printed.join("\n"),
        });
    }
    let at_ns = match stopped {
        Some((Outcome::Cancelled { at_ns } | Outcome::Watchdog { at_ns }, _)) => at_ns,
        _ => 0,
    };
    let cut_short = stopped.unwrap_or_else(|| {
        (
            Outcome::Failed {
                message: format!("your program stopped before its run ended ({status})"),
            },
            "the program exited",
        )
    });
    // On the virtual clock wall time means nothing: the cut is at the last
    // event the program recorded.
    let at_ns = if clock == Clock::Virtual { 0 } else { at_ns };
    let mut run = decoder.finish((cut_short.0, at_ns, cut_short.1));
    // A run cut short never sent its metrics: on the real clock no
    // one-at-a-time estimate may be made, whoever stopped it.
    if clock == Clock::Real {
        run.metrics
            .entry(asynclab_kit::REAL_CLOCK_METRIC.to_string())
            .or_insert(1);
    }
    if clock == Clock::Virtual {
        let last = run.events.iter().map(|e| e.at_ns).max().unwrap_or(0);
        if let Outcome::Cancelled { at_ns } | Outcome::Watchdog { at_ns } = &mut run.outcome {
            *at_ns = last;
        }
    }
    Ok(ProgramRun {
        run,
        printed,
        printed_dropped,
    })
}

enum Line {
    Out(String),
    Err(String),
}

fn spawn_reader<R: Read + Send + 'static>(
    pipe: R,
    to: mpsc::SyncSender<Line>,
    wrap: fn(String) -> Line,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            // Bounded: a line without end is cut at MAX_LINE.
            match reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf);
                    let line = text.trim_end_matches(['\n', '\r']).to_string();
                    if to.send(wrap(line)).is_err() {
                        return;
                    }
                }
            }
        }
    })
}

fn elapsed_ns(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
