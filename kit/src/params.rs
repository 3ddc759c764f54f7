//! Typed, validated demo parameters: every one has a default, a range (or a
//! list of choices) and help text, so `set` can refuse a bad value with a
//! one-line reason and `params` can show what is allowed.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use thiserror::Error;

use crate::format::{format_duration, parse_duration};

/// What values a parameter takes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Int {
        min: u64,
        max: u64,
    },
    Duration {
        min: Duration,
        max: Duration,
    },
    Choice(&'static [&'static str]),
    /// Free text, checked by the demo itself (a list of URLs).
    Text,
    /// Port ranges and lists: `1-1024,8080`, or `auto` for the demo's own.
    Ports,
}

/// One parameter of a demo.
#[derive(Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub help: &'static str,
}

impl ParamSpec {
    /// A whole-number parameter.
    pub const fn int(
        name: &'static str,
        min: u64,
        max: u64,
        default: &'static str,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec {
            name,
            kind: Kind::Int { min, max },
            default,
            help,
        }
    }

    /// A duration from 1 ms to 60 s.
    pub const fn duration(
        name: &'static str,
        default: &'static str,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec {
            name,
            kind: Kind::Duration {
                min: Duration::from_millis(1),
                max: Duration::from_secs(60),
            },
            default,
            help,
        }
    }

    /// One of a fixed list of words.
    pub const fn choice(
        name: &'static str,
        choices: &'static [&'static str],
        default: &'static str,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec {
            name,
            kind: Kind::Choice(choices),
            default,
            help,
        }
    }

    /// The allowed values, for `params` and error messages.
    pub fn range(&self) -> String {
        match self.kind {
            Kind::Int { min, max } => format!("{min}..={max}"),
            Kind::Duration { min, max } => {
                format!(
                    "{}..={}",
                    format_duration(min.as_nanos() as u64),
                    format_duration(max.as_nanos() as u64)
                )
            }
            Kind::Choice(names) => names.join("|"),
            Kind::Text => "text".to_string(),
            Kind::Ports => "auto, or ports 1-65535: 22,80,8000-8100".to_string(),
        }
    }

    pub fn parse(&self, text: &str) -> Result<Value, ParamError> {
        let invalid = |why: String| ParamError::Invalid {
            name: self.name,
            value: crate::text::quoted(text, 60),
            why,
        };
        // No value is made of control characters; one that carries an
        // escape sequence would reach the terminal in every run header.
        if text.chars().any(crate::text::is_unsafe) {
            return Err(invalid(
                "control characters (escape sequences, tabs, newlines) are not allowed in a value"
                    .into(),
            ));
        }
        match self.kind {
            Kind::Int { min, max } => {
                let digits = text.replace('_', "");
                let n: u64 = digits.parse().map_err(|e: std::num::ParseIntError| {
                    // All digits, only too many of them: say the range.
                    if *e.kind() == std::num::IntErrorKind::PosOverflow {
                        invalid(format!("must be in {}", self.range()))
                    } else {
                        invalid(format!("expected a whole number in {}", self.range()))
                    }
                })?;
                if n < min || n > max {
                    return Err(invalid(format!("must be in {}", self.range())));
                }
                Ok(Value::Int(n))
            }
            Kind::Duration { min, max } => {
                let d = parse_duration(text).map_err(invalid)?;
                if d < min || d > max {
                    return Err(invalid(format!("must be in {}", self.range())));
                }
                Ok(Value::Duration(d))
            }
            Kind::Choice(names) => names
                .iter()
                .find(|n| **n == text)
                .map(|n| Value::Choice(n))
                .ok_or_else(|| invalid(format!("choose one of {}", self.range()))),
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Ports if text == "auto" => Ok(Value::Text(text.to_string())),
            Kind::Ports => parse_ports(text)
                .map(|_| Value::Text(text.replace(' ', "")))
                .map_err(invalid),
        }
    }
}

/// Most ports one parameter may list: every TCP port, once.
const MAX_PORTS: usize = 65_535;

/// Parses `22,80,8000-8100` into sorted, de-duplicated ranges.
pub fn parse_ports(text: &str) -> Result<Vec<std::ops::RangeInclusive<u16>>, String> {
    let port = |p: &str| -> Result<u16, String> {
        let n: u64 = p
            .trim()
            .parse()
            .map_err(|_| format!("'{p}' is not a port number"))?;
        match n {
            0 => Err("port 0 is not a port: ports are 1-65535".to_string()),
            1..=65_535 => Ok(n as u16),
            _ => Err(format!("{n} is past the last port, 65535")),
        }
    };
    let mut ranges = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err("an empty entry: write ports like 22,80,8000-8100".to_string());
        }
        let range = match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (port(a)?, port(b)?);
                if a > b {
                    return Err(format!("the range {a}-{b} runs backwards: write {b}-{a}"));
                }
                a..=b
            }
            None => {
                let p = port(part)?;
                p..=p
            }
        };
        ranges.push(range);
    }
    ranges.sort_by_key(|r| *r.start());
    // Merge overlaps so no port is scanned twice.
    let mut merged: Vec<std::ops::RangeInclusive<u16>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if *r.start() <= last.end().saturating_add(1) => {
                *last = *last.start()..=(*last.end()).max(*r.end());
            }
            _ => merged.push(r),
        }
    }
    debug_assert!(merged.iter().map(|r| r.len()).sum::<usize>() <= MAX_PORTS);
    Ok(merged)
}

/// A parameter's current value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(u64),
    Duration(Duration),
    Choice(&'static str),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Duration(d) => f.write_str(&format_duration(d.as_nanos() as u64)),
            Value::Choice(c) => f.write_str(c),
            Value::Text(t) => f.write_str(t),
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParamError {
    #[error("unknown parameter '{name}'{}; `params` lists them", crate::text::did_you_mean(*.suggestion))]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("{name} = '{value}' is not valid: {why}")]
    Invalid {
        name: &'static str,
        value: String,
        why: String,
    },
    #[error("internal: the demo read parameter '{0}' it does not declare")]
    Undeclared(&'static str),
}

/// The common `clock` parameter with `real` as its default, for demos that
/// need wall time (real CPU work, real child processes) and cannot run on
/// the virtual clock.
pub const REAL_CLOCK_DEFAULT: ParamSpec = ParamSpec {
    name: "clock",
    kind: Kind::Choice(&["virtual", "real"]),
    default: "real",
    help: "real (the default here): this demo needs wall time, which the virtual clock cannot show",
};

/// Parameters every demo has.
pub static COMMON: &[ParamSpec] = &[
    ParamSpec {
        name: "clock",
        kind: Kind::Choice(crate::clock::Clock::NAMES),
        default: "virtual",
        help: "virtual: simulated latencies on a paused clock (instant, repeatable); real: wall time and real sockets on 127.0.0.1",
    },
    ParamSpec {
        name: "seed",
        kind: Kind::Int {
            min: 0,
            max: u32::MAX as u64,
        },
        default: "42",
        help: "seed for simulated latencies: the same seed gives the same virtual timeline",
    },
];

pub use crate::text::closest;

/// The parameters of a demo that declares `own`: its own, then the
/// [`COMMON`] ones it does not declare itself. A demo may declare a common
/// parameter to change its default (a demo that only makes sense on the
/// real clock declares `clock` with default `real`); its spec then
/// replaces the common one.
pub fn declared(own: &'static [ParamSpec]) -> Vec<&'static ParamSpec> {
    own.iter()
        .chain(
            COMMON
                .iter()
                .filter(|c| own.iter().all(|o| o.name != c.name)),
        )
        .collect()
}

/// The current values of one demo's parameters (its own and [`COMMON`]).
#[derive(Clone, Debug)]
pub struct Params {
    specs: Vec<&'static ParamSpec>,
    values: BTreeMap<&'static str, Value>,
}

impl Params {
    /// Every parameter at its declared default. A default that does not
    /// parse is the demo's bug, and an error here: dropped silently, it
    /// would surface later as a parameter the demo "does not declare".
    pub fn defaults(own: &'static [ParamSpec]) -> Result<Params, ParamError> {
        let specs = declared(own);
        let values = specs
            .iter()
            .map(|s| Ok((s.name, s.parse(s.default)?)))
            .collect::<Result<_, ParamError>>()?;
        Ok(Params { specs, values })
    }

    /// The clock this run is on.
    pub fn clock(&self) -> Result<crate::clock::Clock, ParamError> {
        let name = self.choice("clock")?;
        name.parse().map_err(|why| ParamError::Invalid {
            name: "clock",
            value: name.to_string(),
            why,
        })
    }

    pub fn specs(&self) -> &[&'static ParamSpec] {
        &self.specs
    }

    pub fn spec(&self, name: &str) -> Result<&'static ParamSpec, ParamError> {
        self.specs
            .iter()
            .copied()
            .find(|s| s.name == name)
            .ok_or_else(|| ParamError::Unknown {
                name: name.to_string(),
                suggestion: closest(name, self.specs.iter().map(|s| s.name)),
            })
    }

    /// Parses and stores `text` as the value of `name`.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), ParamError> {
        let spec = self.spec(name)?;
        let value = spec.parse(text)?;
        self.values.insert(spec.name, value);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// `(name, value)` for every parameter whose value differs from `base`,
    /// in declaration order: the shortest way to say "this run".
    pub fn changed_from(&self, base: &Params) -> Vec<(&'static str, String)> {
        self.specs
            .iter()
            .filter_map(|s| {
                let value = self.values.get(s.name)?;
                (base.values.get(s.name) != Some(value)).then(|| (s.name, value.to_string()))
            })
            .collect()
    }

    pub fn int(&self, name: &'static str) -> Result<u64, ParamError> {
        match self.values.get(name) {
            Some(Value::Int(n)) => Ok(*n),
            _ => Err(ParamError::Undeclared(name)),
        }
    }

    /// An integer parameter as a `usize` (counts and capacities).
    pub fn usize(&self, name: &'static str) -> Result<usize, ParamError> {
        self.int(name)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn duration(&self, name: &'static str) -> Result<Duration, ParamError> {
        match self.values.get(name) {
            Some(Value::Duration(d)) => Ok(*d),
            _ => Err(ParamError::Undeclared(name)),
        }
    }

    pub fn choice(&self, name: &'static str) -> Result<&'static str, ParamError> {
        match self.values.get(name) {
            Some(Value::Choice(c)) => Ok(c),
            _ => Err(ParamError::Undeclared(name)),
        }
    }

    pub fn text(&self, name: &'static str) -> Result<&str, ParamError> {
        match self.values.get(name) {
            Some(Value::Text(t)) => Ok(t),
            _ => Err(ParamError::Undeclared(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "concurrency",
            kind: Kind::Int { min: 1, max: 100 },
            default: "3",
            help: "",
        },
        ParamSpec {
            name: "latency",
            kind: Kind::Duration {
                min: Duration::from_millis(1),
                max: Duration::from_secs(10),
            },
            default: "100ms",
            help: "",
        },
    ];

    #[test]
    fn set_accepts_and_refuses() {
        let cases: &[(&str, &str, Result<(), &str>)] = &[
            ("concurrency", "10", Ok(())),
            ("concurrency", "1_0", Ok(())),
            (
                "concurrency",
                "0",
                Err("concurrency = '0' is not valid: must be in 1..=100"),
            ),
            (
                "concurrency",
                "-1",
                Err("concurrency = '-1' is not valid: expected a whole number in 1..=100"),
            ),
            (
                "concurrency",
                "1e12",
                Err("concurrency = '1e12' is not valid: expected a whole number in 1..=100"),
            ),
            (
                "concurrency",
                "99999999999999999999999",
                Err("concurrency = '99999999999999999999999' is not valid: must be in 1..=100"),
            ),
            ("latency", "5s", Ok(())),
            (
                "latency",
                "50",
                Err("latency = '50' is not valid: '50' needs a unit: try 50ms or 50s"),
            ),
            (
                "latency",
                "1h",
                Err("latency = '1h' is not valid: unknown unit 'h' in '1h': use us, ms, s or m"),
            ),
            (
                "latency",
                "11s",
                Err("latency = '11s' is not valid: must be in 1ms..=10s"),
            ),
            ("clock", "real", Ok(())),
            (
                "clock",
                "fast",
                Err("clock = 'fast' is not valid: choose one of virtual|real"),
            ),
            (
                "concurency",
                "3",
                Err(
                    "unknown parameter 'concurency' (did you mean 'concurrency'?); `params` lists them",
                ),
            ),
            (
                "zzz",
                "3",
                Err("unknown parameter 'zzz'; `params` lists them"),
            ),
        ];
        for (name, value, want) in cases {
            let mut p = Params::defaults(SPECS).expect("the test specs parse");
            let got = p.set(name, value).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "set {name} {value}");
        }
    }

    #[test]
    fn port_lists() {
        let ok: &[(&str, &[(u16, u16)])] = &[
            ("80", &[(80, 80)]),
            ("1-1024", &[(1, 1024)]),
            ("443, 22,80", &[(22, 22), (80, 80), (443, 443)]),
            ("1-100,50-200,201", &[(1, 201)]),
            ("1-65535", &[(1, 65535)]),
        ];
        for (text, want) in ok {
            let got: Vec<(u16, u16)> = parse_ports(text)
                .expect(text)
                .iter()
                .map(|r| (*r.start(), *r.end()))
                .collect();
            assert_eq!(&got, want, "{text}");
        }
        let bad: &[(&str, &str)] = &[
            ("80-1", "the range 80-1 runs backwards: write 1-80"),
            ("0", "port 0 is not a port: ports are 1-65535"),
            ("70000", "70000 is past the last port, 65535"),
            ("1-70000", "70000 is past the last port, 65535"),
            ("http", "'http' is not a port number"),
            ("22,,80", "an empty entry: write ports like 22,80,8000-8100"),
            ("-5", "'' is not a port number"),
        ];
        for (text, want) in bad {
            assert_eq!(
                parse_ports(text).map(|_| ()),
                Err(want.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn changed_lists_only_differences() {
        let base = Params::defaults(SPECS).expect("the test specs parse");
        let mut p = base.clone();
        assert!(p.changed_from(&base).is_empty());
        p.set("concurrency", "10").expect("valid");
        p.set("seed", "7").expect("valid");
        assert_eq!(
            p.changed_from(&base),
            [("concurrency", "10".to_string()), ("seed", "7".to_string())]
        );
    }
}
