//! The rustyline helper: completion, hints and highlighting, all driven by
//! the one command table and by what the session can offer right now.
//! Validation is rustyline's default (every line is complete).

use std::borrow::Cow;

use colored::Colorize;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::command::{ArgKind, COMMANDS, spec};
use crate::session::Completions;

pub struct ReplHelper {
    pub completions: Completions,
    pub color: bool,
}

impl Helper for ReplHelper {}
impl Validator for ReplHelper {}

fn pairs<'a>(prefix: &str, words: impl IntoIterator<Item = &'a str>) -> Vec<Pair> {
    let mut out: Vec<Pair> = words
        .into_iter()
        .filter(|w| w.starts_with(prefix))
        .map(|w| Pair {
            display: w.to_string(),
            replacement: format!("{w} "),
        })
        .collect();
    out.dedup_by(|a, b| a.display == b.display);
    out
}

impl ReplHelper {
    /// Candidates for the word that ends at the cursor.
    pub fn candidates(&self, before: &str) -> (usize, Vec<Pair>) {
        // After the last whitespace character, whatever its width in bytes
        // (U+00A0 is two, U+3000 three): never an index inside a character.
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let current = &before[start..];
        let words: Vec<&str> = before[..start].split_whitespace().collect();
        let Some(first) = words.first() else {
            return (start, pairs(current, COMMANDS.iter().map(|c| c.name)));
        };
        let Some(spec) = spec(first) else {
            return (start, Vec::new());
        };
        let c = &self.completions;
        let found = match (spec.completes, words.len()) {
            (ArgKind::Command, 1) => pairs(current, COMMANDS.iter().map(|c| c.name)),
            (ArgKind::Lesson, 1) => pairs(
                current,
                c.lessons
                    .iter()
                    .map(String::as_str)
                    .filter(|l| !l.starts_with(|ch: char| ch.is_ascii_digit())),
            ),
            (ArgKind::Param, 1) => pairs(current, c.params.iter().map(|(n, _)| n.as_str())),
            (ArgKind::Param, 2) => c
                .params
                .iter()
                .find(|(n, _)| n == words[1])
                .map(|(_, values)| pairs(current, values.iter().map(String::as_str)))
                .unwrap_or_default(),
            (ArgKind::Topic, 1) => pairs(current, c.topics.iter().map(String::as_str)),
            (ArgKind::Metric, 1) => pairs(current, c.metrics.iter().map(String::as_str)),
            (ArgKind::Exercise, 1) => pairs(
                current,
                crate::exercise::EXERCISES
                    .iter()
                    .map(|e| e.name)
                    .chain(["off"]),
            ),
            (ArgKind::Fixed(list), 1) => pairs(current, list.iter().copied()),
            _ => Vec::new(),
        };
        (start, found)
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line.get(..pos).unwrap_or(line)))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// While typing a command name, the rest of it; after a full command
    /// name, its argument synopsis from the table.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        // A hint is drawn dim; without colour it would look like typed
        // text, so it is not drawn at all (NO_COLOR, a plain terminal).
        if !self.color || pos < line.len() || line.is_empty() {
            return None;
        }
        // `set concurrency ` → what it takes, and what it is now.
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["set", name] = words.as_slice()
            && line.ends_with(' ')
        {
            return self
                .completions
                .param_hints
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, hint)| hint.clone());
        }
        if let Some(name) = line.strip_suffix(' ') {
            return spec(name.trim())
                .filter(|s| !s.args.is_empty() && !name.contains(' '))
                .map(|s| s.args.to_string());
        }
        if line.contains(' ') {
            return None;
        }
        let mut matching = COMMANDS.iter().filter(|c| c.name.starts_with(line));
        match (matching.next(), matching.next()) {
            (Some(only), None) if only.name != line => {
                only.name.get(line.len()..).map(str::to_string)
            }
            (Some(only), None) if !only.args.is_empty() => Some(format!(" {}", only.args)),
            _ => None,
        }
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(hint.dimmed().to_string())
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        default: bool,
    ) -> Cow<'b, str> {
        if self.color && default {
            Cow::Owned(prompt.cyan().bold().to_string())
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        ReplHelper {
            completions: Completions {
                lessons: vec!["rate-limit".into(), "port-check".into(), "1".into()],
                params: vec![
                    ("concurrency".into(), vec![]),
                    ("clock".into(), vec!["virtual".into(), "real".into()]),
                ],
                param_hints: vec![("concurrency".into(), "1..=10000 (now 3)".into())],
                topics: vec!["permit-wait".into()],
                metrics: vec!["peak_in_flight".into(), "total".into(), "open_ports".into()],
            },
            color: true,
        }
    }

    #[test]
    fn completes_by_position() {
        let h = helper();
        let cases: &[(&str, &[&str])] = &[
            (
                "",
                &[
                    "help",
                    "lessons",
                    "open",
                    "next",
                    "prev",
                    "where",
                    "run",
                    "explain",
                    "set",
                    "params",
                    "reset",
                    "show",
                    "edit",
                    "diff",
                    "restore",
                    "exercises",
                    "exercise",
                    "check",
                    "hint",
                    "solution",
                    "timeline",
                    "expect",
                    "compare",
                    "predict",
                    "ask",
                    "at",
                    "play",
                    "export",
                    "clear",
                    "quit",
                ],
            ),
            ("r", &["run", "reset", "restore"]),
            ("open ", &["rate-limit", "port-check"]),
            ("open ra", &["rate-limit"]),
            ("set c", &["concurrency", "clock"]),
            ("set clock ", &["virtual", "real"]),
            ("set concurrency ", &[]),
            ("explain ", &["permit-wait"]),
            ("predict pe", &["peak_in_flight"]),
            ("expect o", &["open_ports"]),
            ("ask t", &["total"]),
            ("show ", &["code"]),
            ("help ti", &["timeline"]),
            ("exercise bo", &["bound-scan", "bounded-progress"]),
            ("exercise o", &["offload-parse", "off"]),
            ("edit fai", &["fail-fast"]),
            ("nosuch ", &[]),
        ];
        for (line, want) in cases {
            let (_, got) = h.candidates(line);
            let got: Vec<&str> = got.iter().map(|p| p.display.as_str()).collect();
            assert_eq!(&got, want, "{line:?}");
        }
    }

    #[test]
    fn no_input_makes_completion_or_hints_panic() {
        let h = helper();
        let history = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&history);
        let tricky = [
            "set\u{a0}",
            "set\u{a0}c",
            "open\u{3000}ra",
            "set concurrency\u{2003}",
            "\u{3000}",
            "é ",
            "exercise\u{a0}bo",
            "help\u{85}x",
            "\u{1b}[2J set ",
            "set \u{1f600} ",
        ];
        for line in tricky {
            for (pos, _) in line.char_indices().chain([(line.len(), ' ')]) {
                let _ = h.complete(line, pos, &ctx);
                let _ = h.hint(line, pos, &ctx);
            }
        }
        assert_eq!(h.candidates("set\u{a0}c").0, "set\u{a0}".len());
    }

    #[test]
    fn hints_say_what_a_parameter_takes_and_vanish_without_colour() {
        let h = helper();
        let history = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&history);
        let hint = |h: &ReplHelper, line: &str| h.hint(line, line.len(), &ctx);
        assert_eq!(
            hint(&h, "set concurrency "),
            Some("1..=10000 (now 3)".into())
        );
        assert_eq!(hint(&h, "tim"), Some("eline".into()));
        let plain = ReplHelper {
            color: false,
            ..helper()
        };
        assert_eq!(hint(&plain, "set concurrency "), None);
        assert_eq!(hint(&plain, "tim"), None);
    }

    proptest::proptest! {
        /// Any line, with the cursor at any character boundary: completion
        /// and hints answer, never panic (fuzzed like the command parser).
        #[test]
        fn completion_and_hints_never_panic(
            word in proptest::sample::select(COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>()),
            rest in "[ a-z\u{a0}\u{3000}\u{2003}\u{85}é😀\t-]{0,24}",
        ) {
            let h = helper();
            let history = rustyline::history::DefaultHistory::new();
            let ctx = Context::new(&history);
            let line = format!("{word}{rest}");
            for (pos, _) in line.char_indices().chain([(line.len(), ' ')]) {
                let _ = h.complete(&line, pos, &ctx);
                let _ = h.hint(&line, pos, &ctx);
            }
        }
    }
}
