//! Reading the last run again: `timeline` (every row), `at` (one
//! instant), and `play` (the lanes as they unfolded). The session makes
//! the frames; on a terminal the REPL animates them (`repl::play`),
//! elsewhere `play` prints four stills.

use std::io::Write;

use super::{Session, SessionError, Transcript};
use crate::timeline::{Analysis, RenderOptions, Run, format_duration, render, render_at};

/// The frames of `play`: the last run's lanes drawn up to any instant.
pub struct Frames<'a> {
    run: &'a Run,
    analysis: &'a Analysis,
    opts: RenderOptions,
}

impl Frames<'_> {
    /// How long the run lasted, in (its clock's) nanoseconds; at least 1.
    pub fn total_ns(&self) -> u64 {
        self.analysis.summary.total_ns.max(1)
    }

    /// The lanes as they stood at `at_ns`.
    pub fn at(&self, at_ns: u64) -> String {
        let opts = RenderOptions {
            cutoff: Some(at_ns),
            ..self.opts.clone()
        };
        crate::timeline::render_lanes(self.run, self.analysis, &opts)
    }
}

impl Session {
    /// The frames of the last run, for an animation.
    pub fn frames(&self) -> Result<Frames<'_>, SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        Ok(Frames {
            run: &report.run,
            analysis: &report.analysis,
            opts: self.render_options(None),
        })
    }

    /// `play` where nothing can be animated: four stills.
    pub(super) fn play(&self, out: &mut Transcript) -> Result<(), SessionError> {
        let frames = self.frames()?;
        let total = frames.total_ns();
        for quarter in 1..=4u64 {
            let at = total * quarter / 4;
            out.heading(&format!("at {}:", format_duration(at)))?;
            write!(out, "{}", frames.at(at))?;
        }
        Ok(())
    }

    pub(super) fn timeline(&self, all: bool, out: &mut Transcript) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let rows = if all { None } else { Some(self.opts.rows) };
        let text = render(&report.run, &report.analysis, &self.render_options(rows));
        write!(out, "{text}")?;
        Ok(())
    }

    pub(super) fn at(&self, time: &str, out: &mut Transcript) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let at = crate::timeline::parse_duration(time).map_err(SessionError::Invalid)?;
        let at_ns = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        let total = report.analysis.summary.total_ns;
        if at_ns > total {
            out.aside(&format!(
                "(the run ended at {}: this is how it ended)",
                format_duration(total)
            ))?;
        }
        let text = render_at(
            &report.run,
            &report.analysis,
            at_ns,
            &self.render_options(None),
        );
        write!(out, "{text}")?;
        Ok(())
    }
}
