//! Property tests: whatever a learner types and whatever a lesson file
//! holds, the parsers answer with a value or an error, never a panic, and a
//! lesson error always names a line inside the file.
//!
//! CI runs proptest's default 256 cases a property; run longer by hand with
//! `PROPTEST_CASES=20000 cargo test --release --test properties`.

use asynclab::command;
use asynclab::demo::params::parse_ports;
use asynclab::lesson::{Catalog, Expectation, parse};
use asynclab::session::resolve::resolve;
use asynclab::timeline::parse_duration;
use proptest::prelude::*;

/// Real lessons, the starting points for mutation.
fn lessons() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("lessons/")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    texts.sort();
    texts
}

/// One edit to a text.
#[derive(Clone, Debug)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine { line: usize },
    DropLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "---",
        "```",
        "```asynclab",
        "## explain ",
        "expect ",
        " == ",
        "set ",
        "run",
        "params: {",
        "}",
        ":",
        "\n",
        "id: ",
        "demo: ",
        "é",
        "\u{0}",
        "\t",
        "#",
        "prev.",
        "-",
        "9999999999999999999999",
    ]);
    prop_oneof![
        (any::<usize>(), 0usize..64).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(tokens, 1..4)).prop_map(|(at, t)| Edit::Insert {
            at,
            text: t.concat()
        }),
        (any::<usize>(), ".{0,12}").prop_map(|(at, text)| Edit::Insert { at, text }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        any::<usize>().prop_map(|line| Edit::DropLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let boundary = |at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match edit {
        Edit::Delete { at, len } => {
            let start = boundary(*at);
            let end = boundary(start + len);
            format!("{}{}", &text[..start], &text[end.max(start)..])
        }
        Edit::Insert { at, text: inserted } => {
            let at = boundary(*at);
            format!("{}{inserted}{}", &text[..at], &text[at..])
        }
        Edit::DuplicateLine { line } if !lines.is_empty() => {
            let l = lines[line % n];
            lines.insert(line % n, l);
            lines.join("\n")
        }
        Edit::DropLine { line } if !lines.is_empty() => {
            lines.remove(line % n);
            lines.join("\n")
        }
        Edit::SwapLines { a, b } if !lines.is_empty() => {
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        _ => text.to_string(),
    }
}

/// A lesson error names a line inside the file (or the file itself, 0).
fn check_lesson(text: &str) -> Result<(), TestCaseError> {
    match parse("mutant.md", text) {
        Ok(lesson) => {
            // Parse, then resolve: neither may panic.
            if let Err(e) = resolve(lesson) {
                prop_assert!(e.line <= text.lines().count() + 1, "{e} is past the end");
            }
        }
        Err(e) => {
            prop_assert!(
                e.line >= 1 && e.line <= text.lines().count().max(1) + 1,
                "{e} names no line in the file"
            );
            prop_assert!(e.to_string().starts_with("mutant.md:"), "{e}");
            prop_assert!(!e.message.contains('\n'), "one line: {e}");
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn command_lines_never_panic(line in ".{0,80}") {
        if let Err(e) = command::parse(&line) {
            let message = e.to_string();
            prop_assert!(!message.is_empty() && !message.contains('\n'), "{message:?}");
        }
    }

    #[test]
    fn command_like_lines_never_panic(
        word in prop::sample::select(command::COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>()),
        rest in "[ -~]{0,40}",
    ) {
        let _ = command::parse(&format!("{word} {rest}"));
    }

    #[test]
    fn random_lessons_never_panic(text in "(---\n)?(.{0,40}\n){0,12}") {
        check_lesson(&text)?;
    }

    #[test]
    fn mutated_real_lessons_never_panic(which in any::<usize>(), edits in prop::collection::vec(edit(), 1..6)) {
        let all = lessons();
        let mut text = all[which % all.len()].clone();
        for e in &edits {
            text = apply(&text, e);
        }
        check_lesson(&text)?;
    }

    #[test]
    fn small_parsers_never_panic(text in ".{0,30}") {
        let _ = Expectation::parse(&text);
        let _ = parse_ports(&text);
        let _ = parse_duration(&text);
    }
}

#[test]
fn the_real_lessons_are_the_seed_corpus() {
    // Guard against mutating nothing: every shipped lesson must parse.
    let catalog = Catalog::embedded();
    assert!(catalog.entries.len() >= 23);
    assert!(catalog.entries.iter().all(|e| e.lesson.is_ok()));
    assert_eq!(lessons().len(), catalog.entries.len());
}
