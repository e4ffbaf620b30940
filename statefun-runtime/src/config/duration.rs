//! Durations as Flink writes them (`TimeUtils.parseDuration`): `10s`, `2 min`, `500` (ms).

use std::time::Duration;

/// Parses a Flink duration: a non-negative integer, optional spaces, and an optional unit;
/// without a unit it is milliseconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    if number.is_empty() {
        return Err(format!("`{text}` does not start with a number"));
    }
    let amount: u64 = number
        .parse()
        .map_err(|_| format!("`{number}` is too large"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let nanos_per_unit: u64 = match unit.as_str() {
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "µs" | "us" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "m" | "min" | "minute" | "minutes" => 60_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        other => {
            return Err(format!(
                "`{other}` is not a time unit (use ms, s, min, h or d)"
            ));
        }
    };
    amount
        .checked_mul(nanos_per_unit)
        .map(Duration::from_nanos)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_forms_parse() {
        assert_eq!(parse_duration("2 min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_duration(" 3 Hours "),
            Ok(Duration::from_secs(3 * 3600))
        );
    }

    #[test]
    fn bad_forms_say_why() {
        assert!(parse_duration("fast").unwrap_err().contains("number"));
        assert!(
            parse_duration("5 fortnights")
                .unwrap_err()
                .contains("`fortnights`")
        );
        assert!(parse_duration("-5s").is_err());
    }
}
