//! Durations as learners read and write them: `100ms`, `1.5s`, `250us`.

use std::time::Duration;

/// Formats nanoseconds compactly: `0ms`, `850us`, `12ms`, `12.5ms`, `1.25s`.
pub fn format_duration(ns: u64) -> String {
    const MS: u64 = 1_000_000;
    const S: u64 = 1_000_000_000;
    if ns == 0 {
        "0ms".to_string()
    } else if ns < MS {
        format!("{}us", ns / 1_000)
    } else if ns < S {
        if ns.is_multiple_of(MS) {
            format!("{}ms", ns / MS)
        } else {
            format!("{:.1}ms", ns as f64 / MS as f64)
        }
    } else if ns.is_multiple_of(S) {
        format!("{}s", ns / S)
    } else {
        format!("{:.2}s", ns as f64 / S as f64)
    }
}

/// Parses `250us`, `100ms`, `1.5s`, `2m`. A bare number is refused: a unit
/// is always required, because "100" could mean anything.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{text}' needs a unit: try {text}ms or {text}s"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration: try 100ms or 1.5s"))?;
    let scale = match unit {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        _ => {
            return Err(format!(
                "unknown unit '{unit}' in '{text}': use us, ms, s or m"
            ));
        }
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 86_400.0 {
        return Err(format!("'{text}' is longer than a day"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let cases = [
            (0, "0ms"),
            (850_000, "850us"),
            (12_000_000, "12ms"),
            (12_500_000, "12.5ms"),
            (1_000_000_000, "1s"),
            (1_250_000_000, "1.25s"),
        ];
        for (ns, want) in cases {
            assert_eq!(format_duration(ns), want, "{ns}");
        }
    }

    #[test]
    fn parses() {
        let ok = [
            ("100ms", 100_000),
            ("1.5s", 1_500_000),
            ("250us", 250),
            ("2m", 120_000_000),
            (" 3s ", 3_000_000),
        ];
        for (text, micros) in ok {
            assert_eq!(
                parse_duration(text).map(|d| d.as_micros()),
                Ok(micros),
                "{text}"
            );
        }
        for bad in ["100", "ms", "1.2.3s", "5h", "", "-5ms", "99999999s"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
    }
}
