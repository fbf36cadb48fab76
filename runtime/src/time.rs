//! `Request-Time` / `Response-Time` values and the clock-skew window.
//!
//! Sent: ISO-8601 with offset, seconds precision, UTC (`2026-11-21T23:14:04+00:00`),
//! the form the AlipayHK pages show (protocol.md §A5, ASSUMPTION). Accepted: the forms of
//! the spec's `Request-Time` / `Response-Time` pattern, ISO-8601's extended calendar
//! date-time with seconds, an optional fraction (`.` or `,`, up to nine digits) and an
//! offset `Z`, `±hh:mm`, `±hhmm` or `±hh`; nothing else (no week or ordinal dates, no
//! basic format, no lower-case `t`/`z`). The value is always signed and verified
//! verbatim; parsing is only for the skew check.

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Default allowed distance between a request's time and the server's clock.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Why a time value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not an ISO-8601 date-time with an offset.
    #[error(
        "{0:?} is not an ISO-8601 date-time with offset; send e.g. `2024-05-22T06:42:21+08:00`"
    )]
    Unparsable(String),
    /// Outside the allowed window.
    #[error(
        "time {value} is {skew_secs}s away from the server clock (allowed: {allowed_secs}s); sync the clock (NTP)"
    )]
    OutOfWindow {
        /// The value received.
        value: String,
        /// Absolute distance in seconds.
        skew_secs: u64,
        /// The configured window in seconds.
        allowed_secs: u64,
    },
}

/// Formats `t` in UTC as `YYYY-MM-DDTHH:MM:SS+00:00`.
///
/// Never panics: an instant whose UTC date would leave the years 0000-9999 (only a parsed
/// value at the very ends of the calendar, e.g. `9999-12-31T23:59:59-01:00`) keeps its own
/// offset instead, and a year outside 0000-9999 is written in ISO-8601's expanded form
/// (`-000001`), so the text always names the same instant (to the second).
pub fn format_time(t: OffsetDateTime) -> String {
    let four_digits = |t: &OffsetDateTime| (0..=9999).contains(&t.year());
    let t = t
        .checked_to_offset(UtcOffset::UTC)
        .filter(four_digits)
        .unwrap_or(t);
    let year = if four_digits(&t) {
        format!("{:04}", t.year())
    } else {
        format!("{:+07}", t.year())
    };
    let (hours, minutes, _) = t.offset().as_hms();
    let sign = if t.offset().is_negative() { '-' } else { '+' };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

/// The current time as a `Request-Time` / `Response-Time` value.
pub fn now_header_value() -> String {
    format_time(OffsetDateTime::now_utc())
}

/// Parses an ISO-8601 date-time with an offset, in one of the forms the spec's time
/// pattern allows (see the module docs): `2024-05-22T06:42:21+05:30`, `…21.123Z`,
/// `…21,5+0530`, `…21+05`.
pub fn parse_time(value: &str) -> Result<OffsetDateTime, TimeError> {
    let unparsable = || TimeError::Unparsable(value.to_owned());
    let rfc3339 = as_rfc3339(value).ok_or_else(unparsable)?;
    OffsetDateTime::parse(&rfc3339, &Rfc3339).map_err(|_| unparsable())
}

/// `value` in RFC 3339's spelling (fraction after `.`, offset `±hh:mm`) when it has the
/// shape `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([.,]\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$`,
/// the spec's pattern; `None` otherwise. Digits only: whether they make a date is
/// RFC 3339's parser's question.
fn as_rfc3339(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let shape = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    let date_time = digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && shape.iter().all(|&(i, c)| b.get(i) == Some(&c));
    if !date_time {
        return None;
    }
    let mut out = value[..19].to_string();
    let mut rest = &value[19..];
    if let Some(fraction) = rest.strip_prefix(['.', ',']) {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return None;
        }
        out.push('.');
        out.push_str(&fraction[..n]);
        rest = &fraction[n..];
    }
    let offset = match rest.as_bytes() {
        [b'Z'] => "Z".to_string(),
        [sign @ (b'+' | b'-'), h1, h2] if h1.is_ascii_digit() && h2.is_ascii_digit() => {
            format!("{}{}:00", *sign as char, &rest[1..3])
        }
        [sign @ (b'+' | b'-'), h1, h2, m1, m2]
            if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            format!("{}{}:{}", *sign as char, &rest[1..3], &rest[3..5])
        }
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            format!("{}{}", *sign as char, &rest[1..])
        }
        _ => return None,
    };
    out.push_str(&offset);
    Some(out)
}

/// Checks that `value` parses and lies within `window` of `now`.
pub fn check_window(
    value: &str,
    now: OffsetDateTime,
    window: Duration,
) -> Result<OffsetDateTime, TimeError> {
    let t = parse_time(value)?;
    let skew = (t - now).unsigned_abs();
    if skew > window {
        return Err(TimeError::OutOfWindow {
            value: value.to_owned(),
            skew_secs: skew.as_secs(),
            allowed_secs: window.as_secs(),
        });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seconds_precision_utc() {
        let t = parse_time("2024-05-22T06:42:21.987+05:30").expect("parses");
        assert_eq!(format_time(t), "2024-05-22T01:12:21+00:00");
    }

    #[test]
    fn accepts_z_offsets_and_fractions() {
        for v in [
            "2023-12-18T02:33:31Z",
            "2024-12-11T10:33:41.123+08:00",
            "2024-05-22T06:42:21+05:30",
        ] {
            assert!(parse_time(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn every_form_of_the_spec_pattern_parses_to_the_same_instant() {
        let at = parse_time("2024-05-22T01:12:21.5Z").expect("parses");
        for v in [
            "2024-05-22T06:42:21.5+05:30",
            "2024-05-22T06:42:21,5+0530",
            "2024-05-22T06:42:21.500000000+05:30",
            "2024-05-22T01:12:21.5+00",
            "2024-05-21T23:12:21.5-02",
        ] {
            assert_eq!(parse_time(v), Ok(at), "{v}");
        }
    }

    #[test]
    fn forms_outside_the_spec_pattern_are_refused() {
        for v in [
            " 2024-05-22T06:42:21Z",
            "2024-05-22T06:42:21Z ",
            "2024-05-22t06:42:21Z",
            "2024-05-22T06:42:21z",
            "20240522T064221Z",
            "2024-05-22T06:42Z",
            "2024-05-22T06:42:21.Z",
            "2024-05-22T06:42:21.1234567890Z",
            "2024-05-22T06:42:21+5:30",
            "2024-05-22T06:42:21+05:3",
            "2024-05-22T06:42:21+05:30:00",
            "2024-143T06:42:21Z",
            "2024-W21-3T06:42:21Z",
            "2024-02-30T06:42:21Z",
            "2024-05-22T06:42:21+05:30\u{0}",
            "２０２４-05-22T06:42:21Z",
        ] {
            assert!(
                matches!(parse_time(v), Err(TimeError::Unparsable(_))),
                "{v:?}"
            );
        }
    }

    #[test]
    fn epoch_millis_and_naive_times_are_refused() {
        for v in ["1716360141000", "2024-05-22T06:42:21", ""] {
            assert!(
                matches!(parse_time(v), Err(TimeError::Unparsable(_))),
                "{v}"
            );
        }
    }

    /// Found by `fuzz/` (request_time): `to_offset` panicked when the UTC date left the
    /// calendar (`local datetime out of valid range`).
    #[test]
    fn format_time_never_panics_at_the_edges_of_time() {
        for v in [
            "9999-12-31T23:49:59-23:59",
            "9999-12-31T23:59:59-00:01",
            "0000-01-01T00:00:00+23:59",
            "0000-01-01T00:00:00+00:01",
        ] {
            let t = parse_time(v).expect("parses");
            let text = format_time(t);
            assert_eq!(parse_time(&text), Ok(t), "{v} -> {text}");
            assert_eq!(format_time(parse_time(&text).expect("parses")), text);
        }
        let last = parse_time("9999-12-31T23:49:59-23:59").expect("parses");
        assert_eq!(format_time(last), "9999-12-31T23:49:59-23:59");
        let first = parse_time("0000-01-01T00:00:00+00:01").expect("parses");
        assert_eq!(format_time(first), "0000-01-01T00:00:00+00:01");
        let utc = parse_time("9999-12-31T23:59:59+00:00").expect("parses");
        assert_eq!(format_time(utc), "9999-12-31T23:59:59+00:00");
    }

    #[test]
    fn window_is_symmetric() {
        let now = parse_time("2024-05-22T06:42:21Z").expect("parses");
        let w = Duration::from_secs(300);
        assert!(check_window("2024-05-22T06:47:21Z", now, w).is_ok());
        assert!(check_window("2024-05-22T06:37:21Z", now, w).is_ok());
        assert!(matches!(
            check_window("2024-05-22T06:47:22Z", now, w),
            Err(TimeError::OutOfWindow { skew_secs: 301, .. })
        ));
        assert!(check_window("2024-05-22T06:37:20Z", now, w).is_err());
    }
}
