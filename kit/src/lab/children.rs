//! Child processes a demo (or asynclab itself) starts: found once by
//! absolute path, in a process group of their own, and dead when asynclab
//! dies, however it dies.
//!
//! - [`find_program`]: `PATH` is searched once, skipping relative entries,
//!   so a `./echo` in the current folder never runs instead of `echo`
//!   (nor a `./less` as the pager, nor a `./sh` for the editor).
//! - [`die_with_us`]: the child gets a parent-death signal (SIGKILL when
//!   asynclab exits, is killed with SIGTERM or SIGHUP, or even SIGKILL) and
//!   a process group of its own, so a terminal's Ctrl-C reaches asynclab,
//!   which cancels the run and kills the child on purpose, and the timeline
//!   says "cancelled", not "exited: signal 2".

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rustix::process::{Signal, getpid, getppid, set_parent_process_death_signal};

/// Process groups of children alive now, for [`kill_all_groups`].
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

fn groups() -> MutexGuard<'static, Vec<i32>> {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A child's process group, registered while this lives: if asynclab is
/// told to end (SIGTERM, SIGHUP), [`kill_all_groups`] takes it down, with
/// every process in it (cargo and the rustc it started).
pub struct Group(i32);

impl Group {
    /// Registers the group led by `pid` (a child started with its own group).
    pub fn register(pid: u32) -> Group {
        let id = i32::try_from(pid).unwrap_or(0);
        groups().push(id);
        Group(id)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        groups().retain(|g| *g != self.0);
    }
}

/// Kills every registered process group; for a signal handler about to exit.
pub fn kill_all_groups() {
    for id in groups().iter() {
        kill_pgid(*id);
    }
}

/// Kills `child` and everything in its process group (a child started
/// with [`die_with_us`], which leads its own group).
pub fn kill_group(child: &mut std::process::Child) {
    kill_pgid(i32::try_from(child.id()).unwrap_or(0));
    let _ = child.kill();
}

fn kill_pgid(id: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(id) {
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
}

/// `PATH` with its relative (and empty) entries left out: what a child
/// that searches `PATH` itself (a shell) is given.
pub fn absolute_path() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .collect();
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The absolute path of `name`, from the absolute entries of `PATH`.
pub fn find_program(name: &str) -> io::Result<PathBuf> {
    std::env::split_paths(&absolute_path())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no program '{name}' in the absolute folders of PATH"),
            )
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Ties a child to asynclab: its own process group, and SIGKILL when the
/// thread that started it (asynclab) goes away.
pub fn die_with_us(command: &mut tokio::process::Command) -> &mut tokio::process::Command {
    std_die_with_us(command.as_std_mut());
    command
}

/// [`die_with_us`] for a `std::process::Command` (cargo, a learner's build).
pub fn std_die_with_us(command: &mut std::process::Command) -> &mut std::process::Command {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    let parent = getpid();
    // SAFETY: the closure runs in the child between fork and exec, where
    // only async-signal-safe calls are allowed. It makes two raw system
    // calls through rustix (prctl, getppid) and, on failure, builds an
    // io::Error from an errno number: no allocation, no lock, no I/O.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(move || tie(parent));
    }
    command
}

/// In the child: ask for SIGKILL when the parent dies; if it already died
/// (between fork and here), do not start at all.
fn tie(parent: rustix::process::Pid) -> io::Result<()> {
    set_parent_process_death_signal(Some(Signal::KILL)).map_err(io::Error::from)?;
    if getppid() != Some(parent) {
        return Err(io::Error::from(rustix::io::Errno::SRCH));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_by_absolute_path_only() {
        let sh = find_program("sh").expect("sh is on every PATH");
        assert!(sh.is_absolute(), "{}", sh.display());
        assert!(find_program("no-such-program-here").is_err());
        // What a shell child is given: the same folders, none relative.
        let given = absolute_path();
        assert!(std::env::split_paths(&given).all(|dir| dir.is_absolute()));
        assert!(std::env::split_paths(&given).any(|dir| sh.starts_with(dir)));
    }

    #[tokio::test]
    async fn a_tied_child_runs_in_its_own_process_group() {
        let mut command = tokio::process::Command::new(find_program("sh").expect("sh"));
        // Field 5 of /proc/PID/stat is the process group.
        command.args(["-c", "cut -d' ' -f5 /proc/$$/stat"]);
        let out = die_with_us(&mut command).output().await.expect("runs");
        let pgid: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        assert_ne!(pgid, std::process::id(), "not in asynclab's group");
    }
}
