//! The server's clock: the one place the server reads it, below every layer (storage stamps
//! its migrations with it, handlers pass it to the rules and storage as `now`).

/// Now. Handlers read it and pass it to the rules and storage, which take `now` as an
/// argument.
// Time is passed in (clippy.toml); this is where the passing starts.
#[allow(clippy::disallowed_methods)]
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Current time in Unix milliseconds ([`now`]).
pub fn now_ms() -> i64 {
    now().timestamp_millis()
}

/// The moment `ms` Unix milliseconds stand for, as stored timestamps are read back (the
/// epoch for a value out of chrono's range, which no stored timestamp is).
pub fn at_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
