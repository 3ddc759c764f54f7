//! Facts about this machine a real scan must respect: how many file
//! descriptors the process may open, and which local ports the kernel hands
//! out to outgoing connections (where loopback false positives live).

use std::fs;
use std::ops::RangeInclusive;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use crate::recorder::Recorder;

/// The descriptor budget after trying to raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdBudget {
    /// The soft limit in force now.
    pub soft: u64,
    /// The soft limit before we raised it.
    pub was: u64,
    pub hard: u64,
}

/// What to do when the process is out of file descriptors (EMFILE).
pub const OUT_OF_FILES: &str = "raise the limit (`ulimit -n 4096`) or lower `concurrency`";

/// True for "Too many open files" (EMFILE).
pub fn is_out_of_files(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(24)
}

/// Descriptors kept free for everything that is not a scan socket: stdio,
/// the runtime, the lab's own listeners, a history file.
pub const FD_RESERVE: u64 = 128;

/// Raises the soft RLIMIT_NOFILE toward the hard limit (capped at 1 M: no
/// scan needs more) and reports what is in force. Never fails: if raising is
/// not allowed, the old limit is simply what we get.
pub fn raise_nofile() -> FdBudget {
    let limit = getrlimit(Resource::Nofile);
    let was = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    let wanted = hard.min(1 << 20);
    if wanted > was {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(wanted),
                maximum: limit.maximum,
            },
        );
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    FdBudget { soft, was, hard }
}

/// Makes sure the process may open at least `min` descriptors, raising the
/// soft limit only that far (a scan raises it further itself, and says so).
/// `Err((soft, hard))` when even the hard limit is lower.
pub fn ensure_nofile(min: u64) -> Result<(), (u64, u64)> {
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if soft >= min {
        return Ok(());
    }
    if hard >= min {
        let raised = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(min),
                maximum: limit.maximum,
            },
        );
        if raised.is_ok() {
            return Ok(());
        }
    }
    Err((soft, hard))
}

/// Never ask for more sockets than the process may open: raises the soft
/// descriptor limit if allowed, then caps `wanted` below it. When it had to
/// do either, it says so on the timeline (an `fd-limit` task); a run that
/// fits as it is gets no extra lane. Shared by every demo that opens real
/// sockets, so "Too many open files" does not happen.
pub fn cap_to_descriptors(rec: &Recorder, wanted: usize) -> usize {
    let budget = raise_nofile();
    let allowed =
        usize::try_from(budget.soft.saturating_sub(FD_RESERVE).max(1)).unwrap_or(usize::MAX);
    let raised = budget.soft > budget.was;
    if !raised && wanted <= allowed {
        return wanted;
    }
    let limits = rec.task("fd-limit");
    if raised {
        limits.note(format!(
            "raised the descriptor limit from {} to {}",
            budget.was, budget.soft
        ));
    }
    if wanted > allowed {
        limits.completed(format!(
            "concurrency capped at {allowed}: only {} descriptors may be open",
            budget.soft
        ));
        allowed
    } else {
        limits.completed(format!(
            "{wanted} sockets fit in the {} descriptor limit",
            budget.soft
        ));
        wanted
    }
}

/// The kernel's range for local ports of outgoing connections.
pub fn ephemeral_ports() -> RangeInclusive<u16> {
    fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut numbers = text.split_whitespace().map(str::parse::<u16>);
            Some(numbers.next()?.ok()?..=numbers.next()?.ok()?)
        })
        .unwrap_or(32_768..=60_999)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emfile_and_only_emfile_is_out_of_files() {
        assert!(is_out_of_files(&std::io::Error::from_raw_os_error(24)));
        assert!(!is_out_of_files(&std::io::Error::from_raw_os_error(2)));
    }

    #[test]
    fn budget_is_consistent() {
        let b = raise_nofile();
        assert!(b.soft >= b.was.min(b.hard), "{b:?}");
        assert!(b.soft <= b.hard, "{b:?}");
    }

    #[test]
    fn ephemeral_range_is_sane() {
        let r = ephemeral_ports();
        assert!(r.start() < r.end() && *r.start() >= 1024, "{r:?}");
    }
}
