//! Rendering codes as grayscale images.
//!
//! The app prints shelf labels (EAN-13), internal labels (Code 128) and shows pickup and
//! enrollment QR codes; the tests feed the same images back through [`crate::decode`]. The
//! EAN-13 encoder here is written from the standard rather than taken from the decoding
//! library, so a passing round trip checks two independent implementations against each
//! other instead of a library against itself.
//!
//! Every function returns `(width, height, pixels)`: one byte per pixel, row by row, `0` for
//! ink and `255` for paper, with the quiet zone each symbology needs already included.

use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use shared::ean13::{Ean13, Ean13Error};

/// Luma value of a bar or dark module.
const INK: u8 = 0;
/// Luma value of a space, light module or quiet zone.
const PAPER: u8 = 255;
/// Largest image the renderers produce, in pixels; larger requests are errors.
const MAX_PIXELS: u64 = 64 * 1024 * 1024;
/// Quiet zone around a QR code, in modules (ISO/IEC 18004).
const QR_QUIET: u32 = 4;
/// Quiet zone left and right of an EAN-13 symbol, in modules.
const EAN_QUIET: u32 = 11;
/// Quiet zone left and right of a Code 128 symbol, in modules.
const CODE128_QUIET: u32 = 10;
/// Light margin above and below 1D symbols, in modules.
const LINEAR_MARGIN: u32 = 5;

/// Why an image could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The EAN-13 input is not 13 digits with a correct check digit.
    #[error(transparent)]
    Ean13(#[from] Ean13Error),
    /// The text does not fit in a QR code.
    #[error("this text cannot be put in a QR code: {0}")]
    Qr(String),
    /// Code 128 cannot encode this text (empty, too long or non-Latin-1 characters).
    #[error("this text cannot be put in a Code 128 barcode: {0}")]
    Code128(String),
    /// A module size or bar height of zero, or an image too large to allocate.
    #[error("cannot draw a {width}x{height} pixel image")]
    Size {
        /// Requested width in pixels (saturated).
        width: u64,
        /// Requested height in pixels (saturated).
        height: u64,
    },
}

/// Checks and converts requested image dimensions.
fn dims(width: u64, height: u64) -> Result<(u32, u32), RenderError> {
    let ok = width > 0 && height > 0 && width.saturating_mul(height) <= MAX_PIXELS;
    match (u32::try_from(width), u32::try_from(height)) {
        (Ok(w), Ok(h)) if ok => Ok((w, h)),
        _ => Err(RenderError::Size { width, height }),
    }
}

/// Draws a QR code for `text` with `module_px` pixels per module and a 4-module quiet zone.
/// Uses error-correction level M, which survives a scuffed phone screen or a creased print.
pub fn qr_luma(text: &str, module_px: u32) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| RenderError::Qr(e.to_string()))?;
    let modules = code.width() as u64;
    let colors = code.to_colors();
    let side_modules = modules + 2 * QR_QUIET as u64;
    let side = side_modules.saturating_mul(module_px as u64);
    let (w, h) = dims(side, side)?;
    let mut img = vec![PAPER; w as usize * h as usize];
    let px = module_px as usize;
    let quiet = QR_QUIET as usize;
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules as usize + quiet, i / modules as usize + quiet);
        for y in my * px..(my + 1) * px {
            img[y * w as usize + mx * px..y * w as usize + (mx + 1) * px].fill(INK);
        }
    }
    Ok((w, h, img))
}

/// Left-hand odd-parity ("L") patterns, one bit per module, most significant first, 1 = bar.
const L_CODES: [u8; 10] =
    [0b0001101, 0b0011001, 0b0010011, 0b0111101, 0b0100011, 0b0110001, 0b0101111, 0b0111011, 0b0110111, 0b0001011];

/// Parity of left-hand digits 2–7 for each leading digit: bit 5 is digit 2, 1 = even ("G").
const PARITY: [u8; 10] =
    [0b000000, 0b001011, 0b001101, 0b001110, 0b010011, 0b011001, 0b011100, 0b010101, 0b010110, 0b011010];

/// Right-hand ("R") pattern: the L pattern with bars and spaces swapped.
fn r_code(digit: u8) -> u8 {
    !L_CODES[digit as usize] & 0x7f
}

/// Even-parity ("G") pattern: the R pattern read backwards.
fn g_code(digit: u8) -> u8 {
    r_code(digit).reverse_bits() >> 1
}

/// Pushes the `n` low bits of `pattern`, most significant first.
fn push_bits(modules: &mut Vec<bool>, pattern: u8, n: u32) {
    modules.extend((0..n).rev().map(|i| pattern >> i & 1 == 1));
}

/// The 95 modules of an EAN-13 symbol (no quiet zone), `true` for a bar.
pub fn ean13_modules(code: &Ean13) -> Vec<bool> {
    let digits: Vec<u8> = code.as_str().bytes().map(|b| b - b'0').collect();
    let parity = PARITY[digits[0] as usize];
    let mut m = Vec::with_capacity(95);
    push_bits(&mut m, 0b101, 3);
    for (i, &d) in digits[1..7].iter().enumerate() {
        let even = parity >> (5 - i) & 1 == 1;
        push_bits(&mut m, if even { g_code(d) } else { L_CODES[d as usize] }, 7);
    }
    push_bits(&mut m, 0b01010, 5);
    for &d in &digits[7..] {
        push_bits(&mut m, r_code(d), 7);
    }
    push_bits(&mut m, 0b101, 3);
    m
}

/// Draws an EAN-13 barcode: `code` must be 13 digits with a correct check digit. Each module
/// is `module_px` pixels wide and the bars `bar_height` pixels tall, with an 11-module quiet
/// zone left and right and a 5-module margin above and below. Digits under the bars are not
/// drawn (no font); print them beside the image if needed.
pub fn ean13_luma(code: &str, module_px: u32, bar_height: u32) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let code = Ean13::parse(code)?;
    linear_luma(&ean13_modules(&code), EAN_QUIET, module_px, bar_height)
}

/// Draws a Code 128 barcode (encoded by rxing's writer) with a 10-module quiet zone left and
/// right and a 5-module margin above and below.
pub fn code128_luma(text: &str, module_px: u32, bar_height: u32) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let modules = Code128Writer.encode_oned(text).map_err(|e| RenderError::Code128(e.to_string()))?;
    // Drop any light modules at the ends so the quiet zone is exactly ours.
    let first = modules.iter().position(|b| *b).unwrap_or(0);
    let last = modules.iter().rposition(|b| *b).map_or(0, |i| i + 1);
    linear_luma(&modules[first..last], CODE128_QUIET, module_px, bar_height)
}

/// Draws a row of modules as a linear barcode with the given quiet zone.
fn linear_luma(
    modules: &[bool],
    quiet: u32,
    module_px: u32,
    bar_height: u32,
) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let total_modules = modules.len() as u64 + 2 * quiet as u64;
    let width = total_modules.saturating_mul(module_px as u64);
    let margin = LINEAR_MARGIN as u64 * module_px as u64;
    // A zero bar height must fail even though the margins alone are not empty.
    let height = if bar_height == 0 { 0 } else { (bar_height as u64).saturating_add(2 * margin) };
    let (w, h) = dims(width, height)?;
    let px = module_px as usize;
    let mut row = vec![PAPER; w as usize];
    for (i, _) in modules.iter().enumerate().filter(|(_, bar)| **bar) {
        let x = (i + quiet as usize) * px;
        row[x..x + px].fill(INK);
    }
    let blank = vec![PAPER; w as usize];
    let mut img = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h as u64 {
        img.extend_from_slice(if y < margin || y >= margin + bar_height as u64 { &blank } else { &row });
    }
    Ok((w, h, img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<bool> {
        s.bytes().map(|b| b == b'1').collect()
    }

    #[test]
    fn patterns_follow_the_standard() {
        // Digit 0: L 0001101, G 0100111, R 1110010; digit 6: L 0101111, G 0000101, R 1010000.
        assert_eq!((g_code(0), r_code(0)), (0b0100111, 0b1110010));
        assert_eq!((g_code(6), r_code(6)), (0b0000101, 0b1010000));
        for d in 0..10 {
            assert_eq!(L_CODES[d as usize].count_ones() % 2, 1, "L patterns have odd parity");
            assert_eq!(g_code(d).count_ones() % 2, 0, "G patterns have even parity");
        }
    }

    #[test]
    fn known_symbol_layout() {
        // 4006381333931: leading 4 → parity LGLLGG.
        let m = ean13_modules(&Ean13::parse("4006381333931").unwrap());
        assert_eq!(m.len(), 95);
        assert_eq!(&m[..3], &bits("101")[..]);
        assert_eq!(&m[3..10], &bits("0001101")[..], "0 in L");
        assert_eq!(&m[10..17], &bits("0100111")[..], "0 in G");
        assert_eq!(&m[45..50], &bits("01010")[..]);
        assert_eq!(&m[92..], &bits("101")[..]);
    }

    #[test]
    fn modules_match_an_independent_encoder() {
        use rxing::oned::EAN13Writer;
        for code in ["4006381333931", "5901234123457", "0012345678905", "9780201379624", "6901234567892"] {
            let theirs = EAN13Writer.encode_oned(code).unwrap();
            assert_eq!(ean13_modules(&Ean13::parse(code).unwrap()), theirs, "{code}");
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(ean13_luma("4006381333932", 2, 50), Err(RenderError::Ean13(Ean13Error::CheckDigit { .. }))));
        assert!(matches!(ean13_luma("400638133393", 2, 50), Err(RenderError::Ean13(Ean13Error::Format(_)))));
        assert!(matches!(ean13_luma("4006381333931", 0, 50), Err(RenderError::Size { .. })));
        assert!(matches!(ean13_luma("4006381333931", 2, 0), Err(RenderError::Size { .. })));
        assert!(matches!(ean13_luma("4006381333931", u32::MAX, u32::MAX), Err(RenderError::Size { .. })));
        assert!(matches!(qr_luma("x", 0), Err(RenderError::Size { .. })));
        assert!(matches!(qr_luma(&"x".repeat(8000), 1), Err(RenderError::Qr(_))));
        assert!(matches!(code128_luma("", 2, 40), Err(RenderError::Code128(_))));
        assert!(matches!(code128_luma("收银", 2, 40), Err(RenderError::Code128(_))));
    }

    #[test]
    fn image_geometry() {
        let (w, h, px) = ean13_luma("4006381333931", 3, 60).unwrap();
        assert_eq!((w, h), ((95 + 22) * 3, 60 + 30));
        assert_eq!(px.len(), (w * h) as usize);
        assert!(px[..w as usize].iter().all(|p| *p == PAPER), "top margin is blank");
        let mid = &px[(h / 2 * w) as usize..((h / 2 + 1) * w) as usize];
        assert_eq!(mid[..33], [PAPER; 33], "quiet zone");
        assert_eq!(mid[33..36], [INK; 3], "first guard bar");
        let (w, h, px) = qr_luma("hello", 2).unwrap();
        assert_eq!((w, h), ((21 + 8) * 2, (21 + 8) * 2));
        assert_eq!(px[(8 * w + 8) as usize], INK, "finder pattern corner");
    }
}
