//! `expect` lines: what a run must show, so every lesson is also a test.
//!
//! `expect <metric> <op> <operand> [+ n | - n | * n | / n]`, where the operand is a
//! number (`3`, `2.5`), a duration (`400ms`), a parameter or metric name
//! (`concurrency`), or the previous run's metric (`prev.total`):
//!
//! ```text
//! expect peak_in_flight == concurrency
//! expect total < prev.total / 2
//! expect timed_out >= 1
//! ```
//!
//! Comparing against names and the previous run, not typed-in numbers,
//! keeps a lesson's claim true whatever the seed.

use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    const ALL: [(&'static str, Op); 6] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    /// What the value on the right is, in words: "measured 3, expected 4"
    /// for `==`, "measured 2.43, must be at least 2.85" for `>=`.
    pub fn wanted(self) -> &'static str {
        match self {
            Op::Eq => "expected",
            Op::Ne => "must differ from",
            Op::Lt => "must be under",
            Op::Le => "must be at most",
            Op::Gt => "must be over",
            Op::Ge => "must be at least",
        }
    }

    pub fn holds(self, left: f64, right: f64) -> bool {
        // Counts are whole numbers and durations whole nanoseconds, so exact
        // float comparison is what is meant here.
        match self {
            Op::Eq => left == right,
            Op::Ne => left != right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Gt => left > right,
            Op::Ge => left >= right,
        }
    }

    pub fn symbol(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(s, _)| s)
    }
}

/// The right-hand side of an expectation.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Number(f64),
    /// Nanoseconds.
    Duration(u64),
    /// A parameter or metric of this run.
    Name(String),
    /// A metric of the run before this one.
    Prev(String),
}

/// One parsed `expect` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub metric: String,
    pub op: Op,
    pub operand: Operand,
    /// Optional `+ n`, `- n`, `* n` or `/ n` applied to the operand.
    pub scale: Option<(char, f64)>,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.metric, self.op.symbol())?;
        match &self.operand {
            Operand::Number(n) => write!(f, "{n}")?,
            Operand::Duration(ns) => write!(f, "{}ms", *ns as f64 / 1e6)?,
            Operand::Name(n) => write!(f, "{n}")?,
            Operand::Prev(n) => write!(f, "prev.{n}")?,
        }
        if let Some((op, k)) = self.scale {
            write!(f, " {op} {k}")?;
        }
        Ok(())
    }
}

fn is_name(word: &str) -> bool {
    !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

impl Expectation {
    /// Parses the text after `expect`.
    pub fn parse(text: &str) -> Result<Expectation, String> {
        const USAGE: &str =
            "write `expect <metric> <op> <value>`, e.g. `expect peak_in_flight == 3`";
        let words: Vec<&str> = text.split_whitespace().collect();
        let (metric, op, operand, rest) = match words.as_slice() {
            [metric, op, operand, rest @ ..] => (*metric, *op, *operand, rest),
            _ => return Err(format!("incomplete expectation: {USAGE}")),
        };
        if !is_name(metric) {
            return Err(format!("'{metric}' is not a metric name: {USAGE}"));
        }
        let op = Op::ALL
            .iter()
            .find(|(s, _)| *s == op)
            .map(|(_, o)| *o)
            .ok_or_else(|| format!("unknown operator '{op}': use == != < <= > >="))?;
        let operand = if let Some(name) = operand.strip_prefix("prev.") {
            if !is_name(name) {
                return Err(format!("'prev.{name}' needs a metric name after `prev.`"));
            }
            Operand::Prev(name.to_string())
        } else if let Ok(n) = operand.parse::<f64>() {
            if !n.is_finite() {
                return Err(format!("'{operand}' is not a finite number"));
            }
            Operand::Number(n)
        } else if operand.starts_with(|c: char| c.is_ascii_digit()) {
            let d = crate_duration(operand)?;
            Operand::Duration(d)
        } else if is_name(operand) {
            Operand::Name(operand.to_string())
        } else {
            return Err(format!(
                "'{operand}' is not a number, duration, name or prev.<metric>"
            ));
        };
        let scale = match rest {
            [] => None,
            [op @ ("+" | "-" | "*" | "/"), k] => {
                let k: f64 = k
                    .parse()
                    .map_err(|_| format!("'{k}' after '{op}' must be a number"))?;
                if !k.is_finite() || (k == 0.0 && *op == "/") {
                    return Err(format!(
                        "'{op} {k}' must use a finite number (and never divide by zero)"
                    ));
                }
                Some((op.chars().next().unwrap_or('*'), k))
            }
            other => {
                return Err(format!(
                    "unexpected '{}' at the end: only `* n` or `/ n` may follow",
                    other.join(" ")
                ));
            }
        };
        Ok(Expectation {
            metric: metric.to_string(),
            op,
            operand,
            scale,
        })
    }

    /// Applies the optional scale to the resolved operand value.
    pub fn scaled(&self, value: f64) -> f64 {
        match self.scale {
            Some(('+', k)) => value + k,
            Some(('-', k)) => value - k,
            Some(('/', k)) => value / k,
            Some((_, k)) => value * k,
            None => value,
        }
    }
}

/// Durations in expectations, read as everywhere else (`400ms`, `1.5s`,
/// `250us`, `2m`): the one parser `set` uses too.
fn crate_duration(text: &str) -> Result<u64, String> {
    asynclab_kit::format::parse_duration(text)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_expectations() {
        let ok: &[(&str, &str)] = &[
            ("peak_in_flight == 3", "peak_in_flight == 3"),
            ("total < 400ms", "total < 400ms"),
            ("total < prev.total / 2", "total < prev.total / 2"),
            (
                "peak_in_flight == concurrency",
                "peak_in_flight == concurrency",
            ),
            ("speedup >= 2.5", "speedup >= 2.5"),
            ("timed_out != 0", "timed_out != 0"),
            ("total <= 1.5s", "total <= 1500ms"),
            ("total < 2m", "total < 120000ms"),
            ("total < 250us", "total < 0.25ms"),
            ("cancelled > count * 1", "cancelled > count * 1"),
            ("completed == count - 2", "completed == count - 2"),
            ("exited == count + 1", "exited == count + 1"),
        ];
        for (text, shown) in ok {
            let e = Expectation::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
            assert_eq!(e.to_string(), *shown);
        }
    }

    #[test]
    fn refuses_bad_expectations() {
        let bad: &[(&str, &str)] = &[
            ("", "incomplete expectation"),
            ("total <", "incomplete expectation"),
            ("total ~ 3", "unknown operator '~'"),
            ("total < 400", ""), // a bare number is allowed here; checked against the metric's type later
            ("total < 400h", "unknown unit 'h'"),
            ("3x == 3", "is not a metric name"),
            ("total < prev.", "needs a metric name"),
            ("total < prev.total / 0", "never divide by zero"),
            ("total < prev.total % 2", "unexpected '% 2'"),
            ("total < prev.total + x", "'x' after '+' must be a number"),
            ("total < $x", "is not a number, duration"),
            ("total < inf", "not a finite number"),
        ];
        for (text, want) in bad {
            match Expectation::parse(text) {
                Ok(_) => assert!(want.is_empty(), "{text} should fail with {want}"),
                Err(err) => assert!(!want.is_empty() && err.contains(want), "{text}: got {err}"),
            }
        }
    }
}
