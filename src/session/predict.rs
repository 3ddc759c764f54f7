//! Guessing and checking: `ask` and `predict` before a run, the verdicts
//! after it, and `expect` lines judged against the last run.

use std::io::{self, Write};

use colored::Colorize;

use super::{Answer, Session, SessionError, Transcript, check};
use crate::timeline::{Metric, format_duration};

impl Session {
    pub(super) fn ask(&mut self, metric: &str, out: &mut Transcript) -> Result<(), SessionError> {
        // The name as typed (a lesson's is escaped already): shown escaped,
        // looked up as it is.
        let shown = crate::text::quoted(metric, 40);
        let Some(ask) = self.opts.ask.clone() else {
            let note = format!("(a guess for {shown} is asked only in the REPL: skipped)");
            out.aside(&self.wrapped(&note, " "))?;
            return Ok(());
        };
        loop {
            out.flush()?;
            let hint = match self.kind_of(metric) {
                Some(Metric::Duration(_)) => " (a time, like 300ms)",
                Some(Metric::Count(_)) if is_millis(metric) => " (in ms, like 150)",
                Some(Metric::Count(_)) => " (a whole number)",
                _ => "",
            };
            let question = format!("Your guess for {shown}{hint} in the next run (Enter skips)");
            // A prompt wider than the window would leave the cursor on a
            // line of its own: the question goes above a short prompt.
            let prompt = if crate::layout::width(&question) + 2 < self.opts.width {
                format!("{question}: ")
            } else {
                writeln!(out, "{}", self.wrapped(&question, "  "))?;
                out.flush()?;
                "guess: ".to_string()
            };
            let answer = match ask(&prompt) {
                Answer::Line(answer) => answer,
                Answer::Gone => return Ok(()),
                Answer::Interrupted => {
                    // Ctrl-C at the question stops the cell, as it stops a run.
                    writeln!(out, "(Ctrl-C: the rest of this cell was not run)")?;
                    self.interrupted = true;
                    return Ok(());
                }
            };
            let answer = answer.trim();
            if answer.is_empty() {
                return Ok(());
            }
            match self.predict(metric, answer, out) {
                Ok(()) => return Ok(()),
                // A typo is not the end: say why and ask again.
                Err(SessionError::Invalid(why)) => writeln!(out, "{why}")?,
                Err(other) => return Err(other),
            }
        }
    }

    pub(super) fn predict(
        &mut self,
        metric: &str,
        value: &str,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        self.open_ref()?;
        // A demo's own metrics (`send_waits`) are known once a run has
        // measured them; before this lesson's first run, any such name is
        // taken, and the run says if it measured none.
        let summary = crate::timeline::SUMMARY_METRICS;
        // A typo of a summary metric (`totl`) is not a demo's own metric.
        let typo = crate::text::closest(metric, summary.iter().copied())
            .filter(|_| !summary.contains(&metric));
        let known = summary.contains(&metric)
            || match &self.last {
                Some(r) => r.analysis.summary.metric(metric).is_some(),
                None => typo.is_none() && is_metric_name(metric),
            };
        if !known {
            return Err(SessionError::Invalid(format!(
                "unknown metric '{}'{}; predict one of: {}",
                crate::text::quoted(metric, 40),
                crate::text::did_you_mean(typo),
                summary.join(", ")
            )));
        }
        let guess = guess(metric, value, self.kind_of(metric))?;
        self.predictions.retain(|(m, _)| m != metric);
        self.predictions.push((metric.to_string(), guess));
        let said = format!(
            "noted: you predict {} = {value} for the next `run`",
            crate::text::quoted(metric, 40)
        );
        writeln!(out, "{}", self.wrapped(&said, "  "))?;
        Ok(())
    }

    /// The kind of value `metric` holds (a count, a time, a ratio): as the
    /// last run measured it, or as the summary's own metric of that name
    /// is; a demo's own metrics are counts.
    fn kind_of(&self, metric: &str) -> Option<Metric> {
        self.last
            .as_ref()
            .and_then(|r| r.analysis.summary.metric(metric))
            .or_else(|| crate::timeline::Summary::default().metric(metric))
            .or_else(|| is_metric_name(metric).then_some(Metric::Count(0)))
    }

    /// After a run: each prediction next to what was measured.
    pub(super) fn settle_predictions(
        &mut self,
        summary: &crate::timeline::Summary,
        out: &mut Transcript,
    ) -> io::Result<()> {
        for (metric, guess) in std::mem::take(&mut self.predictions) {
            let Some(measured) = summary.metric(&metric) else {
                writeln!(
                    out,
                    "prediction: {metric}: this run measured no such metric (the summary lists what it did)"
                )?;
                continue;
            };
            let (g, m) = (guess.as_f64(), measured.as_f64());
            // Counts must match; times (a demo's `_ms` counts too) and
            // ratios within 10%.
            let exact = matches!(measured, Metric::Count(_)) && !is_millis(&metric);
            let held = if exact {
                g == m
            } else {
                (g - m).abs() <= m.abs() * 0.1
            };
            let shown = |x: Metric| match x {
                Metric::Count(n) => n.to_string(),
                Metric::Duration(ns) => format_duration(ns),
                Metric::Ratio(r) if r.fract() == 0.0 => format!("{r:.0}"),
                Metric::Ratio(r) => format!("{r:.2}"),
            };
            // The rule a guess is judged by, said with the verdict.
            let rule = if exact {
                "counts must match exactly"
            } else {
                "guesses within 10% hold"
            };
            let verdict = if held {
                format!("your guess held ({rule})")
            } else {
                format!("not this time ({rule})")
            };
            let said = format!(
                "prediction: {metric} = {}, measured {}: {verdict}",
                shown(guess),
                shown(measured)
            );
            writeln!(out, "{}", self.wrapped(&said, "  "))?;
        }
        Ok(())
    }

    pub(super) fn expect(
        &mut self,
        e: &crate::lesson::Expectation,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let params = &report.params;
        let checked = check::check(
            e,
            &report.analysis.summary,
            self.prev.as_ref().map(|p| &p.summary),
            params,
        )
        .map_err(SessionError::Check)?;
        let text = format!(
            "expect {e}: measured {}, {} {}",
            checked.measured,
            e.op.wanted(),
            checked.limit
        );
        if checked.held {
            self.passed += 1;
            let mark = if self.opts.color {
                "✓".green().to_string()
            } else {
                "✓".to_string()
            };
            out.record(
                |o| writeln!(o, "{}", self.wrapped(&format!("{mark} {text}"), "    ")),
                || serde_json::json!({"type": "expect", "expect": e.to_string(), "held": true, "measured": checked.measured, "limit": checked.limit}),
            )?;
            Ok(())
        } else {
            Err(SessionError::ExpectFailed(text))
        }
    }
}

/// `value` read as a guess of `metric`, whose kind is `kind`: a time needs
/// its unit (a bare `543` would be 543 ns), a count is a whole number.
fn guess(name: &str, value: &str, kind: Option<Metric>) -> Result<Metric, SessionError> {
    let millis = is_millis(name);
    let (metric, shown) = (
        crate::text::quoted(name, 40),
        crate::text::quoted(value, 40),
    );
    let duration = crate::timeline::parse_duration(value).ok();
    let number = value.parse::<f64>().ok().filter(|x| x.is_finite());
    let invalid = |why: String| Err(SessionError::Invalid(why));
    match kind {
        Some(Metric::Duration(_)) => match (duration, number) {
            (Some(d), _) => Ok(Metric::Duration(d.as_nanos() as u64)),
            (None, Some(_)) => invalid(format!(
                "{metric} is a time: give '{shown}' a unit, like {shown}ms or {shown}s"
            )),
            (None, None) => invalid(format!("'{shown}' is not a time (like 300ms or 1.5s)")),
        },
        // A demo's time in milliseconds (`heartbeat_gap_ms`): a number of
        // them, or a time.
        Some(Metric::Count(_)) if millis => match (number, duration) {
            (Some(ms), _) if ms >= 0.0 => Ok(Metric::Count(ms.round() as u64)),
            (_, Some(d)) => Ok(Metric::Count(d.as_millis() as u64)),
            _ => invalid(format!(
                "'{shown}' is not a time in milliseconds (like 150 or 150ms)"
            )),
        },
        Some(Metric::Count(_)) => match (value.parse::<u64>(), duration) {
            (Ok(n), _) => Ok(Metric::Count(n)),
            (Err(_), Some(_)) => invalid(format!(
                "{metric} is a count, not a time: a whole number, like 3"
            )),
            (Err(_), None) => invalid(format!("'{shown}' is not a whole number (like 3)")),
        },
        Some(Metric::Ratio(_)) => match (number, duration) {
            (Some(x), _) => Ok(Metric::Ratio(x)),
            (None, Some(_)) => invalid(format!(
                "{metric} is a ratio, not a time: a number, like 2.5"
            )),
            (None, None) => invalid(format!("'{shown}' is not a number (like 2.5)")),
        },
        // Not a metric of any kind: refused before this is reached.
        None => invalid(format!("unknown metric '{metric}'")),
    }
}

/// A demo's metric that counts milliseconds (`scan_ms`): guessed as a time.
fn is_millis(metric: &str) -> bool {
    metric.ends_with("_ms")
}

/// A name a demo could give a metric of its own: `send_waits`, `scan_ms`.
fn is_metric_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
