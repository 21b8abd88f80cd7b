//! Decoding barcodes from raw image buffers.
//!
//! Pure functions over pixel buffers, so the camera, a screenshot or a test can feed them
//! alike. The reader is limited to the three symbologies the business uses — EAN-13 on
//! products, Code 128 on shipping and internal labels, QR for pickup and enrollment — which
//! keeps both false positives and time per frame down, and runs with "try harder" (rotated
//! 1D codes, more rows scanned) because a missed scan costs an associate more than a few
//! milliseconds do.

use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, MultiUseMultiFormatReader, RXingResult};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The barcode symbologies the store app reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    /// EAN-13 product barcode (UPC-A codes read as EAN-13 with a leading 0).
    Ean13,
    /// Code 128: courier waybills, internal labels.
    Code128,
    /// QR code: pickup codes, device enrollment.
    Qr,
}

impl Symbology {
    fn from_rxing(format: &BarcodeFormat) -> Option<Symbology> {
        match format {
            BarcodeFormat::EAN_13 => Some(Symbology::Ean13),
            BarcodeFormat::CODE_128 => Some(Symbology::Code128),
            BarcodeFormat::QR_CODE => Some(Symbology::Qr),
            _ => None,
        }
    }

    fn to_rxing(self) -> BarcodeFormat {
        match self {
            Symbology::Ean13 => BarcodeFormat::EAN_13,
            Symbology::Code128 => BarcodeFormat::CODE_128,
            Symbology::Qr => BarcodeFormat::QR_CODE,
        }
    }

    /// All symbologies, in a fixed order.
    pub const ALL: [Symbology; 3] = [Symbology::Ean13, Symbology::Code128, Symbology::Qr];
}

/// One code found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Decoded {
    /// What kind of code it was.
    pub symbology: Symbology,
    /// The decoded content; for EAN-13 the 13 digits with a verified check digit.
    pub text: String,
}

/// A pixel buffer whose length does not match its stated dimensions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Zero width or height.
    #[error("the image is empty ({width}x{height})")]
    Empty {
        /// Stated width in pixels.
        width: u32,
        /// Stated height in pixels.
        height: u32,
    },
    /// The buffer is shorter or longer than width × height × bytes per pixel.
    #[error("a {width}x{height} image needs {expected} bytes, got {got}")]
    Size {
        /// Stated width in pixels.
        width: u32,
        /// Stated height in pixels.
        height: u32,
        /// Bytes the dimensions call for.
        expected: usize,
        /// Bytes supplied.
        got: usize,
    },
}

/// Checks that `len` bytes make a `width`×`height` image of `bytes_per_pixel`.
pub(crate) fn check_size(width: u32, height: u32, bytes_per_pixel: usize, len: usize) -> Result<(), FrameError> {
    if width == 0 || height == 0 {
        return Err(FrameError::Empty { width, height });
    }
    let expected = (width as usize).checked_mul(height as usize).and_then(|n| n.checked_mul(bytes_per_pixel));
    match expected {
        Some(expected) if expected == len => Ok(()),
        expected => Err(FrameError::Size { width, height, expected: expected.unwrap_or(usize::MAX), got: len }),
    }
}

/// Decodes every EAN-13, Code 128 and QR code in a grayscale image (one byte per pixel, row
/// by row, no padding). A buffer that does not match the dimensions yields no codes; use
/// [`try_decode_luma`] to tell that apart from an image without codes.
pub fn decode_luma(width: u32, height: u32, luma: &[u8]) -> Vec<Decoded> {
    try_decode_luma(width, height, luma).unwrap_or_default()
}

/// Like [`decode_luma`], but reports a buffer of the wrong size as an error.
pub fn try_decode_luma(width: u32, height: u32, luma: &[u8]) -> Result<Vec<Decoded>, FrameError> {
    check_size(width, height, 1, luma.len())?;
    let Ok(source) = Luma8Source::new_with_slice(luma, width, height) else {
        // Unreachable after `check_size`, but an empty result is the safe answer.
        return Ok(Vec::new());
    };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints {
        PossibleFormats: Some(Symbology::ALL.iter().map(|s| s.to_rxing()).collect()),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    let mut reader = GenericMultipleBarcodeReader::new(MultiUseMultiFormatReader::default());
    let results = reader.decode_multiple_with_hints(&mut bitmap, &hints).unwrap_or_default();
    Ok(collect(results))
}

/// Converts rxing results into [`Decoded`], dropping other formats, EAN-13 results that fail
/// the check-digit test and repeats of the same code.
fn collect(results: Vec<RXingResult>) -> Vec<Decoded> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in results {
        let Some(symbology) = Symbology::from_rxing(r.getBarcodeFormat()) else { continue };
        let text = r.getText().to_string();
        if symbology == Symbology::Ean13 && shared::ean13::Ean13::parse(&text).is_err() {
            continue;
        }
        let decoded = Decoded { symbology, text };
        if seen.insert(decoded.clone()) {
            out.push(decoded);
        }
    }
    out
}

/// Decodes every code in an RGB image (three bytes per pixel, R G B, row by row). A buffer
/// that does not match the dimensions yields no codes.
pub fn decode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<Decoded> {
    match rgb_to_luma(width, height, rgb) {
        Ok(luma) => decode_luma(width, height, &luma),
        Err(_) => Vec::new(),
    }
}

/// Converts packed RGB to luma (ITU-R BT.601 weights).
pub fn rgb_to_luma(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, FrameError> {
    check_size(width, height, 3, rgb.len())?;
    Ok(rgb.chunks_exact(3).map(|p| weighted_luma(p[0], p[1], p[2])).collect())
}

/// BT.601 luma in fixed point: 0.299 R + 0.587 G + 0.114 B.
pub(crate) fn weighted_luma(r: u8, g: u8, b: u8) -> u8 {
    ((306 * r as u32 + 601 * g as u32 + 117 * b as u32 + 512) >> 10).min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_sizes_are_errors_not_panics() {
        assert_eq!(try_decode_luma(0, 10, &[]), Err(FrameError::Empty { width: 0, height: 10 }));
        assert!(matches!(try_decode_luma(4, 4, &[0; 15]), Err(FrameError::Size { expected: 16, got: 15, .. })));
        assert!(matches!(try_decode_luma(u32::MAX, u32::MAX, &[0; 4]), Err(FrameError::Size { .. })));
        assert!(decode_luma(4, 4, &[0; 17]).is_empty());
        assert!(decode_rgb(4, 4, &[0; 16]).is_empty());
        assert!(decode_rgb(0, 0, &[]).is_empty());
        assert!(rgb_to_luma(2, 1, &[0; 5]).is_err());
    }

    #[test]
    fn luma_weights() {
        assert_eq!(weighted_luma(0, 0, 0), 0);
        assert_eq!(weighted_luma(255, 255, 255), 255);
        assert_eq!(rgb_to_luma(2, 1, &[255, 0, 0, 0, 255, 0]).unwrap(), vec![76, 150]);
    }

    #[test]
    fn symbology_serialises_snake_case() {
        let json = serde_json::to_string(&Symbology::ALL).unwrap();
        assert_eq!(json, r#"["ean13","code128","qr"]"#);
        let d: Decoded = serde_json::from_str(r#"{"symbology":"code128","text":"X1"}"#).unwrap();
        assert_eq!(d, Decoded { symbology: Symbology::Code128, text: "X1".into() });
    }
}
