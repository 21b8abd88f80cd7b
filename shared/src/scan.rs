//! What a scan means, and telling a keyboard-wedge scanner from a person typing.
//!
//! Handheld scanners in stores are usually "keyboard wedges": they type the code as a burst
//! of key presses ending in Enter. The app listens to every key press everywhere and hands
//! bursts to the scan handler, so an associate never has to focus a field before scanning.
//! The rules live here, pure, so they are tested without a browser.

use crate::ean13::Ean13;
use crate::pickup::PickupCode;
use crate::protocol::parse_enrollment_qr;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest pause between two key presses of one scanner burst. Scanners type a
/// character every 2–30 ms; people rarely manage under 60 ms between keys.
pub const WEDGE_MAX_GAP_MS: f64 = 45.0;
/// The shortest code a burst must carry to count as a scan (EAN-8 is the shortest we meet).
pub const WEDGE_MIN_LEN: usize = 6;
/// The longest code kept; anything longer is not a scan.
pub const WEDGE_MAX_LEN: usize = 512;

/// Follows key presses and reports completed scanner bursts.
#[derive(Debug, Clone, Default)]
pub struct WedgeDetector {
    buffer: String,
    last_ms: Option<f64>,
}

impl WedgeDetector {
    /// A detector with nothing typed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one key press: `key` as the browser's `KeyboardEvent.key` ("a", "7", "Enter",
    /// "Shift"…), at `now_ms`. Returns the scanned text when this key ends a burst.
    pub fn key(&mut self, key: &str, now_ms: f64) -> Option<String> {
        let in_burst = self.last_ms.is_some_and(|last| now_ms - last <= WEDGE_MAX_GAP_MS && now_ms >= last);
        if !in_burst {
            self.buffer.clear();
        }
        if key == "Enter" {
            let done = std::mem::take(&mut self.buffer);
            self.last_ms = None;
            return (in_burst && done.chars().count() >= WEDGE_MIN_LEN).then_some(done);
        }
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            // One printable character; named keys ("Shift", "Tab") are longer.
            (Some(c), None) if !c.is_control() => {
                if self.buffer.len() >= WEDGE_MAX_LEN {
                    self.buffer.clear();
                }
                self.buffer.push(c);
                self.last_ms = Some(now_ms);
            }
            // Scanners that send Shift for capitals keep the burst going.
            _ if key == "Shift" => {
                if in_burst {
                    self.last_ms = Some(now_ms);
                }
            }
            _ => {
                self.buffer.clear();
                self.last_ms = None;
            }
        }
        None
    }

    /// The characters of the burst in progress (so a text field that received them can
    /// drop them once the burst turns out to be a scan).
    pub fn pending(&self) -> &str {
        &self.buffer
    }
}

/// What a scanned or typed code is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanInput {
    /// A product barcode (EAN-13 with a valid check digit).
    Barcode {
        /// The 13 digits.
        barcode: String,
    },
    /// A customer's pickup QR: the order it belongs to and the code.
    PickupQr {
        /// The fulfillment order the QR was issued for.
        fulfillment_order_id: Uuid,
        /// The full payload, to pass on as the code input.
        payload: String,
    },
    /// An 8-digit pickup code typed or read from the customer's phone.
    PickupCode {
        /// The digits.
        code: String,
    },
    /// An enrollment QR from HQ.
    Enrollment {
        /// Server address.
        server_url: String,
        /// One-time code.
        code: String,
    },
    /// Anything else (the caller decides, e.g. an SKU code typed by hand).
    Other {
        /// The trimmed text.
        text: String,
    },
}

/// Classifies a scan or a typed code.
pub fn classify(input: &str) -> ScanInput {
    let text = input.trim();
    if let Some((server_url, code)) = parse_enrollment_qr(text) {
        return ScanInput::Enrollment { server_url, code };
    }
    if Ean13::parse(text).is_ok() {
        return ScanInput::Barcode { barcode: text.to_string() };
    }
    match PickupCode::parse_input(text) {
        Some((_, Some(id))) => ScanInput::PickupQr { fulfillment_order_id: id, payload: text.to_string() },
        Some((code, None)) => ScanInput::PickupCode { code: code.reveal().to_string() },
        None => ScanInput::Other { text: text.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn feed(d: &mut WedgeDetector, keys: &[&str], start: f64, gap: f64) -> Option<String> {
        let mut out = None;
        for (i, k) in keys.iter().enumerate() {
            out = d.key(k, start + i as f64 * gap);
        }
        out
    }

    fn keys_of(s: &str) -> Vec<String> {
        s.chars().map(|c| c.to_string()).chain(["Enter".to_string()]).collect()
    }

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan() {
        let keys = keys_of("6901234567892");
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut WedgeDetector::new(), &keys, 1000.0, 8.0).as_deref(), Some("6901234567892"));
    }

    #[test]
    fn human_typing_is_not_a_scan() {
        let keys = keys_of("6901234567892");
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut WedgeDetector::new(), &keys, 1000.0, 120.0), None);
    }

    #[test]
    fn a_pause_inside_the_burst_restarts_it() {
        let mut d = WedgeDetector::new();
        assert_eq!(feed(&mut d, &["1", "2", "3"], 0.0, 5.0), None);
        // A long pause, then a full fast burst: only the second burst is the scan.
        let keys = keys_of("4006381333931");
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut d, &keys, 500.0, 5.0).as_deref(), Some("4006381333931"));
    }

    #[test]
    fn short_bursts_and_named_keys_are_ignored() {
        let mut d = WedgeDetector::new();
        assert_eq!(feed(&mut d, &["1", "2", "Enter"], 0.0, 5.0), None);
        assert_eq!(feed(&mut d, &["1", "2", "3", "4", "Tab", "5", "6", "Enter"], 100.0, 5.0), None);
        assert_eq!(d.pending(), "");
    }

    #[test]
    fn shift_inside_a_burst_keeps_it() {
        let mut d = WedgeDetector::new();
        let got = feed(&mut d, &["Shift", "A", "B", "Shift", "C", "1", "2", "3", "Enter"], 0.0, 4.0);
        assert_eq!(got.as_deref(), Some("ABC123"));
    }

    #[test]
    fn classifies_every_kind() {
        assert_eq!(classify(" 4006381333931 "), ScanInput::Barcode { barcode: "4006381333931".into() });
        assert_eq!(classify("4006381333932"), ScanInput::Other { text: "4006381333932".into() });
        assert_eq!(
            classify("OMNI-ENROLL|http://10.0.0.2:8080|ABCD-EFGH"),
            ScanInput::Enrollment { server_url: "http://10.0.0.2:8080".into(), code: "ABCD-EFGH".into() }
        );
        let code = PickupCode::from_entropy([7; 8]);
        assert_eq!(classify(code.reveal()), ScanInput::PickupCode { code: code.reveal().into() });
        let id = Uuid::from_u128(42);
        let qr = code.qr_payload(id);
        assert_eq!(classify(&qr), ScanInput::PickupQr { fulfillment_order_id: id, payload: qr.clone() });
        assert_eq!(classify("SKU-1"), ScanInput::Other { text: "SKU-1".into() });
    }

    proptest! {
        // Whatever the timing, a detector only reports text that was typed as one burst.
        #[test]
        fn scans_are_exactly_a_typed_burst(text in "[0-9A-Z]{1,20}", gap in 0.0f64..200.0) {
            let keys = keys_of(&text);
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let got = feed(&mut WedgeDetector::new(), &keys, 0.0, gap);
            let expect_scan = gap <= WEDGE_MAX_GAP_MS && text.len() >= WEDGE_MIN_LEN;
            prop_assert_eq!(got, expect_scan.then_some(text));
        }
    }
}
