//! Which lessons a learner has finished, and where they were: kept in the
//! user's state directory between sessions. Only the REPL keeps progress;
//! `replay` and tests never read or write it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Lessons whose every cell has been run.
    pub finished: BTreeSet<String>,
    /// The lesson open when the learner last left.
    pub current: Option<String>,
    /// Exercises whose `check` passed. `default`: files written before
    /// exercises existed still load.
    #[serde(default)]
    pub exercises: BTreeSet<String>,
}

/// Where progress is kept: `$ASYNCLAB_STATE_DIR`, else the platform's state
/// directory (`~/.local/state/asynclab` on Linux).
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("ASYNCLAB_STATE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .map(|d| d.join("asynclab"))
        })
        .map(|d| d.join("progress.json"))
}

/// A real progress file is a few hundred bytes; anything far larger is not
/// ours to read whole.
const MAX_BYTES: u64 = 1024 * 1024;

impl LessonProgress {
    /// Reads progress; a missing or unreadable file is a fresh start. A
    /// file over [`MAX_BYTES`] is set aside (renamed), with a note saying
    /// where, instead of being read.
    pub fn load(path: &Path) -> (LessonProgress, Option<String>) {
        match fs::metadata(path) {
            Ok(meta) if meta.len() > MAX_BYTES => {
                let aside = path.with_extension("json.too-big");
                let note = match fs::rename(path, &aside) {
                    Ok(()) => format!(
                        "note: {} was {} bytes, far more than progress needs: set aside as {}; starting fresh",
                        asynclab_kit::text::shown_path(path),
                        meta.len(),
                        asynclab_kit::text::shown_path(&aside)
                    ),
                    Err(e) => format!(
                        "note: {} is {} bytes, not read ({e}); progress is not kept this session",
                        asynclab_kit::text::shown_path(path),
                        meta.len()
                    ),
                };
                (LessonProgress::default(), Some(note))
            }
            _ => (LessonProgress::read(path), None),
        }
    }

    fn read(path: &Path) -> LessonProgress {
        let Ok(file) = fs::File::open(path) else {
            return LessonProgress::default();
        };
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_BYTES), &mut text);
        serde_json::from_str(&text).unwrap_or_default()
    }

    /// Saves, merged with what another session saved meanwhile: under a
    /// lock, the file is read again and finished lessons and exercises are
    /// the union of both (this session's `current` wins).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        self.write(path, true)
    }

    /// Saves exactly this, dropping what is in the file (`reset progress`).
    pub fn replace(&self, path: &Path) -> std::io::Result<()> {
        self.write(path, false)
    }

    fn write(&self, path: &Path, merge: bool) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        // Two sessions at once take turns here.
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.with_extension("json.lock"))?;
        lock.lock()?;
        let mut merged = if merge {
            let mut theirs = LessonProgress::read(path);
            theirs.finished.extend(self.finished.iter().cloned());
            theirs.exercises.extend(self.exercises.iter().cloned());
            theirs.current = self.current.clone().or(theirs.current);
            theirs
        } else {
            self.clone()
        };
        merged.finished.retain(|id| !id.is_empty());
        let text = serde_json::to_string_pretty(&merged).map_err(std::io::Error::other)?;
        // Write a new file (O_EXCL: never through a link someone left),
        // then rename over: a crash never leaves half a file.
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .and_then(|()| fs::rename(&tmp, path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_start() {
        let dir = std::env::temp_dir().join(format!("asynclab-progress-{}", std::process::id()));
        let path = dir.join("progress.json");
        assert_eq!(LessonProgress::load(&path).0, LessonProgress::default());
        let mut p = LessonProgress::default();
        p.finished.insert("rate-limit".into());
        p.current = Some("select".into());
        p.save(&path).expect("save");
        assert_eq!(LessonProgress::load(&path).0, p);
        fs::write(&path, "not json").expect("write");
        assert_eq!(LessonProgress::load(&path).0, LessonProgress::default());
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn two_sessions_merge_and_reset_replaces() {
        let dir = std::env::temp_dir().join(format!("asynclab-merge-{}", std::process::id()));
        let path = dir.join("progress.json");
        let mut a = LessonProgress::default();
        let mut b = LessonProgress::default();
        a.finished.insert("spawn".into());
        b.finished.insert("select".into());
        b.exercises.insert("bound-scan".into());
        a.save(&path).expect("a");
        b.save(&path).expect("b");
        let both = LessonProgress::load(&path).0;
        assert_eq!(both.finished.len(), 2, "{both:?}");
        assert!(both.exercises.contains("bound-scan"));
        LessonProgress::default().replace(&path).expect("reset");
        assert_eq!(LessonProgress::load(&path).0, LessonProgress::default());
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_huge_file_is_set_aside_not_read() {
        let dir = std::env::temp_dir().join(format!("asynclab-huge-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("progress.json");
        fs::write(&path, vec![b' '; (MAX_BYTES + 1) as usize]).expect("write");
        let (progress, note) = LessonProgress::load(&path);
        assert_eq!(progress, LessonProgress::default());
        assert!(note.is_some_and(|n| n.contains("set aside")));
        assert!(path.with_extension("json.too-big").exists() && !path.exists());
        let _ = fs::remove_dir_all(dir);
    }
}
