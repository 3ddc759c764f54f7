//! `play` on a terminal: the session's frames redrawn in place, paced by
//! the wall clock, until the run's end or Ctrl-C. The session makes the
//! frames; only this loop moves the cursor and sleeps.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::interrupt::Interrupts;
use crate::session::{Frames, SessionError};

/// The animation's length in real seconds: the run's own length at
/// `speed`, or about three seconds; refused above a minute.
fn length(total_ns: u64, speed: Option<f64>) -> Result<Duration, SessionError> {
    let seconds = match speed {
        Some(speed) => total_ns as f64 / 1e9 / speed,
        None => 3.0,
    };
    if seconds > 60.0 {
        return Err(SessionError::Invalid(format!(
            "that would take {seconds:.0}s: use a higher speed, e.g. `play {:.0}`",
            seconds / 5.0
        )));
    }
    Ok(Duration::from_secs_f64(seconds.max(0.0)))
}

pub fn animate(
    frames: &Frames,
    speed: Option<f64>,
    interrupts: &Interrupts,
    out: &mut dyn Write,
) -> Result<(), SessionError> {
    let total = frames.total_ns();
    let length = length(total, speed)?;
    // Paced by the wall clock, not by a frame count: each frame shows the
    // run where it was at this instant of the animation, so a big run that
    // renders slowly skips frames instead of overrunning.
    let pause = Duration::from_millis(50);
    let started = Instant::now();
    let armed = interrupts.arm();
    let mut drawn = 0;
    loop {
        let elapsed = started.elapsed().min(length);
        let fraction = elapsed.as_secs_f64() / length.as_secs_f64().max(1e-9);
        let text = frames.at(((total as f64 * fraction) as u64).min(total));
        redraw(out, &text, drawn)?;
        drawn = text.lines().count();
        if armed.token.is_cancelled() {
            writeln!(out, "(stopped)")?;
            break;
        }
        if elapsed >= length {
            break;
        }
        std::thread::sleep(pause.min(length - elapsed));
    }
    Ok(())
}

/// Draws `text` over the `drawn` lines of the frame before it.
fn redraw(out: &mut dyn Write, text: &str, drawn: usize) -> io::Result<()> {
    if drawn > 0 {
        write!(out, "\x1b[{drawn}A")?; // back to the top of the last frame
    }
    for line in text.lines() {
        writeln!(out, "\x1b[2K{line}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_follows_the_speed_and_refuses_long_animations() {
        assert_eq!(
            length(2_000_000_000, None).expect("3 s"),
            Duration::from_secs(3)
        );
        assert_eq!(
            length(2_000_000_000, Some(2.0)).expect("1 s"),
            Duration::from_secs(1)
        );
        let err = length(600_000_000_000, Some(1.0))
            .expect_err("10 min")
            .to_string();
        assert!(err.contains("use a higher speed"), "{err}");
    }
}
