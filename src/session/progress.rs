//! Which lessons a learner has finished, and where they were: kept in the
//! user's state directory between sessions. Only the REPL keeps progress;
//! `replay` and tests never read or write it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
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

impl Progress {
    /// Reads progress; a missing or unreadable file is a fresh start.
    pub fn load(path: &Path) -> Progress {
        fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Write then rename, so a crash never leaves half a file.
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, text)?;
        fs::rename(tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_start() {
        let dir = std::env::temp_dir().join(format!("asynclab-progress-{}", std::process::id()));
        let path = dir.join("progress.json");
        assert_eq!(Progress::load(&path), Progress::default());
        let mut p = Progress::default();
        p.finished.insert("rate-limit".into());
        p.current = Some("select".into());
        p.save(&path).expect("save");
        assert_eq!(Progress::load(&path), p);
        fs::write(&path, "not json").expect("write");
        assert_eq!(Progress::load(&path), Progress::default());
        let _ = fs::remove_dir_all(dir);
    }
}
