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
            path: dir.display().to_string(),
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
                    file: f.display().to_string(),
                    lesson: load(f),
                })
                .collect(),
        })
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
        for entry in &self.entries {
            let by_file = entry.file.ends_with(key) || entry.file.ends_with(&format!("{key}.md"));
            match &entry.lesson {
                Ok(lesson) if lesson.meta.id == key || by_file => return Ok(lesson),
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

/// Reads and parses one lesson file, refusing huge or non-UTF-8 files with
/// an error that names the file.
pub fn load(path: &Path) -> Result<Lesson, LessonError> {
    let source = path.display().to_string();
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
