//! The set of lessons a session can open: embedded in the binary, or read
//! from a folder. A broken lesson file does not break the catalog: it is
//! listed with its error, and opening it shows that error.

use std::fs;
use std::io::Read;
use std::path::Path;

use thiserror::Error;

use super::{Lesson, LessonError, parse};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
}

/// Lesson files larger than this are refused before they are read whole.
pub const MAX_LESSON_BYTES: u64 = 1024 * 1024;

/// One lesson file: parsed, or the reason it could not be.
#[derive(Clone, Debug)]
pub struct Entry {
    pub file: String,
    pub lesson: Result<Lesson, LessonError>,
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("no lesson '{key}'{}; `lessons` lists them", asynclab_kit::text::did_you_mean(.suggestion.as_deref()))]
    Unknown {
        key: String,
        suggestion: Option<String>,
    },
    #[error("there is no lesson {number}: lessons are numbered 1 to {count}")]
    OutOfRange { number: usize, count: usize },
    #[error(transparent)]
    Broken(#[from] LessonError),
    #[error("cannot read lessons from {path}: {reason}")]
    Folder { path: String, reason: String },
}

impl Catalog {
    /// The lessons compiled into the binary.
    pub fn embedded() -> Catalog {
        Catalog {
            entries: embedded::EMBEDDED
                .iter()
                .map(|(file, text)| Entry {
                    file: file.to_string(),
                    lesson: parse(file, text),
                })
                .collect(),
        }
    }

    /// Every `*.md` in `dir`, in file-name order (so `04-…` comes after `03-…`).
    pub fn from_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        let folder = |e: std::io::Error| CatalogError::Folder {
            path: shown(dir),
            reason: e.to_string(),
        };
        let mut files: Vec<_> = fs::read_dir(dir)
            .map_err(folder)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        files.sort();
        Ok(Catalog {
            entries: files
                .iter()
                .map(|f| Entry {
                    file: shown(f),
                    lesson: load(f),
                })
                .collect(),
        })
    }

    /// The built-in lessons with a folder's laid over them by id: a file
    /// whose lesson has a built-in id replaces that lesson where it stands,
    /// any other is added after them (a broken file too, listed with its
    /// error). Also returns what changed, for the user to be told, or
    /// `None` when the folder holds exactly the built-in lessons.
    pub fn overlay(dir: &Path) -> Result<(Catalog, Option<String>), CatalogError> {
        let mut catalog = Catalog::embedded();
        let (mut replaced, mut added) = (Vec::new(), Vec::new());
        for entry in Catalog::from_dir(dir)?.entries {
            let id = entry.lesson.as_ref().ok().map(|l| l.meta.id.clone());
            let same_id = catalog.entries.iter().position(|e| {
                e.lesson.as_ref().ok().map(|l| &l.meta.id) == id.as_ref() && id.is_some()
            });
            match (same_id, &entry.lesson) {
                (Some(i), Ok(lesson)) => {
                    if catalog.entries[i]
                        .lesson
                        .as_ref()
                        .is_ok_and(|l| !same_text(l, lesson))
                    {
                        replaced.push(lesson.meta.id.clone());
                        catalog.entries[i] = entry;
                    }
                }
                _ => {
                    added.push(entry.file.clone());
                    catalog.entries.push(entry);
                }
            }
        }
        let mut said = Vec::new();
        if !replaced.is_empty() {
            said.push(format!("replacing built-in {}", replaced.join(", ")));
        }
        if !added.is_empty() {
            said.push(format!("adding {}", added.join(", ")));
        }
        let note =
            (!said.is_empty()).then(|| format!("lessons from {}: {}", shown(dir), said.join("; ")));
        Ok((catalog, note))
    }

    /// Whether `lesson`, word for word, is this catalog's lesson of its id.
    pub fn holds(&self, lesson: &Lesson) -> bool {
        self.lessons()
            .find(|l| l.meta.id == lesson.meta.id)
            .is_some_and(|l| same_text(l, lesson))
    }

    /// Lessons that parsed.
    pub fn lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.entries.iter().filter_map(|e| e.lesson.as_ref().ok())
    }

    /// Finds a lesson by id, by number (1-based, as `lessons` shows them),
    /// or by file name.
    pub fn find(&self, key: &str) -> Result<&Lesson, CatalogError> {
        if let Ok(number) = key.parse::<usize>() {
            let entry = number
                .checked_sub(1)
                .and_then(|i| self.entries.get(i))
                .ok_or(CatalogError::OutOfRange {
                    number,
                    count: self.entries.len(),
                })?;
            return entry.lesson.as_ref().map_err(|e| e.clone().into());
        }
        // An id first, then a file's name (`01-port-check`, `…/x.md`):
        // a key is never matched against the middle of a name.
        if let Some(lesson) = self.lessons().find(|l| l.meta.id == key) {
            return Ok(lesson);
        }
        let md = format!("{key}.md");
        for entry in &self.entries {
            let file = entry.file.trim_start_matches("built-in:");
            let name = Path::new(file).file_name().map(|n| n.to_string_lossy());
            let by_file = file == key
                || file == md
                || entry.file == key
                || name.is_some_and(|n| n == key || n == md.as_str());
            match &entry.lesson {
                Ok(lesson) if by_file => return Ok(lesson),
                Err(e) if by_file => return Err(e.clone().into()),
                _ => {}
            }
        }
        let ids: Vec<&str> = self.lessons().map(|l| l.meta.id.as_str()).collect();
        // A near spelling, else an id that contains what was typed
        // (`rate` → `rate-limit`).
        let suggestion = asynclab_kit::text::closest(key, ids.iter().copied())
            .or_else(|| ids.iter().copied().find(|id| id.contains(key)))
            .map(str::to_string);
        Err(CatalogError::Unknown {
            key: key.to_string(),
            suggestion,
        })
    }
}

/// A path as the user is shown it: a file name can hold any byte but `/`,
/// an escape sequence included, so it is escaped like any outside text.
fn shown(path: &Path) -> String {
    asynclab_kit::text::shown_path(path)
}

/// Two lessons that say the same, wherever they were read from.
fn same_text(a: &Lesson, b: &Lesson) -> bool {
    a.meta == b.meta && a.cells == b.cells && a.explains == b.explains
}

/// Reads and parses one lesson file, refusing huge or non-UTF-8 files with
/// an error that names the file.
pub fn load(path: &Path) -> Result<Lesson, LessonError> {
    let source = shown(path);
    let fail = |line: usize, message: String| LessonError {
        file: source.clone(),
        line,
        message,
    };
    // Opening a FIFO would wait for a writer forever, a device could be
    // endless: only regular files (or links to them) are read.
    let kind = fs::metadata(path).map_err(|e| fail(0, format!("cannot read it: {e}")))?;
    if !kind.is_file() {
        return Err(fail(
            0,
            "not a regular file (a FIFO, socket, device or folder): skipped, never opened".into(),
        ));
    }
    let file = fs::File::open(path).map_err(|e| fail(0, format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_LESSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(0, format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_LESSON_BYTES {
        return Err(fail(
            0,
            format!(
                "larger than {} KiB: is this really a lesson?",
                MAX_LESSON_BYTES / 1024
            ),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        fail(
            line,
            "not valid UTF-8 text: save the lesson as UTF-8".to_string(),
        )
    })?;
    parse(&source, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_replaces_built_in_lessons_by_id_and_adds_the_rest() {
        let dir = std::env::temp_dir().join(format!("asynclab-overlay-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let built_in = Catalog::embedded();
        let select = built_in.find("select").expect("built in");
        let file = select.source.trim_start_matches("built-in:");
        let text = embedded::EMBEDDED
            .iter()
            .find(|(name, _)| name.ends_with(file))
            .map(|(_, text)| *text)
            .expect("embedded text");
        // The same text: nothing to say.
        fs::write(dir.join(file), text).expect("write");
        let (same, note) = Catalog::overlay(&dir).expect("overlay");
        assert_eq!(note, None);
        assert_eq!(same.entries.len(), built_in.entries.len());
        // A changed lesson replaces the built-in one where it stands; a new
        // id is added after them.
        let changed = text.replacen(&select.meta.title, "My select", 1);
        fs::write(dir.join(file), changed).expect("write");
        let mine = "---\nid: mine\ntitle: Mine\ndemo: select\n---\n# Mine\n";
        fs::write(dir.join("99-mine.md"), mine).expect("write");
        let (over, note) = Catalog::overlay(&dir).expect("overlay");
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(over.entries.len(), built_in.entries.len() + 1);
        assert_eq!(over.find("select").expect("kept").meta.title, "My select");
        assert_eq!(over.find("mine").expect("added").meta.title, "Mine");
        let note = note.expect("a note");
        assert!(note.contains("replacing built-in select"), "{note}");
        assert!(note.contains("99-mine.md"), "{note}");
        // Embedded lessons are named as built in, not as a path on disk.
        assert!(select.source.starts_with("built-in:"), "{}", select.source);
    }

    #[test]
    fn a_key_is_an_id_a_number_or_a_whole_file_name() {
        let c = Catalog::embedded();
        let id = |key: &str| c.find(key).map(|l| l.meta.id.clone()).ok();
        assert_eq!(id("send-static").as_deref(), Some("send-static"));
        assert_eq!(id("06-send-static").as_deref(), Some("send-static"));
        assert_eq!(id("06-send-static.md").as_deref(), Some("send-static"));
        assert_eq!(id("6").as_deref(), Some("send-static"));
        // Not the end of a file name: `c` is no lesson's id.
        assert_eq!(id("c"), None);
        assert_eq!(id("static"), None);
    }

    #[test]
    fn a_file_name_with_an_escape_is_shown_escaped() {
        let error =
            load(Path::new("/no/such/\u{1b}]0;pwned\u{7}\u{202e}.md")).expect_err("no file");
        let text = error.to_string();
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{text:?}");
    }
}
