//! `export`: writes the last run where the user asked, in the format its
//! extension names. The HTML page is one self-contained file: the title
//! once, what the run ran with (parameters, clock, seed, the shell line
//! that reproduces it), the SVG chart, the explanation and the annotated
//! event table. Everything from the run or the parameters is escaped.

use asynclab_kit::text::escape_html as escape;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use super::SessionError;

use crate::timeline::{Analysis, Run, format_duration, to_chrome_trace, to_json, to_svg};

/// Event rows in the HTML page; a huge run links to the JSON for the rest.
const HTML_ROWS: usize = 2_000;

/// The formats, by file-name ending (longest first).
pub const FORMATS: &[&str] = &[".trace.json", ".json", ".svg", ".html"];

/// Writes `text` to `path`. Never through a symbolic link (a link named
/// like the export could point anywhere); an existing file only with
/// `force`, and then by writing a new file beside it and renaming it over,
/// so a half-written export never replaces a good one.
pub fn write_file(path: &Path, text: &str, force: bool) -> Result<(), SessionError> {
    let shown = asynclab_kit::text::shown_path(path);
    let fail = |why: String| SessionError::Invalid(format!("cannot write {shown}: {why}"));
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(fail(
                "it is a symbolic link, and asynclab does not write through links: choose another name".into(),
            ));
        }
        Ok(_) if !force => {
            return Err(fail(format!("it exists: `export -f {shown}` replaces it")));
        }
        _ => {}
    }
    // `create_new` is O_CREAT|O_EXCL: it fails on anything already there,
    // a link included, instead of following it.
    let create = |target: &Path| {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(target)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    };
    if !force {
        return create(path).map_err(|e| fail(e.to_string()));
    }
    let tmp = path.with_file_name(format!(
        ".{}.asynclab-{}",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let _ = fs::remove_file(&tmp);
    create(&tmp)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            fail(e.to_string())
        })
}

/// What an export says about a run besides its timeline.
#[derive(Clone, Debug, Default)]
pub struct ExportInfo {
    pub title: String,
    /// The written explanation of the run (HTML only).
    pub explanation: String,
    /// The run's parameters as (name, value), clock and seed apart.
    pub params: Vec<(String, String)>,
    pub clock: String,
    pub seed: String,
    /// The shell line that runs the same again, when one can: not for the
    /// learner's own code, nor once the parameters changed after the run.
    pub reproduce: Option<String>,
}

/// The bytes to write for `path`, or why it cannot be exported.
pub fn render(
    path: &Path,
    run: &Run,
    analysis: &Analysis,
    info: &ExportInfo,
) -> Result<String, String> {
    let name = path.to_string_lossy();
    let format = FORMATS.iter().find(|f| name.ends_with(*f)).ok_or_else(|| {
        format!("'{name}' has no known ending: use .json, .trace.json, .svg or .html")
    })?;
    Ok(match *format {
        ".trace.json" => to_chrome_trace(run, analysis, &info.title).to_string(),
        ".json" => to_json(run).map_err(|e| e.to_string())?,
        ".svg" => to_svg(run, analysis, Some(&info.title)),
        _ => html(run, analysis, info),
    })
}

/// What the run ran with: a definition list of parameters, clock and
/// seed, then the reproducing shell line.
fn ran_with(page: &mut String, info: &ExportInfo) {
    page.push_str("<h2>Ran with</h2>\n<dl>\n");
    let common = [("clock", &info.clock), ("seed", &info.seed)];
    for (name, value) in info
        .params
        .iter()
        .map(|(n, v)| (n.as_str(), v))
        .chain(common)
    {
        let _ = writeln!(
            page,
            "<dt>{}</dt><dd><code>{}</code></dd>",
            escape(name),
            escape(value)
        );
    }
    page.push_str("</dl>\n");
    if let Some(line) = &info.reproduce {
        let _ = writeln!(
            page,
            "<p>reproduce:</p>\n<pre><code>{}</code></pre>",
            escape(line)
        );
    }
}

fn html(run: &Run, analysis: &Analysis, info: &ExportInfo) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}}\
         table{{border-collapse:collapse;font-family:monospace;font-size:12px}}\
         td,th{{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}}\
         pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}svg{{max-width:100%;height:auto}}\
         dl{{display:grid;grid-template-columns:max-content auto;gap:2px 1em}}dd{{margin:0}}</style></head><body>\n<h1>{t}</h1>\n",
        t = escape(&info.title)
    );
    ran_with(&mut page, info);
    // The page's heading is the title: the chart does not repeat it.
    page.push_str(&to_svg(run, analysis, None));
    let _ = write!(
        page,
        "<h2>What happened</h2>\n<pre>{}</pre>\n<h2>Events</h2>\n<table>\n<tr><th>time</th><th>task</th><th>event</th><th>why</th></tr>\n",
        escape(&info.explanation)
    );
    for e in run.events.iter().take(HTML_ROWS) {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            format_duration(e.at_ns),
            escape(run.task_name(e.task)),
            e.kind.label(),
            escape(run.note(&e))
        );
    }
    page.push_str("</table>\n");
    if run.events.len() > HTML_ROWS {
        let _ = writeln!(
            page,
            "<p>… and {} more events: export .json for all of them.</p>",
            run.events.len() - HTML_ROWS
        );
    }
    page.push_str("</body></html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::analyze;

    /// A run of one task, `<b>`, that started and was cancelled.
    fn run() -> Run {
        serde_json::from_value(serde_json::json!({
            "format_version": crate::timeline::FORMAT_VERSION,
            "tasks": [{ "name": "<b>" }],
            "events": [
                { "at_ns": 0, "task": 0, "kind": "started", "note": "go" },
                { "at_ns": 5_000_000, "task": 0, "kind": "cancelled", "note": "lost" }
            ],
            "metrics": {},
            "dropped": 0,
            "outcome": { "outcome": "finished" }
        }))
        .expect("a Run")
    }

    /// The page's text as a reader sees it: no head, no tooltips, no tags.
    fn visible(html: &str) -> String {
        let body = html.split("<body>").nth(1).unwrap_or(html);
        let mut text = String::new();
        let mut rest = body;
        while let Some(start) = rest.find("<title>") {
            text.push_str(&rest[..start]);
            rest = rest[start..].split_once("</title>").map_or("", |(_, r)| r);
        }
        text.push_str(rest);
        let mut out = String::new();
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_page_says_what_the_run_ran_with_and_its_title_once() {
        let run = run();
        let info = ExportInfo {
            title: "select · Racing & <futures>".into(),
            explanation: "why <it> happened".into(),
            params: vec![
                ("count".into(), "6".into()),
                ("targets".into(), "<script>x</script>".into()),
            ],
            clock: "virtual".into(),
            seed: "42".into(),
            reproduce: Some("asynclab run select --set 'count=6'".into()),
        };
        let html = render(Path::new("run.html"), &run, &analyze(&run), &info).expect("html");
        let text = visible(&html);
        assert_eq!(
            text.matches("select · Racing &amp; &lt;futures&gt;")
                .count(),
            1,
            "{text}"
        );
        for shown in [
            "<dt>count</dt><dd><code>6</code></dd>",
            "<dt>targets</dt><dd><code>&lt;script&gt;x&lt;/script&gt;</code></dd>",
            "<dt>clock</dt><dd><code>virtual</code></dd>",
            "<dt>seed</dt><dd><code>42</code></dd>",
            "<pre><code>asynclab run select --set &#39;count=6&#39;</code></pre>",
            "why &lt;it&gt; happened",
            "<td>&lt;b&gt;</td>",
        ] {
            assert!(html.contains(shown), "lacks {shown}:\n{html}");
        }
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );

        // The chart alone keeps its title; the own code's page has no
        // reproduce line.
        let svg = render(Path::new("run.svg"), &run, &analyze(&run), &info).expect("svg");
        assert_eq!(svg.matches("Racing &amp; &lt;futures&gt;").count(), 1);
        let yours = ExportInfo {
            reproduce: None,
            ..info
        };
        let html = render(Path::new("run.html"), &run, &analyze(&run), &yours).expect("html");
        assert!(!html.contains("reproduce"), "{html}");
    }

    #[test]
    fn a_cancelled_task_is_hatched_not_green() {
        let run = run();
        let svg = crate::timeline::to_svg(&run, &analyze(&run), None);
        let bars: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("running 0ms–5ms"))
            .collect();
        assert_eq!(bars.len(), 1, "{svg}");
        assert!(bars[0].contains(r#"fill="url(#cancelled)""#), "{}", bars[0]);
        assert!(svg.contains(r#"<pattern id="cancelled""#));
        assert!(
            svg.contains("work of a cancelled task"),
            "the legend says so"
        );
    }
}
