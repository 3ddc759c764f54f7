//! Switches that take parts of the recording away, so the engine bench
//! can say where a recorded run's time goes:
//! `cargo bench --bench engine --features ablation`.
//!
//! They exist only in that build. Without the `ablation` feature every
//! switch reads as a constant "on", so the compiler drops the test and a
//! normal build pays nothing for it.

/// A part of the recording the bench can switch off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Planned lanes get empty names: no name is written.
    Names = 1,
    /// A lane's events (`TaskRec`'s calls, a planned queue's waits) are not
    /// recorded: no lock, no clock, no event. Registering a lane one by one
    /// (`task`, `future`) and metrics still record.
    Recording = 2,
    /// Events are made (lock, clock, note) but not kept: each is counted
    /// as dropped instead.
    Keeping = 4,
}

#[cfg(feature = "ablation")]
static OFF: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Switches `parts` off for every recorder in this process from now on.
#[cfg(feature = "ablation")]
pub fn switch_off(parts: &[Part]) {
    let bits = parts.iter().fold(0, |bits, &part| bits | part as u8);
    OFF.fetch_or(bits, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `part` has been switched off (never, without the feature).
#[inline(always)]
pub(crate) fn off(part: Part) -> bool {
    #[cfg(feature = "ablation")]
    {
        OFF.load(std::sync::atomic::Ordering::Relaxed) & part as u8 != 0
    }
    #[cfg(not(feature = "ablation"))]
    {
        let _ = part;
        false
    }
}
