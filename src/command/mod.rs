//! One line of input to one [`Command`].
//!
//! [`COMMANDS`] is the single table of commands: `help`, tab completion and
//! hints all read it, so they cannot disagree. Each command parses its own
//! arguments and rejects anything left over, with an error that says what
//! to type instead. Nothing here touches the terminal or the session.

mod table;

use thiserror::Error;

pub use table::{ArgKind, COMMANDS, CommandSpec};

use crate::lesson::Expectation;
use crate::text::{closest, did_you_mean};

/// A parsed command.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Help(Option<String>),
    Lessons,
    Open(String),
    Next,
    Prev,
    Where,
    Run,
    Explain(Option<String>),
    Set {
        param: String,
        value: String,
    },
    Params,
    /// `reset`: the parameters; `reset progress`: the finished lessons.
    Reset {
        progress: bool,
    },
    /// The teaching core of the demo, or (`all`) its whole file.
    ShowCode {
        all: bool,
    },
    Edit(Option<String>),
    Diff,
    Restore,
    Exercises,
    Exercise(String),
    Check(Option<String>),
    Hint,
    Solution,
    Clear,
    Timeline {
        all: bool,
    },
    Expect(Expectation),
    /// One or two parameters, each with the values to try.
    Compare(Vec<(String, Vec<String>)>),
    Predict {
        metric: String,
        value: String,
    },
    Ask(String),
    At(String),
    Play(Option<f64>),
    Export {
        file: String,
        /// `-f`: replace a file that exists.
        force: bool,
    },
    Quit,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CommandError {
    #[error("unknown command '{word}'{}; type `help` for the list", did_you_mean(*.suggestion))]
    Unknown {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error("{problem}: usage `{usage}`")]
    Usage { usage: String, problem: String },
    #[error("{0}")]
    Expect(String),
}

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The arguments after the command word, and what we know about them.
struct Args<'a> {
    spec: &'static CommandSpec,
    rest: &'a str,
}

impl<'a> Args<'a> {
    fn usage(&self, problem: impl Into<String>) -> CommandError {
        let usage = format!("{} {}", self.spec.name, self.spec.args)
            .trim_end()
            .to_string();
        CommandError::Usage {
            usage,
            problem: problem.into(),
        }
    }

    fn none(&self) -> Result<(), CommandError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.usage(format!(
                "'{}' takes no arguments (got '{}')",
                self.spec.name, self.rest
            )))
        }
    }

    fn optional_word(&self) -> Result<Option<String>, CommandError> {
        let mut words = self.rest.split_whitespace();
        let first = words.next().map(str::to_string);
        match words.next() {
            None => Ok(first),
            Some(extra) => Err(self.usage(format!("one word expected, '{extra}' is left over"))),
        }
    }

    fn word(&self, what: &str) -> Result<String, CommandError> {
        self.optional_word()?
            .ok_or_else(|| self.usage(format!("'{}' needs {what}", self.spec.name)))
    }
}

/// The command a word names: itself, or what its alias stands for
/// (`exit` and `q` for `quit`, `?` for `help`).
pub fn canonical(word: &str) -> &str {
    match word {
        "exit" | "q" => "quit",
        "?" => "help",
        w => w,
    }
}

/// Parses one line. Blank lines and `#` comments are `Ok(None)`.
pub fn parse(line: &str) -> Result<Option<Command>, CommandError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let name = canonical(word);
    let spec = spec(name).ok_or_else(|| CommandError::Unknown {
        // A pasted wall of text is not echoed back whole.
        word: crate::text::quoted(word, 40),
        suggestion: closest(word, COMMANDS.iter().map(|c| c.name)),
    })?;
    let args = Args {
        spec,
        rest: rest.trim(),
    };
    let command = match spec.name {
        "help" => Command::Help(args.optional_word()?),
        "lessons" => args.none().map(|_| Command::Lessons)?,
        "open" => Command::Open(args.word("a lesson id or number")?),
        "next" => args.none().map(|_| Command::Next)?,
        "prev" => args.none().map(|_| Command::Prev)?,
        "where" => args.none().map(|_| Command::Where)?,
        "run" => args.none().map(|_| Command::Run)?,
        "explain" => Command::Explain(args.optional_word()?),
        "set" => {
            let (param, value) = args.rest.split_once(char::is_whitespace).ok_or_else(|| {
                args.usage("'set' needs a parameter and a value, e.g. `set concurrency 10`")
            })?;
            Command::Set {
                param: param.to_string(),
                value: value.trim().to_string(),
            }
        }
        "params" => args.none().map(|_| Command::Params)?,
        "reset" => match args.optional_word()?.as_deref() {
            None => Command::Reset { progress: false },
            Some("progress") => Command::Reset { progress: true },
            Some(other) => return Err(args.usage(format!("cannot reset '{other}'"))),
        },
        "show" => {
            let words: Vec<&str> = args.rest.split_whitespace().collect();
            match words.as_slice() {
                ["code"] => Command::ShowCode { all: false },
                ["code", "--all"] => Command::ShowCode { all: true },
                ["code", other, ..] => {
                    return Err(args.usage(format!("`show code` takes --all, not '{other}'")));
                }
                [other, ..] => return Err(args.usage(format!("cannot show '{other}'"))),
                [] => return Err(args.usage("show what?")),
            }
        }
        "edit" => Command::Edit(args.optional_word()?),
        "diff" => args.none().map(|_| Command::Diff)?,
        "restore" => args.none().map(|_| Command::Restore)?,
        "exercises" => args.none().map(|_| Command::Exercises)?,
        "exercise" => {
            Command::Exercise(args.word("an exercise name (`exercises` lists them) or off")?)
        }
        "check" => Command::Check(args.optional_word()?),
        "hint" => args.none().map(|_| Command::Hint)?,
        "solution" => args.none().map(|_| Command::Solution)?,
        "clear" => args.none().map(|_| Command::Clear)?,
        "timeline" => match args.optional_word()?.as_deref() {
            None => Command::Timeline { all: false },
            Some("--all" | "all") => Command::Timeline { all: true },
            Some(other) => return Err(args.usage(format!("unknown option '{other}'"))),
        },
        "expect" => Command::Expect(Expectation::parse(args.rest).map_err(CommandError::Expect)?),
        "compare" => {
            let mut axes = Vec::new();
            for word in args.rest.split_whitespace() {
                let (param, values) = word
                    .split_once('=')
                    .ok_or_else(|| args.usage(format!("'{word}' should be <param>=<v1,v2,...>")))?;
                if values.is_empty() {
                    return Err(args.usage(format!("'{param}' needs at least one value")));
                }
                let values: Vec<String> = values.split(',').map(str::to_string).collect();
                // `1,,2` or `1,2,`: a value left out, said rather than
                // silently run as fewer values than were typed.
                if values.iter().any(String::is_empty) {
                    return Err(
                        args.usage(format!("'{word}' has an empty value between its commas"))
                    );
                }
                axes.push((param.to_string(), values));
            }
            match axes.len() {
                0 => {
                    return Err(args.usage(
                        "'compare' needs a parameter and values, e.g. `compare concurrency=1,3,10`",
                    ));
                }
                1 | 2 => {}
                _ => return Err(args.usage("at most two parameters at once")),
            }
            let runs: usize = axes.iter().map(|(_, v)| v.len()).product();
            if runs > 64 {
                return Err(args.usage(format!("{runs} runs is too many: at most 64")));
            }
            Command::Compare(axes)
        }
        "predict" => {
            let (metric, value) = args.rest.split_once(char::is_whitespace).ok_or_else(|| {
                args.usage("'predict' needs a metric and a value, e.g. `predict peak_in_flight 3`")
            })?;
            Command::Predict {
                metric: metric.to_string(),
                value: value.trim().to_string(),
            }
        }
        "ask" => Command::Ask(args.word("a metric, e.g. `ask peak_in_flight`")?),
        "at" => Command::At(args.word("a time, e.g. `at 150ms`")?),
        "play" => match args.optional_word()? {
            None => Command::Play(None),
            Some(w) => match w.parse::<f64>() {
                Ok(speed) if speed.is_finite() && speed > 0.0 => Command::Play(Some(speed)),
                _ => {
                    return Err(args.usage(format!(
                        "'{w}' is not a speed: a positive number, e.g. `play 0.5` or `play 2`"
                    )));
                }
            },
        },
        "export" => {
            let words: Vec<&str> = args.rest.split_whitespace().collect();
            match words.as_slice() {
                [file] if *file != "-f" => Command::Export {
                    file: file.to_string(),
                    force: false,
                },
                ["-f", file] | [file, "-f"] => Command::Export {
                    file: file.to_string(),
                    force: true,
                },
                _ => {
                    return Err(args.usage(
                        "'export' needs a file name, e.g. `export run.trace.json` (`export -f FILE` replaces one)",
                    ));
                }
            }
        }
        "quit" => args.none().map(|_| Command::Quit)?,
        _ => {
            return Err(CommandError::Unknown {
                word: word.to_string(),
                suggestion: None,
            });
        }
    };
    Ok(Some(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let cases: &[(&str, Option<Command>)] = &[
            ("", None),
            ("   ", None),
            ("# comment", None),
            ("help", Some(Command::Help(None))),
            ("help set", Some(Command::Help(Some("set".into())))),
            ("?", Some(Command::Help(None))),
            ("lessons", Some(Command::Lessons)),
            ("open rate-limit", Some(Command::Open("rate-limit".into()))),
            ("  open   4  ", Some(Command::Open("4".into()))),
            ("next", Some(Command::Next)),
            ("prev", Some(Command::Prev)),
            ("where", Some(Command::Where)),
            ("run", Some(Command::Run)),
            ("explain", Some(Command::Explain(None))),
            (
                "explain permit-wait",
                Some(Command::Explain(Some("permit-wait".into()))),
            ),
            (
                "set concurrency 10",
                Some(Command::Set {
                    param: "concurrency".into(),
                    value: "10".into(),
                }),
            ),
            (
                "set urls http://a/, http://b/",
                Some(Command::Set {
                    param: "urls".into(),
                    value: "http://a/, http://b/".into(),
                }),
            ),
            ("params", Some(Command::Params)),
            ("reset", Some(Command::Reset { progress: false })),
            ("reset progress", Some(Command::Reset { progress: true })),
            ("show code", Some(Command::ShowCode { all: false })),
            ("show code --all", Some(Command::ShowCode { all: true })),
            ("timeline", Some(Command::Timeline { all: false })),
            ("timeline --all", Some(Command::Timeline { all: true })),
            ("quit", Some(Command::Quit)),
            ("exit", Some(Command::Quit)),
            (
                "compare concurrency=1,3,10",
                Some(Command::Compare(vec![(
                    "concurrency".into(),
                    vec!["1".into(), "3".into(), "10".into()],
                )])),
            ),
            (
                "predict total 300ms",
                Some(Command::Predict {
                    metric: "total".into(),
                    value: "300ms".into(),
                }),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line).as_ref(), Ok(want), "{line:?}");
        }
        assert!(matches!(
            parse("expect total < prev.total / 2"),
            Ok(Some(Command::Expect(_)))
        ));
    }

    #[test]
    fn rejects_with_a_fix() {
        let cases: &[(&str, &str)] = &[
            (
                "rn",
                "unknown command 'rn' (did you mean 'run'?); type `help` for the list",
            ),
            ("xyzzy", "unknown command 'xyzzy'; type `help` for the list"),
            (
                "lesons",
                "unknown command 'lesons' (did you mean 'lessons'?); type `help` for the list",
            ),
            (
                "run now",
                "'run' takes no arguments (got 'now'): usage `run`",
            ),
            (
                "open",
                "'open' needs a lesson id or number: usage `open <id|number>`",
            ),
            (
                "open a b",
                "one word expected, 'b' is left over: usage `open <id|number>`",
            ),
            (
                "set concurrency",
                "'set' needs a parameter and a value, e.g. `set concurrency 10`: usage `set <param> <value>`",
            ),
            (
                "set",
                "'set' needs a parameter and a value, e.g. `set concurrency 10`: usage `set <param> <value>`",
            ),
            ("show", "show what?: usage `show code [--all]`"),
            (
                "show tasks",
                "cannot show 'tasks': usage `show code [--all]`",
            ),
            (
                "timeline --some",
                "unknown option '--some': usage `timeline [--all]`",
            ),
            (
                "quit now",
                "'quit' takes no arguments (got 'now'): usage `quit`",
            ),
            (
                "expect total",
                "incomplete expectation: write `expect <metric> <op> <value>`, e.g. `expect peak_in_flight == 3`",
            ),
            (
                "expect total ~ 3",
                "unknown operator '~': use == != < <= > >=",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(
                parse(line).map_err(|e| e.to_string()),
                Err(want.to_string()),
                "{line:?}"
            );
        }
    }

    #[test]
    fn every_command_in_the_table_parses() {
        for spec in COMMANDS {
            let line = match spec.name {
                "open" => "open 1".to_string(),
                "set" => "set count 1".to_string(),
                "show" => "show code".to_string(),
                "expect" => "expect total > 0ms".to_string(),
                "compare" => "compare count=1,2".to_string(),
                "predict" => "predict total 1s".to_string(),
                "at" => "at 10ms".to_string(),
                "ask" => "ask total".to_string(),
                "export" => "export x.json".to_string(),
                "exercise" => "exercise bound-scan".to_string(),
                name => name.to_string(),
            };
            assert!(matches!(parse(&line), Ok(Some(_))), "{line}");
        }
    }
}
