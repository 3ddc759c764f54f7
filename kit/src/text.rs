//! Text helpers every layer shares, so each exists once:
//!
//! - [`sanitize`]: text from outside asynclab (a program's output, a
//!   compiler's diagnostics, a lesson, a banner) made safe for the
//!   terminal: control characters and escape sequences are shown escaped
//!   (`\e]52…`), never sent. Only colour (SGR, `ESC[…m`) may be kept, for
//!   cargo's own colouring of diagnostics.
//! - [`closest`] and [`did_you_mean`]: the suggestion after a misspelt name.
//! - [`escape_html`]: text placed in an exported SVG or HTML page.

use std::borrow::Cow;

/// The closest name within a couple of edits (more for long names), for
/// "did you mean": `concurency` → `concurrency`.
pub fn closest<'a>(word: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(word, n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4) && *d < n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The characters of `text` as a terminal shows them: colour sequences
/// (`ESC … m`) skipped. Counts display width in the renderer, reads the
/// words of cargo's coloured output.
pub fn without_sgr(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut in_escape = false;
    text.chars().filter(move |&c| match (in_escape, c) {
        (false, '\u{1b}') => {
            in_escape = true;
            false
        }
        (true, 'm') => {
            in_escape = false;
            false
        }
        (true, _) => false,
        (false, _) => true,
    })
}

/// `text` safe inside HTML or SVG, in an element or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// What the user typed, quoted back in an error: escaped, and at most
/// `max` characters (a pasted wall of text is not echoed whole).
pub fn quoted(text: &str, max: usize) -> String {
    let clean = sanitize(text, false);
    match clean.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean.into_owned(),
    }
}

/// ` (did you mean 'x'?)`, or nothing: the tail of an "unknown …" error.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// A path as the user is shown it: a file name can hold any byte but `/`,
/// an escape sequence or a newline included, so it is escaped like any
/// outside text.
pub fn shown_path(path: &std::path::Path) -> String {
    sanitize(&path.display().to_string(), false).into_owned()
}

/// `text` with every control character escaped; with `keep_color`, SGR
/// colour sequences pass through unchanged.
pub fn sanitize(text: &str, keep_color: bool) -> Cow<'_, str> {
    // Printable ASCII, the usual case (`port-80`, `open: handshake
    // completed`), is checked a byte at a time.
    if is_plain(text) || !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && keep_color
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\t' => out.push('\t'),
            c if is_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// Printable ASCII only, so nothing in `text` needs escaping. Checked in
/// blocks without an early exit, which the compiler turns into vector
/// instructions: a million task names are 12 MB.
pub fn is_plain(text: &str) -> bool {
    text.as_bytes().chunks(64).all(|block| {
        block
            .iter()
            .fold(true, |plain, &b| plain & (b' '..=b'~').contains(&b))
    })
}

fn is_control(c: char) -> bool {
    c != '\t' && is_unsafe(c)
}

/// A character that can drive or deceive a terminal: a control character
/// (C0, DEL, C1), a line or paragraph separator, or a bidirectional
/// override that reorders what is shown ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}' // Arabic letter mark: a bidi control too
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// The length of an SGR sequence (`ESC [ digits;digits m`) at the start.
fn sgr_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\u{1b}[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_sequences_are_skipped_and_the_rest_kept() {
        let coloured = "\u{1b}[1m\u{1b}[32m   Compiling\u{1b}[0m tokio";
        assert_eq!(
            without_sgr(coloured).collect::<String>(),
            "   Compiling tokio"
        );
        assert_eq!(without_sgr("plain é").count(), 7);
    }

    #[test]
    fn html_escaping_covers_elements_and_both_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn escapes_what_could_drive_the_terminal() {
        let cases = [
            ("plain text", false, "plain text"),
            ("\u{1b}]52;c;aGk=\u{7}", false, "\\e]52;c;aGk=\\u{7}"),
            ("\u{1b}]0;title\u{7}", true, "\\e]0;title\\u{7}"),
            ("\u{1b}[2J", true, "\\e[2J"),
            ("\u{1b}[8m", false, "\\e[8m"),
            (
                "\u{1b}[1;31merror\u{1b}[0m",
                true,
                "\u{1b}[1;31merror\u{1b}[0m",
            ),
            ("\u{1b}[1;31merror", false, "\\e[1;31merror"),
            ("a\rb\u{85}c", false, "a\\u{d}b\\u{85}c"),
            ("tab\tkept", false, "tab\tkept"),
            ("abc\u{202e}fed", false, "abc\\u{202e}fed"),
            ("a\u{61c}b", false, "a\\u{61c}b"),
        ];
        for (input, color, want) in cases {
            assert_eq!(sanitize(input, color), want, "{input:?}");
        }
    }
}
