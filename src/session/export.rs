//! `export`: writes the last run where the user asked, in the format its
//! extension names. The HTML page is one self-contained file: the SVG
//! chart, the annotated event table and the explanation of the run.

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
    let shown = path.display();
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

/// The bytes to write for `path`, or why it cannot be exported.
pub fn render(
    path: &Path,
    run: &Run,
    analysis: &Analysis,
    title: &str,
    explanation: &str,
) -> Result<String, String> {
    let name = path.to_string_lossy();
    let format = FORMATS.iter().find(|f| name.ends_with(*f)).ok_or_else(|| {
        format!("'{name}' has no known ending: use .json, .trace.json, .svg or .html")
    })?;
    Ok(match *format {
        ".trace.json" => to_chrome_trace(run, analysis, title).to_string(),
        ".json" => to_json(run).map_err(|e| e.to_string())?,
        ".svg" => to_svg(run, analysis, title),
        _ => html(run, analysis, title, explanation),
    })
}

fn html(run: &Run, analysis: &Analysis, title: &str, explanation: &str) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}}\
         table{{border-collapse:collapse;font-family:monospace;font-size:12px}}\
         td,th{{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}}\
         pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>{t}</h1>\n",
        t = escape(title)
    );
    page.push_str(&to_svg(run, analysis, title));
    let _ = write!(
        page,
        "<h2>What happened</h2>\n<pre>{}</pre>\n<h2>Events</h2>\n<table>\n<tr><th>time</th><th>task</th><th>event</th><th>why</th></tr>\n",
        escape(explanation)
    );
    for e in run.events.iter().take(HTML_ROWS) {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            format_duration(e.at_ns),
            escape(run.task_name(e.task)),
            e.kind.label(),
            escape(&e.note)
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
