//! The `asynclab` command: the REPL by default, `replay` for lessons
//! without a person, `run` to reproduce one run, and the original
//! one-shot demo forms (`asynclab rate-limit --requests 20 …`).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use asynclab::demo::run::{Progress, ProgressFn, install_panic_hook};
use asynclab::interrupt::Interrupts;
use asynclab::lab::scope::Scope;
use asynclab::lesson::{self, Catalog};
use asynclab::repl::{self, Plain, Terminal, is_broken_pipe, report};
use asynclab::session::{AskFn, Options, Session, SessionError};

#[derive(Parser)]
#[command(
    name = "asynclab",
    version,
    about = "An interactive notebook that teaches tokio concurrency through security operations."
)]
struct Cli {
    /// Read lessons from this folder instead of ./lessons or the built-in set.
    #[arg(long, global = true, value_name = "DIR")]
    lessons: Option<PathBuf>,
    /// Allow targets outside loopback (127.0.0.0/8, ::1). Only scan what you own.
    #[arg(long, global = true)]
    allow_external: bool,
    /// Output width in columns (default: the terminal's, or 100).
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(40..=1000))]
    width: Option<u16>,
    /// Start the REPL with this lesson open.
    #[arg(long, value_name = "ID")]
    lesson: Option<String>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run lesson files (or ids) cell by cell and print the transcript.
    Replay {
        #[arg(required = true, value_name = "LESSON")]
        files: Vec<String>,
        /// Exit non-zero if any `expect` fails or any cell errors.
        #[arg(long)]
        check: bool,
        /// Override a parameter in every lesson: --set concurrency=10 (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Seed for simulated latencies in every lesson.
        #[arg(long)]
        seed: Option<u64>,
        /// text: the transcript; json: one JSON object a line per lesson, run, expectation and error.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write every run's exports (.json, .trace.json, .svg, .html) into DIR.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// Run one lesson's (or demo's) demo once and print its timeline.
    Run {
        #[arg(value_name = "LESSON|DEMO")]
        target: String,
        /// TARGET names a demo, with the demo's own defaults, not a lesson.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List the lessons.
    Lessons,
    /// List the exercises: name, lesson, goal.
    Exercises,
    /// Grade an exercise: exit 0 when every expectation holds, 1 when one
    /// fails or the code does not compile, 2 on usage errors.
    Check {
        /// The exercise (`asynclab exercises` lists them).
        name: String,
        /// The file to grade (default: your copy in the workspace, made
        /// from the starter if missing).
        file: Option<PathBuf>,
    },
    /// Print an exercise's starter file.
    Starter { name: String },
    /// Print an exercise's reference solution.
    Solution { name: String },
    /// Re-check an exercise every time its file is saved (Ctrl-C stops).
    Watch { name: String },
    /// Bounded concurrent port checks.
    PortCheck {
        #[arg(long)]
        count: Option<u64>,
        #[arg(long, alias = "concurrency")]
        max_concurrent: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// Parallel HTTP fetches; with --urls, those URLs are fetched for real.
    HttpFetch {
        /// Comma-separated URLs (loopback only unless --allow-external).
        #[arg(long, value_delimiter = ',')]
        urls: Vec<String>,
        #[arg(long, alias = "concurrency")]
        max_concurrent: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// mpsc producers and a consumer.
    Channels {
        #[arg(long)]
        producers: Option<u64>,
        #[arg(long)]
        messages: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// Requests throttled by a Semaphore.
    RateLimit {
        #[arg(long)]
        requests: Option<u64>,
        #[arg(long, alias = "concurrency")]
        max_concurrent: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// Racing futures with select!.
    Select {
        #[command(flatten)]
        common: Common,
    },
    /// Run every demo once with its defaults.
    All {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args, Default)]
struct Common {
    /// Set a parameter: --set concurrency=10 (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Seed for simulated latencies.
    #[arg(long)]
    seed: Option<u64>,
    /// virtual or real.
    #[arg(long)]
    clock: Option<String>,
}

impl Common {
    fn pairs(&self) -> Result<Vec<(String, String)>, String> {
        let mut pairs = Vec::new();
        for item in &self.set {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                format!("--set '{item}' must be NAME=VALUE, e.g. --set concurrency=10")
            })?;
            pairs.push((k.trim().to_string(), v.trim().to_string()));
        }
        if let Some(seed) = self.seed {
            pairs.push(("seed".into(), seed.to_string()));
        }
        if let Some(clock) = &self.clock {
            pairs.push(("clock".into(), clock.clone()));
        }
        Ok(pairs)
    }
}

fn catalog(dir: Option<&Path>) -> Result<Catalog, String> {
    match dir {
        Some(dir) => Catalog::from_dir(dir).map_err(|e| e.to_string()),
        None if Path::new("lessons").is_dir() => {
            Catalog::from_dir(Path::new("lessons")).map_err(|e| e.to_string())
        }
        None => Ok(Catalog::embedded()),
    }
}

/// Draws progress on stderr, in place, when stderr is a terminal: the
/// transcript on stdout (and any pipe) never sees it.
fn progress_line(progress: Option<Progress>) {
    let mut err = io::stderr().lock();
    let _ = match progress {
        Some(p) => {
            let rate = p.done as f64 / p.elapsed.as_secs_f64().max(0.001);
            let eta = if rate > 0.0 && p.total > p.done {
                format!(" · about {:.0}s left", (p.total - p.done) as f64 / rate)
            } else {
                String::new()
            };
            write!(
                err,
                "\r\x1b[2K  {}/{} tasks done · {:.0}/s{eta} · Ctrl-C cancels",
                p.done, p.total, rate
            )
        }
        None => write!(err, "\r\x1b[2K"),
    };
    let _ = err.flush();
}

/// Descriptors asynclab needs before anything else: stdio, two runtimes,
/// the signal pipe, a lesson file, a build's pipes, a little lab.
const MIN_DESCRIPTORS: u64 = 64;

fn main() -> ExitCode {
    install_panic_hook();
    if let Err((soft, hard)) = asynclab::lab::limits::ensure_nofile(MIN_DESCRIPTORS) {
        eprintln!(
            "asynclab: this process may open only {soft} files (hard limit {hard}); it needs at least {MIN_DESCRIPTORS}. Raise the limit (`ulimit -n 1024`) and start again"
        );
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let stdout_tty = io::stdout().is_terminal();
    let interactive = stdout_tty && io::stdin().is_terminal() && cli.command.is_none();
    let color = colored::control::SHOULD_COLORIZE.should_colorize();
    let width = cli.width.map(usize::from).unwrap_or_else(|| {
        if stdout_tty {
            repl::terminal_width().unwrap_or(100)
        } else {
            100
        }
    });
    let catalog = match catalog(cli.lessons.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("asynclab: {e}");
            return ExitCode::from(2);
        }
    };
    let progress: Option<ProgressFn> = io::stderr()
        .is_terminal()
        .then(|| Arc::new(progress_line) as ProgressFn);
    let (json, export_dir) = match &cli.command {
        Some(Cmd::Replay { format, export, .. }) => (*format == Format::Json, export.clone()),
        _ => (false, None),
    };
    // Questions from `ask` cells, answered at the terminal with a one-off
    // line editor; nobody is asked when input is piped.
    let ask: Option<AskFn> = interactive.then(|| {
        Arc::new(|question: &str| {
            rustyline::DefaultEditor::new()
                .ok()?
                .readline(question)
                .ok()
        }) as AskFn
    });
    let opts = Options {
        ask,
        json,
        export_dir,
        progress,
        // The learner's own sessions keep progress (the REPL, and the
        // exercise commands run from a shell); replay and one-shot runs never.
        progress_file: if matches!(
            cli.command,
            None | Some(Cmd::Exercises | Cmd::Check { .. } | Cmd::Watch { .. })
        ) {
            asynclab::session::progress::default_path()
        } else {
            None
        },
        // `edit` opens an editor only for a person at a terminal.
        editor: interactive
            .then(|| {
                ["VISUAL", "EDITOR"]
                    .iter()
                    .filter_map(std::env::var_os)
                    .map(|v| v.to_string_lossy().trim().to_string())
                    .find(|v| !v.is_empty())
            })
            .flatten(),
        width,
        // The terminal's width, read again before every command (a resized
        // window), unless --width fixed it or output is not a terminal.
        follow_width: cli.width.is_none() && stdout_tty,
        color,
        scope: Scope {
            allow_external: cli.allow_external,
        },
        ..Options::default()
    };
    let interrupts = Interrupts::install(!interactive);
    let mut session = Session::new(catalog, opts, interrupts);
    for note in session.take_notes() {
        eprintln!("asynclab: {note}");
    }
    let mut out = io::stdout().lock();

    let result = match cli.command {
        None => repl_main(
            &mut session,
            &mut out,
            cli.lesson.as_deref(),
            interactive,
            color,
            stdout_tty,
        ),
        Some(Cmd::Replay {
            files,
            check,
            set,
            seed,
            ..
        }) => {
            let mut overrides = Vec::new();
            for item in &set {
                match item.split_once('=') {
                    Some((k, v)) => overrides.push((k.trim().to_string(), v.trim().to_string())),
                    None => {
                        eprintln!(
                            "asynclab: --set '{item}' must be NAME=VALUE, e.g. --set concurrency=10"
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(seed) = seed {
                overrides.push(("seed".into(), seed.to_string()));
            }
            session.set_overrides(overrides);
            return replay(&mut session, &mut out, &files, check, color, json);
        }
        Some(Cmd::Lessons) => session.execute_line("lessons", &mut out).map(|_| ()),
        Some(Cmd::Exercises) => session.execute_line("exercises", &mut out).map(|_| ()),
        Some(Cmd::Starter { name }) => return print_exercise(&name, false, &mut out),
        Some(Cmd::Solution { name }) => return print_exercise(&name, true, &mut out),
        Some(Cmd::Check { name, file }) => {
            return match session.check_file(&name, file.as_deref(), &mut out) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => exit_for(&e, color),
            };
        }
        Some(Cmd::Watch { name }) => return watch(&mut session, &name, &mut out, color),
        Some(Cmd::Run {
            target,
            demo,
            common,
        }) => {
            let target = if demo {
                format!("demo:{target}")
            } else {
                target
            };
            one_shot(&mut session, &mut out, &target, &[], &common)
        }
        Some(Cmd::PortCheck {
            count,
            max_concurrent,
            common,
        }) => one_shot(
            &mut session,
            &mut out,
            "demo:port-check",
            &[("count", count), ("concurrency", max_concurrent)],
            &common,
        ),
        Some(Cmd::HttpFetch {
            urls,
            max_concurrent,
            common,
        }) => {
            let mut common = common;
            if !urls.is_empty() {
                common.set.push(format!("urls={}", urls.join(",")));
                common.clock.get_or_insert_with(|| "real".to_string());
            }
            one_shot(
                &mut session,
                &mut out,
                "demo:http-fetch",
                &[("concurrency", max_concurrent)],
                &common,
            )
        }
        Some(Cmd::Channels {
            producers,
            messages,
            common,
        }) => one_shot(
            &mut session,
            &mut out,
            "demo:channels",
            &[("producers", producers), ("messages", messages)],
            &common,
        ),
        Some(Cmd::RateLimit {
            requests,
            max_concurrent,
            common,
        }) => one_shot(
            &mut session,
            &mut out,
            "demo:rate-limit",
            &[("count", requests), ("concurrency", max_concurrent)],
            &common,
        ),
        Some(Cmd::Select { common }) => {
            one_shot(&mut session, &mut out, "demo:select", &[], &common)
        }
        Some(Cmd::All { common }) => {
            let names: Vec<&str> = asynclab::demo::registry()
                .iter()
                .map(|d| d.info().name)
                .collect();
            names.iter().try_for_each(|name| {
                one_shot(
                    &mut session,
                    &mut out,
                    &format!("demo:{name}"),
                    &[],
                    &common,
                )?;
                writeln!(out).map_err(SessionError::Io)
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, color);
            ExitCode::FAILURE
        }
    }
}

fn repl_main(
    session: &mut Session,
    out: &mut dyn Write,
    lesson: Option<&str>,
    interactive: bool,
    color: bool,
    animate: bool,
) -> Result<(), SessionError> {
    if interactive {
        writeln!(
            out,
            "asynclab {}: learn async Rust by running it. `lessons` to begin, `help` for more.",
            env!("CARGO_PKG_VERSION")
        )?;
    }
    match (lesson, session.last_lesson()) {
        (Some(id), _) => {
            session.execute_line(&format!("open {id}"), out)?;
        }
        (None, Some(last)) if interactive => {
            writeln!(
                out,
                "Last time you were on lesson '{last}': `open {last}` to go on."
            )?;
        }
        _ => {}
    }
    if interactive {
        // History only for a person at a terminal: never for piped input,
        // replay or tests.
        let history = dirs::data_dir().map(|d| d.join("asynclab").join("history.txt"));
        let mut source = Terminal::new(color, history)
            .map_err(|e| SessionError::Io(io::Error::other(e.to_string())))?;
        repl::run(session, &mut source, out, color, animate)?;
    } else {
        let mut source = Plain {
            reader: io::stdin().lock(),
        };
        repl::run(session, &mut source, out, color, animate)?;
    }
    Ok(())
}

/// Opens a lesson (or a bare demo), applies settings, runs once.
fn one_shot(
    session: &mut Session,
    out: &mut dyn Write,
    target: &str,
    flags: &[(&str, Option<u64>)],
    common: &Common,
) -> Result<(), SessionError> {
    let mut sink = io::sink();
    match target.strip_prefix("demo:") {
        Some(demo) => session.open_demo(demo)?,
        None if session.catalog().find(target).is_ok() => {
            session.execute_line(&format!("open {target}"), &mut sink)?;
        }
        None => session.open_demo(target)?,
    }
    let mut sets: Vec<(String, String)> = flags
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
        .collect();
    sets.extend(
        common
            .pairs()
            .map_err(|e| SessionError::Io(io::Error::new(io::ErrorKind::InvalidInput, e)))?,
    );
    for (k, v) in sets {
        session.execute(
            &asynclab::command::Command::Set { param: k, value: v },
            &mut sink,
        )?;
    }
    session.execute_line("run", out).map(|_| ())
}

/// Replays each lesson to its end; with `check`, failures make exit 1.
fn replay(
    session: &mut Session,
    out: &mut dyn Write,
    lessons: &[String],
    check: bool,
    color: bool,
    json: bool,
) -> ExitCode {
    let mut broken = Vec::new();
    for (i, item) in lessons.iter().enumerate() {
        let loaded = if Path::new(item).is_file() {
            lesson::load(Path::new(item)).map_err(SessionError::from)
        } else {
            session
                .catalog()
                .find(item)
                .cloned()
                .map_err(SessionError::from)
        };
        let result = loaded.and_then(|l| {
            if i > 0 && !json {
                writeln!(out)?;
            }
            session.open_lesson(l, 0, out)?;
            while !session.at_end() && !session.interrupted {
                session.execute_line("next", out)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(e) if is_broken_pipe(&e) => return ExitCode::SUCCESS,
            Err(e) => {
                report(&e, color);
                broken.push(e.to_string());
            }
        }
        if session.interrupted {
            eprintln!("replay stopped: Ctrl-C");
            return ExitCode::from(130);
        }
    }
    let failed = session.failures.len() + broken.len();
    if json {
        let line = serde_json::json!({"type": "summary", "lessons": lessons.len(), "held": session.passed, "failed": failed});
        let _ = writeln!(out, "{line}");
    } else if check {
        let _ = writeln!(
            out,
            "\nreplay --check: {} lessons, {} expectations held, {} failed",
            lessons.len(),
            session.passed,
            failed
        );
    }
    if check {
        for f in session.failures.iter().chain(&broken) {
            eprintln!("FAILED {f}");
        }
        if failed > 0 {
            return ExitCode::FAILURE;
        }
    }
    // A lesson that could not even be opened is an error with or without
    // --check; failed expectations only count with it.
    if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `asynclab starter|solution NAME`.
fn print_exercise(name: &str, solution: bool, out: &mut dyn Write) -> ExitCode {
    match asynclab::exercise::catalog::find(name) {
        Ok(e) => {
            let text = if solution { e.solution } else { e.starter };
            match out.write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            }
        }
        Err(e) => {
            eprintln!("asynclab: {e}");
            ExitCode::from(2)
        }
    }
}

/// The exit code for an error of `check`: its code did not build or run
/// (1), or the command was wrong (2).
fn exit_for(error: &SessionError, color: bool) -> ExitCode {
    use asynclab::exercise::ExerciseError;
    report(error, color);
    match error {
        SessionError::Exercise(ExerciseError::Unknown { .. }) | SessionError::Invalid(_) => {
            ExitCode::from(2)
        }
        _ => ExitCode::from(1),
    }
}

/// `asynclab watch NAME`: check, then again on every save of the file,
/// like `rustlings watch`. Ctrl-C leaves.
fn watch(session: &mut Session, name: &str, out: &mut dyn Write, color: bool) -> ExitCode {
    let file = match asynclab::exercise::catalog::find(name)
        .map_err(SessionError::from)
        .and_then(|e| Ok(asynclab::exercise::Workspace::locate()?.exercise_file(e.name)))
    {
        Ok(file) => file,
        Err(e) => return exit_for(&e, color),
    };
    let stamp = |f: &Path| std::fs::metadata(f).and_then(|m| m.modified()).ok();
    loop {
        match session.check_file(name, None, out) {
            Ok(true) => {
                let _ = writeln!(out, "passed: on to the next one (`asynclab exercises`)");
                return ExitCode::SUCCESS;
            }
            Ok(false) => {}
            Err(e) => report(&e, color),
        }
        let _ = writeln!(
            out,
            "watching {} · save to check again · Ctrl-C leaves",
            file.display()
        );
        let _ = out.flush();
        let seen = stamp(&file);
        while stamp(&file) == seen {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    }
}
