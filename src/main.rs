//! The `asynclab` command: the REPL by default, `replay` for lessons
//! without a person, `run` to reproduce one run, and the original
//! one-shot demo forms (`asynclab rate-limit --requests 20 …`).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use asynclab::command::Command;
use asynclab::demo::run::{ProgressFn, RunProgress, install_panic_hook};
use asynclab::interrupt::Interrupts;
use asynclab::lab::scope::Scope;
use asynclab::lesson::Catalog;
use asynclab::repl::{self, Plain, Terminal, is_broken_pipe, report};
use asynclab::replay::{self, Replay};
use asynclab::session::{Options, Session, SessionError};
use asynclab::shortcuts;

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
        /// Parameters for every lesson (after its own defaults).
        #[command(flatten)]
        common: Common,
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
        let mut pairs = shortcuts::parse_sets(&self.set)?;
        if let Some(seed) = self.seed {
            pairs.push(("seed".into(), seed.to_string()));
        }
        if let Some(clock) = &self.clock {
            pairs.push(("clock".into(), clock.clone()));
        }
        Ok(pairs)
    }
}

/// The lessons: `--lessons DIR` alone, else the built-in ones with a
/// `./lessons` folder laid over them by id (and a note saying what it
/// changed).
fn catalog(dir: Option<&Path>) -> Result<(Catalog, Option<String>), String> {
    match dir {
        Some(dir) => Catalog::from_dir(dir)
            .map(|c| (c, None))
            .map_err(|e| e.to_string()),
        None if Path::new("lessons").is_dir() => {
            Catalog::overlay(Path::new("lessons")).map_err(|e| e.to_string())
        }
        None => Ok((Catalog::embedded(), None)),
    }
}

/// Draws progress on stderr, in place, when stderr is a terminal: the
/// transcript on stdout (and any pipe) never sees it.
fn progress_line(progress: Option<RunProgress>) {
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

/// Says `message` on stderr, escaped: a path or a name the user passed
/// may hold an escape sequence, and it must not reach the terminal as one.
fn complain(message: &dyn std::fmt::Display) {
    let text = message.to_string();
    eprintln!("asynclab: {}", asynclab::text::sanitize(&text, false));
}

fn main() -> ExitCode {
    install_panic_hook();
    if let Err((soft, hard)) = asynclab::lab::limits::ensure_nofile(MIN_DESCRIPTORS) {
        eprintln!(
            "asynclab: this process may open only {soft} files (hard limit {hard}); it needs at least {MIN_DESCRIPTORS}. Raise the limit (`ulimit -n 1024`) and start again"
        );
        return ExitCode::from(2);
    }
    let (cli, shortcut) = match resolve_command_line() {
        Ok(resolved) => resolved,
        Err(e) => {
            complain(&e);
            return ExitCode::from(2);
        }
    };
    let stdout_tty = io::stdout().is_terminal();
    let interactive = stdout_tty && io::stdin().is_terminal() && cli.command.is_none();
    // NO_COLOR (set and not empty) wins over everything, CLICOLOR_FORCE
    // included (no-color.org); `colored` would let CLICOLOR_FORCE win.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color {
        colored::control::set_override(false);
    }
    let color = !no_color && colored::control::SHOULD_COLORIZE.should_colorize();
    let width = cli.width.map(usize::from).unwrap_or_else(|| {
        if stdout_tty {
            repl::terminal_width().unwrap_or(100)
        } else {
            100
        }
    });
    let catalog = match catalog(cli.lessons.as_deref()) {
        Ok((catalog, note)) => {
            if let Some(note) = note {
                complain(&note);
            }
            catalog
        }
        Err(e) => {
            complain(&e);
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
    let opts = Options {
        // `ask` cells are answered only in the REPL, from its own editor
        // (`repl_main` sets it); nobody is asked when input is piped.
        ask: None,
        json,
        export_dir,
        // Where the lessons came from, absolute: reproducers name it.
        lessons_dir: match &cli.lessons {
            Some(dir) => std::path::absolute(dir).ok(),
            None if Path::new("lessons").is_dir() => std::path::absolute("lessons").ok(),
            None => None,
        },
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
        complain(&note);
    }
    let mut out = io::stdout().lock();

    let result = match cli.command {
        // `asynclab port-check --count 100`: the demo's shortcut.
        None if shortcut.is_some() => match shortcut {
            Some(Shortcut { demo, sets }) => {
                one_shot(&mut session, &mut out, &format!("demo:{demo}"), sets)
            }
            None => Ok(()),
        },
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
            common,
            ..
        }) => {
            match common.pairs() {
                Ok(overrides) => session.set_overrides(overrides),
                Err(e) => {
                    complain(&e);
                    return ExitCode::from(2);
                }
            }
            let how = Replay { check, json };
            let ended = replay::replay(&mut session, &mut out, &files, how, &|e| report(e, color));
            return ExitCode::from(ended.code());
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
        }) => common
            .pairs()
            .map_err(SessionError::Invalid)
            .and_then(|sets| {
                let target = if demo {
                    format!("demo:{target}")
                } else {
                    target
                };
                one_shot(&mut session, &mut out, &target, sets)
            }),
        Some(Cmd::All { common }) => {
            common
                .pairs()
                .map_err(SessionError::Invalid)
                .and_then(|sets| {
                    asynclab::demo::registry().iter().try_for_each(|d| {
                        one_shot(
                            &mut session,
                            &mut out,
                            &format!("demo:{}", d.info().name),
                            sets.clone(),
                        )?;
                        writeln!(out).map_err(SessionError::Io)
                    })
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
    // The width the session lays out for (`--width`, else the terminal's).
    let width = session.width();
    // On a terminal, one editor for every line, made before anything can
    // ask: `ask` cells read from it, where typed-ahead lines wait. History
    // only for a person at a terminal: never for piped input, replay or
    // tests.
    let mut terminal = if interactive {
        let history = dirs::data_dir().map(|d| d.join("asynclab").join("history.txt"));
        let terminal = Terminal::new(color, history)
            .map_err(|e| SessionError::Io(io::Error::other(e.to_string())))?;
        session.set_ask(Some(terminal.asker()));
        Some(terminal)
    } else {
        None
    };
    if interactive {
        let banner = format!(
            "asynclab {}: learn async Rust by running it. `lessons` to begin, `help` for more.",
            env!("CARGO_PKG_VERSION")
        );
        writeln!(out, "{}", asynclab::layout::fill(&banner, width, ""))?;
    }
    match (lesson, session.last_lesson()) {
        (Some(id), _) => {
            session.execute_line(&format!("open {id}"), out)?;
        }
        (None, Some(last)) if interactive => {
            let welcome = format!("Last time you were on lesson '{last}': `open {last}` to go on.");
            writeln!(out, "{}", asynclab::layout::fill(&welcome, width, ""))?;
        }
        _ => {}
    }
    match terminal.as_mut() {
        Some(source) => repl::run(session, source, out, color, animate)?,
        None => {
            let mut source = Plain {
                reader: io::stdin().lock(),
            };
            repl::run(session, &mut source, out, color, animate)?;
        }
    }
    Ok(())
}

/// Opens a lesson (or a bare demo), applies settings, runs once.
fn one_shot(
    session: &mut Session,
    out: &mut dyn Write,
    target: &str,
    sets: Vec<(String, String)>,
) -> Result<(), SessionError> {
    let mut sink = io::sink();
    match target.strip_prefix("demo:") {
        Some(demo) => session.open_demo(demo)?,
        None if session.catalog().find(target).is_ok() => {
            session.execute_line(&format!("open {target}"), &mut sink)?;
        }
        None => session.open_demo(target)?,
    }
    for (param, value) in sets {
        session.execute(&Command::Set { param, value }, &mut sink)?;
    }
    session.execute_line("run", out).map(|_| ())
}

/// A demo's shortcut on the command line: the demo, and its settings.
struct Shortcut {
    demo: &'static str,
    sets: Vec<(String, String)>,
}

/// The command line, resolved in one step: the flags, and for a demo's
/// shortcut (`asynclab port-check --count 100`) the demo and the settings
/// its flags make. Usage errors and `--help` end the process here.
fn resolve_command_line() -> Result<(Cli, Option<Shortcut>), String> {
    let names: Vec<&str> = asynclab::demo::registry()
        .iter()
        .map(|d| d.info().name)
        .collect();
    let command = Cli::command()
        .subcommands(shortcuts::subcommands())
        .after_help(format!(
            "Every demo is also a command with a flag per parameter, e.g. \
             `asynclab port-check --count 100 --concurrency 10` \
             (`asynclab <demo> --help` lists them): {}",
            names.join(", ")
        ));
    let mut matches = match command.try_get_matches() {
        Ok(matches) => matches,
        Err(e) => clap_exit(e),
    };
    let shortcut = match matches.subcommand_name().and_then(shortcuts::demo_named) {
        Some(demo) => {
            let (_, sub) = matches
                .remove_subcommand()
                .ok_or("internal: the shortcut vanished")?;
            Some(Shortcut {
                demo: demo.info().name,
                sets: shortcuts::settings(demo, &sub)?,
            })
        }
        None => None,
    };
    let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    Ok((cli, shortcut))
}

/// Leaves on a command line clap could not take. Help and version are
/// printed as clap prints them (our own text). An error quotes what was
/// typed: clap's plain rendering drops escape sequences from it, but not
/// C1 controls or bidi overrides, so it is printed escaped, line by line.
fn clap_exit(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let plain = e.render().to_string();
    let mut err = io::stderr().lock();
    for line in plain.lines() {
        let _ = writeln!(err, "{}", asynclab::text::sanitize(line, false));
    }
    std::process::exit(e.exit_code())
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
            complain(&e);
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
            asynclab_kit::text::shown_path(&file)
        );
        let _ = out.flush();
        let seen = stamp(&file);
        while stamp(&file) == seen {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    }
}
