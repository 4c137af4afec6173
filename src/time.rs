//! Simulated time. Nothing in the simulation reads a wall clock: an
//! [`Instant`] is nanoseconds since the scenario started, and a [`Duration`]
//! is a span of simulated nanoseconds. Both are plain integers, so ordering
//! and arithmetic are exact and identical on every platform.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time, in nanoseconds since the scenario started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Instant(u64);

/// A span of simulated time, in nanoseconds. Serialised as a Go-style
/// string (`"1.1s"`, `"4h"`), the way scenario files write durations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as 300ms, 5s, 1m30s or 4h")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                if v == 0 {
                    Ok(Duration::ZERO)
                } else {
                    Err(E::custom(format!("invalid duration `{v}`: missing unit (use h, m, s, ms, us or ns)")))
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!("invalid duration `{v}`: missing unit (use h, m, s, ms, us or ns)")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!("invalid duration `{v}`: missing unit (use h, m, s, ms, us or ns)")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A simulated instant as a date in January 2026 (see [`Instant::calendar`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Day of the month, from 1.
    pub day: u64,
    /// Day of the week, Monday 0 to Sunday 6.
    pub weekday: u64,
    pub hour: u64,
    pub minute: u64,
    pub second: u64,
}

impl Instant {
    pub const ZERO: Instant = Instant(0);
    pub const MAX: Instant = Instant(u64::MAX);

    pub const fn from_nanos(ns: u64) -> Self {
        Instant(ns)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms * 1_000_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        Instant(s * 1_000_000_000)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Whole milliseconds (truncated), as in the jsonl trace's `t_ms`.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000_000_000
    }
    /// The wall-clock date this instant stands for: simulated time 0 is
    /// Thursday 2026-01-01 00:00:00 UTC (any fixed date keeps runs
    /// identical; logs, object timestamps and HTTP `Date` headers share it).
    /// Runs longer than a day roll into the next days of January.
    pub const fn calendar(self) -> Calendar {
        let s = self.as_secs();
        let (days, rem) = (s / 86_400, s % 86_400);
        Calendar { day: 1 + days, weekday: (3 + days) % 7, hour: rem / 3600, minute: (rem / 60) % 60, second: rem % 60 }
    }
    /// Time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
    pub fn saturating_sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(d.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const MAX: Duration = Duration(u64::MAX);

    pub const fn from_nanos(ns: u64) -> Self {
        Duration(ns)
    }
    pub const fn from_micros(us: u64) -> Self {
        Duration(us * 1_000)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1_000_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000_000)
    }
    pub const fn from_hours(h: u64) -> Self {
        Duration(h * 3_600_000_000_000)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000_000_000
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// Scales by a rational factor without floating point, so randomised
    /// timers stay bit-identical across platforms.
    pub fn mul_ratio(self, num: u64, den: u64) -> Duration {
        Duration(((self.0 as u128 * num as u128) / den as u128) as u64)
    }
    pub fn saturating_sub(self, other: Duration) -> Duration {
        Duration(self.0.saturating_sub(other.0))
    }

    /// Parses a Kubernetes/Go-style duration: `300s`, `1.1s`, `4h`,
    /// `1m30s`, `250ms`, `500us`, `0`. Units: h, m, s, ms, us (or µs), ns.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let s = text.trim();
        if s == "0" {
            return Ok(Duration::ZERO);
        }
        if s.is_empty() {
            return Err("empty duration".into());
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total: u128 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let number = &s[start..i];
            if number.is_empty() {
                return Err(format!("invalid duration `{text}`: expected a number at `{}`", &s[start..]));
            }
            let ustart = i;
            while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let unit = &s[ustart..i];
            let scale: u128 = match unit {
                "h" => 3_600_000_000_000,
                "m" => 60_000_000_000,
                "s" => 1_000_000_000,
                "ms" => 1_000_000,
                "us" | "µs" => 1_000,
                "ns" => 1,
                "" => return Err(format!("invalid duration `{text}`: missing unit (use h, m, s, ms, us or ns)")),
                other => {
                    return Err(format!(
                        "invalid duration `{text}`: unknown unit `{other}` (use h, m, s, ms, us or ns)"
                    ));
                }
            };
            let (whole, frac) = match number.split_once('.') {
                Some((w, f)) => (w, f),
                None => (number, ""),
            };
            if frac.contains('.') || (whole.is_empty() && frac.is_empty()) {
                return Err(format!("invalid duration `{text}`: bad number `{number}`"));
            }
            let w: u128 =
                if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("invalid duration `{text}`"))? };
            let mut part = w.checked_mul(scale).ok_or_else(|| format!("duration `{text}` is too long"))?;
            let mut div = scale;
            for c in frac.bytes() {
                div /= 10;
                part = part
                    .checked_add((c - b'0') as u128 * div)
                    .ok_or_else(|| format!("duration `{text}` is too long"))?;
            }
            total = total.checked_add(part).ok_or_else(|| format!("duration `{text}` is too long"))?;
        }
        u64::try_from(total).map(Duration).map_err(|_| format!("duration `{text}` is too long"))
    }

    /// Kubernetes' short age format as printed in kubectl's AGE column:
    /// `6s`, `5m`, `5m30s` (under 10 minutes), `3h`, `3h20m`, `2d`, ...
    /// Mirrors `duration.HumanDuration` in k8s.io/apimachinery.
    pub fn human(self) -> String {
        let secs = self.as_secs();
        if secs < 60 * 2 {
            return format!("{secs}s");
        }
        let mins = secs / 60;
        if mins < 10 {
            let s = secs % 60;
            return if s == 0 { format!("{mins}m") } else { format!("{mins}m{s}s") };
        }
        if mins < 60 * 3 {
            return format!("{mins}m");
        }
        let hours = secs / 3600;
        if hours < 8 {
            let m = mins % 60;
            return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
        }
        if hours < 48 {
            return format!("{hours}h");
        }
        if hours < 24 * 8 {
            let h = hours % 24;
            let d = hours / 24;
            return if h == 0 { format!("{d}d") } else { format!("{d}d{h}h") };
        }
        format!("{}d", hours / 24)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}
impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Panics in debug builds if `rhs` is later; use [`Instant::saturating_since`] when unsure.
    fn sub(self, rhs: Instant) -> Duration {
        Duration(self.0 - rhs.0)
    }
}
impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

/// Seconds with millisecond precision: `12.345s`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.as_secs(), self.as_millis() % 1000)
    }
}

/// The shortest exact Go-style rendering: `1.1s`, `300ms`, `4h0m0s` is printed as `4h`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return f.write_str("0s");
        }
        if ns.is_multiple_of(3_600_000_000_000) {
            return write!(f, "{}h", ns / 3_600_000_000_000);
        }
        if ns.is_multiple_of(60_000_000_000) {
            return write!(f, "{}m", ns / 60_000_000_000);
        }
        if ns >= 1_000_000_000 {
            let whole = ns / 1_000_000_000;
            let frac = ns % 1_000_000_000;
            if frac == 0 {
                return write!(f, "{whole}s");
            }
            let digits = format!("{frac:09}");
            return write!(f, "{whole}.{}s", digits.trim_end_matches('0'));
        }
        if ns.is_multiple_of(1_000_000) {
            return write!(f, "{}ms", ns / 1_000_000);
        }
        if ns.is_multiple_of(1_000) {
            return write!(f, "{}us", ns / 1_000);
        }
        write!(f, "{ns}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(Duration::parse("300s"), Ok(Duration::from_secs(300)));
        assert_eq!(Duration::parse("4h"), Ok(Duration::from_hours(4)));
        assert_eq!(Duration::parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(Duration::parse("1.1s"), Ok(Duration::from_millis(1100)));
        assert_eq!(Duration::parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(Duration::parse("0"), Ok(Duration::ZERO));
        assert!(Duration::parse("5").unwrap_err().contains("missing unit"));
        assert!(Duration::parse("5 parsecs").unwrap_err().contains("unknown unit"));
        assert!(Duration::parse("").is_err());
        assert!(Duration::parse("s").is_err());
        assert!(Duration::parse("1.2.3s").is_err());
        assert!(Duration::parse("99999999999999h").is_err());
    }

    #[test]
    fn displays_round_trip() {
        for s in ["1.1s", "300ms", "4h", "5m", "90s", "15us", "0s"] {
            let d = Duration::parse(s).unwrap();
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d, "{s}");
        }
        assert_eq!(Duration::from_millis(1100).to_string(), "1.1s");
        assert_eq!(Instant::from_millis(4400).to_string(), "4.400s");
    }

    #[test]
    fn kubectl_ages() {
        // Same thresholds as apimachinery's HumanDuration.
        assert_eq!(Duration::from_secs(6).human(), "6s");
        assert_eq!(Duration::from_secs(119).human(), "119s");
        assert_eq!(Duration::from_secs(120).human(), "2m");
        assert_eq!(Duration::from_secs(330).human(), "5m30s");
        assert_eq!(Duration::from_secs(900).human(), "15m");
        assert_eq!(Duration::from_secs(4 * 3600).human(), "4h");
        assert_eq!(Duration::from_secs(3 * 3600 + 20 * 60).human(), "3h20m");
        assert_eq!(Duration::from_hours(30).human(), "30h");
        assert_eq!(Duration::from_hours(50).human(), "2d2h");
    }
}
