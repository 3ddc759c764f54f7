//! Text to [`Lesson`]: front matter, then cells and explain notes. Every
//! error carries the line it is about and what to write instead.

use super::{Cell, CellLine, ExplainNote, Lesson, LessonError, Meta, ParamDefault};

/// Lines longer than this are refused: no lesson needs them, and a
/// terminal could not show them.
const MAX_LINE: usize = 4_096;
const FRONT_KEYS: &str = "id, title, demo, params";

struct Parser<'a> {
    source: &'a str,
}

impl Parser<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> LessonError {
        LessonError {
            file: self.source.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parses one lesson file; `source` names it in errors.
pub fn parse(source: &str, text: &str) -> Result<Lesson, LessonError> {
    let p = Parser { source };
    // A lesson file is data: a control character in it (an escape sequence
    // in prose, a title, a cell) is kept as visible text like `\e]52`,
    // never sent to the terminal.
    let escaped: Vec<std::borrow::Cow<'_, str>> = text
        .lines()
        .map(|l| asynclab_kit::text::sanitize(l, false))
        .collect();
    let lines: Vec<&str> = escaped.iter().map(|l| l.as_ref()).collect();
    if let Some(i) = lines.iter().position(|l| l.len() > MAX_LINE) {
        return Err(p.err(
            i + 1,
            format!("line is longer than {MAX_LINE} bytes: wrap it"),
        ));
    }
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(p.err(
            1,
            "a lesson starts with front matter: a line `---`, then id/title/demo, then `---`",
        ));
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---")
        .map(|i| i + 1)
        .ok_or_else(|| p.err(1, "front matter is never closed: add a line `---` after it"))?;
    let meta = front_matter(&p, &lines[1..close])?;
    let (cells, explains) = body(&p, &lines, close + 1)?;
    Ok(Lesson {
        source: source.to_string(),
        meta,
        cells,
        explains,
    })
}

/// Lowercase letters, digits and '-', starting with a letter or digit: an
/// id goes into `reproduce:` lines, where a leading '-' would read as an
/// option (`--allow-external`).
fn valid_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn front_matter(p: &Parser<'_>, lines: &[&str]) -> Result<Meta, LessonError> {
    let (mut id, mut title, mut demo) = (None, None, None);
    let mut params = Vec::new();
    let mut in_params_block = false;
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 2; // after the opening `---`
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if in_params_block && raw.starts_with([' ', '\t']) {
            params.push(param_pair(p, raw.trim(), line)?);
            continue;
        }
        in_params_block = false;
        let (key, value) = raw
            .split_once(':')
            .ok_or_else(|| p.err(line, format!("expected `key: value` (keys: {FRONT_KEYS})")))?;
        let value = value.trim();
        match key.trim() {
            "id" => {
                if !valid_id(value) {
                    return Err(p.err(line, format!("id '{value}' must be lowercase letters, digits and '-', not starting with '-': e.g. rate-limit")));
                }
                id = Some(value.to_string());
            }
            "title" => title = Some(value.to_string()),
            "demo" => demo = Some((value.to_string(), line)),
            "params" => {
                if value.is_empty() {
                    in_params_block = true;
                } else {
                    let inner = value
                        .strip_prefix('{')
                        .and_then(|v| v.strip_suffix('}'))
                        .ok_or_else(|| p.err(line, "params is `{ name: value, ... }` or an indented list below `params:`"))?;
                    for pair in inner.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        params.push(param_pair(p, pair, line)?);
                    }
                }
            }
            other => {
                return Err(p.err(
                    line,
                    format!("unknown front-matter key '{other}': expected one of {FRONT_KEYS}"),
                ));
            }
        }
    }
    let missing = |what: &str| p.err(1, format!("front matter has no `{what}:` line"));
    let (demo, demo_line) = demo.ok_or_else(|| missing("demo"))?;
    Ok(Meta {
        id: id.ok_or_else(|| missing("id"))?,
        title: title.ok_or_else(|| missing("title"))?,
        demo,
        demo_line,
        params,
    })
}

fn param_pair(p: &Parser<'_>, pair: &str, line: usize) -> Result<ParamDefault, LessonError> {
    let (name, value) = pair.split_once(':').ok_or_else(|| {
        p.err(
            line,
            format!("parameter '{pair}' needs a value: `name: value`"),
        )
    })?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || value.is_empty() {
        return Err(p.err(
            line,
            format!("parameter '{pair}' needs a name and a value: `name: value`"),
        ));
    }
    Ok(ParamDefault {
        name: name.to_string(),
        value: value.to_string(),
        line,
    })
}

/// What the body parser is inside of.
enum Block {
    Prose,
    /// A fence that is not ours (```rust): shown as prose.
    OtherFence,
    Commands {
        start: usize,
        lines: Vec<CellLine>,
    },
    Explain,
}

fn body(
    p: &Parser<'_>,
    lines: &[&str],
    first: usize,
) -> Result<(Vec<Cell>, Vec<ExplainNote>), LessonError> {
    let mut cells = Vec::new();
    let mut explains: Vec<ExplainNote> = Vec::new();
    let mut prose = String::new();
    let mut prose_line = first + 1;
    let mut block = Block::Prose;
    let mut explain_fence = false;

    let flush = |prose: &mut String, line: usize, cells: &mut Vec<Cell>| {
        let text = prose.trim_matches('\n').to_string();
        if !text.trim().is_empty() {
            cells.push(Cell::Prose { line, text });
        }
        prose.clear();
    };

    for (index, &raw) in lines.iter().enumerate().skip(first) {
        let line = index + 1;
        let fence = raw.trim_start().starts_with("```");
        match &mut block {
            Block::Commands { start, lines: cmds } => {
                if fence {
                    cells.push(Cell::Commands {
                        line: *start,
                        lines: std::mem::take(cmds),
                    });
                    block = Block::Prose;
                    prose_line = line + 1;
                } else {
                    let text = raw.trim();
                    if !text.is_empty() && !text.starts_with('#') {
                        cmds.push(CellLine {
                            line,
                            text: text.to_string(),
                        });
                    }
                }
            }
            Block::OtherFence => {
                prose.push_str(raw);
                prose.push('\n');
                if fence {
                    block = Block::Prose;
                }
            }
            Block::Explain => {
                if fence {
                    if raw.trim_start().trim_start_matches('`').trim() == "asynclab" {
                        return Err(p.err(line, "command cells cannot sit inside an `## explain` section: move it above"));
                    }
                    explain_fence = !explain_fence;
                }
                if !fence && !explain_fence && is_section_heading(raw) {
                    block = Block::Prose;
                    prose_line = line;
                    // Fall through to the prose handling of this heading.
                    if start_explain(p, raw, line, &mut explains)? {
                        block = Block::Explain;
                    } else {
                        prose.push_str(raw);
                        prose.push('\n');
                    }
                } else if let Some(note) = explains.last_mut() {
                    note.text.push_str(raw);
                    note.text.push('\n');
                }
            }
            Block::Prose => {
                if fence {
                    let info = raw.trim_start().trim_start_matches('`').trim();
                    if info == "asynclab" {
                        flush(&mut prose, prose_line, &mut cells);
                        block = Block::Commands {
                            start: line,
                            lines: Vec::new(),
                        };
                    } else {
                        prose.push_str(raw);
                        prose.push('\n');
                        block = Block::OtherFence;
                    }
                } else if is_section_heading(raw) && start_explain(p, raw, line, &mut explains)? {
                    flush(&mut prose, prose_line, &mut cells);
                    block = Block::Explain;
                    explain_fence = false;
                } else {
                    if prose.trim().is_empty() && !raw.trim().is_empty() && prose.is_empty() {
                        prose_line = line;
                    }
                    prose.push_str(raw);
                    prose.push('\n');
                }
            }
        }
    }
    match block {
        Block::Commands { start, .. } => {
            return Err(p.err(
                start,
                "this ```asynclab cell is never closed: add a line ``` after its commands",
            ));
        }
        Block::OtherFence => return Err(p.err(lines.len(), "a ``` code block is never closed")),
        Block::Prose => flush(&mut prose, prose_line, &mut cells),
        Block::Explain => {}
    }
    for note in &mut explains {
        note.text = note.text.trim_matches('\n').to_string();
    }
    Ok((cells, explains))
}

fn is_section_heading(raw: &str) -> bool {
    raw.starts_with("# ") || raw.starts_with("## ")
}

/// If `raw` is `## explain <topic>`, records a new note and returns true.
fn start_explain(
    p: &Parser<'_>,
    raw: &str,
    line: usize,
    explains: &mut Vec<ExplainNote>,
) -> Result<bool, LessonError> {
    let Some(rest) = raw.strip_prefix("## explain") else {
        return Ok(false);
    };
    let topic = rest.trim();
    if topic.is_empty() || !valid_id(topic) {
        return Err(p.err(
            line,
            "an explain heading is `## explain <topic>`, topic in lowercase-with-dashes",
        ));
    }
    if explains.iter().any(|e| e.topic == topic) {
        return Err(p.err(line, format!("explain topic '{topic}' appears twice")));
    }
    explains.push(ExplainNote {
        topic: topic.to_string(),
        line,
        text: String::new(),
    });
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: rate-limit\ntitle: Rate limiting\ndemo: rate_limit\nparams: { count: 20, concurrency: 3 }\n---\nIntro text.\n\n```asynclab\nrun\n# a comment\nexpect peak_in_flight == 3\n```\nMore prose.\n```rust\nlet x = 1;\n```\n## explain permit-wait\nWhy a task waits.\n\n## Next steps\nRead on.\n";

    #[test]
    fn parses_a_whole_lesson() {
        let lesson = parse("x.md", GOOD).expect("parses");
        assert_eq!(lesson.meta.id, "rate-limit");
        assert_eq!(lesson.meta.demo, "rate_limit");
        assert_eq!(lesson.meta.demo_line, 4);
        let params: Vec<_> = lesson
            .meta
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str(), p.line))
            .collect();
        assert_eq!(params, [("count", "20", 5), ("concurrency", "3", 5)]);
        assert_eq!(lesson.cells.len(), 4, "{:#?}", lesson.cells);
        assert_eq!(
            lesson.cells[0],
            Cell::Prose {
                line: 7,
                text: "Intro text.".into()
            }
        );
        let Cell::Commands { line, lines } = &lesson.cells[1] else {
            panic!("not a command cell")
        };
        assert_eq!(*line, 9);
        let cmds: Vec<_> = lines.iter().map(|l| (l.line, l.text.as_str())).collect();
        assert_eq!(cmds, [(10, "run"), (12, "expect peak_in_flight == 3")]);
        assert!(
            matches!(&lesson.cells[2], Cell::Prose { text, .. } if text.contains("let x = 1;"))
        );
        assert!(
            matches!(&lesson.cells[3], Cell::Prose { text, .. } if text.starts_with("## Next steps"))
        );
        assert_eq!(lesson.explains.len(), 1);
        assert_eq!(lesson.explains[0].topic, "permit-wait");
        assert_eq!(lesson.explains[0].text, "Why a task waits.");
    }

    #[test]
    fn block_params() {
        let text =
            "---\nid: a\ntitle: A\ndemo: select\nparams:\n  count: 3\n  latency: 10ms\n---\nx\n";
        let lesson = parse("a.md", text).expect("parses");
        let names: Vec<_> = lesson
            .meta
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.line))
            .collect();
        assert_eq!(names, [("count", 6), ("latency", 7)]);
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let cases: &[(&str, &str)] = &[
            ("", "x.md:1: a lesson starts with front matter"),
            ("# Title\n", "x.md:1: a lesson starts with front matter"),
            ("---\nid: a\n", "x.md:1: front matter is never closed"),
            (
                "---\nid: a\ntitle: t\n---\n",
                "x.md:1: front matter has no `demo:` line",
            ),
            ("---\nid: A B\n---\n", "x.md:2: id 'A B' must be lowercase"),
            (
                "---\nid: --allow-external\n---\n",
                "x.md:2: id '--allow-external' must be lowercase",
            ),
            (
                "---\nid: a\ncolour: red\n---\n",
                "x.md:3: unknown front-matter key 'colour'",
            ),
            ("---\nid: a\njunk\n---\n", "x.md:3: expected `key: value`"),
            (
                "---\nid: a\nparams: count 3\n---\n",
                "x.md:3: params is `{ name: value, ... }`",
            ),
            (
                "---\nid: a\nparams: { count }\n---\n",
                "x.md:3: parameter 'count' needs a value",
            ),
            (
                "---\nid: a\ntitle: t\ndemo: d\n---\n```asynclab\nrun\n",
                "x.md:6: this ```asynclab cell is never closed",
            ),
            (
                "---\nid: a\ntitle: t\ndemo: d\n---\n```rust\nx\n",
                "x.md:7: a ``` code block is never closed",
            ),
            (
                "---\nid: a\ntitle: t\ndemo: d\n---\n## explain\n",
                "x.md:6: an explain heading is",
            ),
            (
                "---\nid: a\ntitle: t\ndemo: d\n---\n## explain a\n## explain a\n",
                "x.md:7: explain topic 'a' appears twice",
            ),
            (
                "---\nid: a\ntitle: t\ndemo: d\n---\n## explain a\n```asynclab\n",
                "x.md:7: command cells cannot sit inside",
            ),
        ];
        for (text, want) in cases {
            let got = parse("x.md", text).map(|_| ()).map_err(|e| e.to_string());
            match got {
                Err(e) => assert!(e.starts_with(want), "for {text:?}\n got: {e}\nwant: {want}"),
                Ok(()) => panic!("{text:?} should fail with {want}"),
            }
        }
        let long = format!("---\n{}\n---\n", "x".repeat(5000));
        assert_eq!(parse("x.md", &long).map_err(|e| e.line), Err(2));
    }
}
