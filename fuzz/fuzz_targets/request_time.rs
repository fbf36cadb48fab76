//! The `Request-Time` parser and the clock-skew window on arbitrary text.
//!
//! Invariants: `check_window` refuses exactly what `parse_time` refuses; a parsed time
//! formats (`format_time`) to a value that re-parses to the same instant (to the second);
//! with `now = t + delta`, the window accepts iff `|delta| <= window`.
#![no_main]

use std::time::Duration;

use alipayhk_runtime::time::{
    check_window, format_time, parse_time, TimeError, DEFAULT_CLOCK_SKEW,
};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    delta_secs: i32,
    window_secs: u32,
    value: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    let value = input.value;
    let parsed = parse_time(value);
    // The server's own call, against the real clock.
    let _ = check_window(value, time::OffsetDateTime::now_utc(), DEFAULT_CLOCK_SKEW);
    let t = match parsed {
        Ok(t) => t,
        Err(error) => {
            assert_eq!(error, TimeError::Unparsable(value.to_owned()));
            let _ = error.to_string();
            let fixed = time::OffsetDateTime::UNIX_EPOCH;
            assert_eq!(
                check_window(
                    value,
                    fixed,
                    Duration::from_secs(u64::from(input.window_secs))
                ),
                Err(TimeError::Unparsable(value.to_owned())),
                "check_window disagrees with parse_time on {value:?}"
            );
            return;
        }
    };

    // Formatting: what we would send re-parses to the same instant, seconds precision.
    let text = format_time(t);
    let again = parse_time(&text)
        .unwrap_or_else(|e| panic!("format_time({value:?}) = {text:?} does not parse: {e}"));
    let truncated = t.replace_nanosecond(0).expect("0 ns is valid");
    assert_eq!(again, truncated, "{value:?} -> {text:?} is another instant");
    assert_eq!(
        format_time(again),
        text,
        "format_time is not a fixed point on {text:?}"
    );

    // The window, around the parsed instant.
    let window = Duration::from_secs(u64::from(input.window_secs));
    let Some(now) = t.checked_add(time::Duration::seconds(i64::from(input.delta_secs))) else {
        return;
    };
    let skew = u64::from(input.delta_secs.unsigned_abs());
    match check_window(value, now, window) {
        Ok(accepted) => {
            assert!(
                skew <= window.as_secs(),
                "{value:?} accepted {skew}s away, window {window:?}"
            );
            assert_eq!(accepted, t);
        }
        Err(TimeError::OutOfWindow {
            value: v,
            skew_secs,
            allowed_secs,
        }) => {
            assert!(
                skew > window.as_secs(),
                "{value:?} refused {skew}s away, window {window:?}"
            );
            assert_eq!(v, value);
            assert_eq!(skew_secs, skew);
            assert_eq!(allowed_secs, window.as_secs());
        }
        Err(other) => panic!("{value:?} parsed but check_window says {other:?}"),
    }
});
