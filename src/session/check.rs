//! Evaluates an `expect` line against the last run (and the one before).

use crate::demo::{Params, Value};
use crate::lesson::{Expectation, Operand};
use crate::timeline::{Metric, Summary, format_duration};

/// The outcome of one expectation: the text to show and whether it held.
pub struct Checked {
    pub held: bool,
    pub measured: String,
    pub limit: String,
}

fn show(metric: Metric) -> String {
    match metric {
        Metric::Count(n) => n.to_string(),
        Metric::Duration(ns) => format_duration(ns),
        Metric::Ratio(r) if r.fract() == 0.0 => format!("{r:.0}"),
        Metric::Ratio(r) => format!("{r:.2}"),
    }
}

fn unknown_metric(name: &str, summary: &Summary) -> String {
    let names = summary.metric_names();
    let hint =
        crate::text::did_you_mean(crate::text::closest(name, names.iter().map(String::as_str)));
    format!(
        "unknown metric '{name}'{hint}; this run has: {}",
        names.join(", ")
    )
}

/// Checks `e` against `now` (and `prev` for `prev.<metric>`), with the
/// current `params` for names like `concurrency`.
pub fn check(
    e: &Expectation,
    now: &Summary,
    prev: Option<&Summary>,
    params: &Params,
) -> Result<Checked, String> {
    let left = now
        .metric(&e.metric)
        .ok_or_else(|| unknown_metric(&e.metric, now))?;
    let right = match &e.operand {
        Operand::Number(n) => {
            if matches!(left, Metric::Duration(_)) {
                return Err(format!(
                    "{} is a duration: write the value with a unit, e.g. {n}ms",
                    e.metric
                ));
            }
            Metric::Ratio(*n)
        }
        Operand::Duration(ns) => {
            if !matches!(left, Metric::Duration(_)) {
                return Err(format!(
                    "{} is not a duration: compare it with a plain number",
                    e.metric
                ));
            }
            Metric::Duration(*ns)
        }
        Operand::Name(name) => match params.get(name) {
            Some(Value::Int(n)) => Metric::Count(*n),
            Some(Value::Duration(d)) => Metric::Duration(d.as_nanos() as u64),
            Some(_) => return Err(format!("parameter '{name}' is not a number")),
            None => now.metric(name).ok_or_else(|| unknown_metric(name, now))?,
        },
        Operand::Prev(name) => {
            let prev = prev.ok_or_else(|| {
                format!("prev.{name} needs an earlier run in this session: `run` twice")
            })?;
            prev.metric(name)
                .ok_or_else(|| unknown_metric(name, prev))?
        }
    };
    // A time against a count (`total > scan_ms`) compares nanoseconds with
    // whatever the count counts: it would hold or fail by accident.
    let is_time = |m: Metric| matches!(m, Metric::Duration(_));
    if is_time(left) != is_time(right) {
        // Numbers and durations were checked above: only names get here.
        let operand = match &e.operand {
            Operand::Name(name) => name.clone(),
            Operand::Prev(name) => format!("prev.{name}"),
            Operand::Number(n) => n.to_string(),
            Operand::Duration(ns) => format_duration(*ns),
        };
        let (time, other) = if is_time(left) {
            (e.metric.clone(), operand)
        } else {
            (operand, e.metric.clone())
        };
        return Err(format!(
            "{time} is a time and {other} is not: compare a time with a time (`total > 300ms`) or a count with a count"
        ));
    }
    if matches!(right, Metric::Duration(_)) && matches!(e.scale, Some(('+' | '-', _))) {
        return Err(
            "a duration can only be scaled with `* n` or `/ n`, not shifted by a bare number"
                .into(),
        );
    }
    let limit_value = e.scaled(right.as_f64());
    let limit = match right {
        Metric::Duration(_) => Metric::Duration(limit_value.round() as u64),
        Metric::Count(_) if e.scale.is_none() => right,
        _ => Metric::Ratio(limit_value),
    };
    Ok(Checked {
        held: e.op.holds(left.as_f64(), limit_value),
        measured: show(left),
        limit: show(limit),
    })
}
