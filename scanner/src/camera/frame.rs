//! Turning camera frames into luma images, and deciding which scans are new.
//!
//! Kept apart from the capture thread so both can be tested without a camera.

use crate::decode::{rgb_to_luma, weighted_luma, Decoded};
use nokhwa::utils::FrameFormat;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Frames wider than this are halved before decoding: a 1080p frame takes several times as
/// long as 960×540 and the extra detail rarely helps at counter distance.
const MAX_DECODE_WIDTH: u32 = 1600;

/// A grayscale image ready for [`crate::decode::decode_luma`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LumaFrame {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Extracts luma from a raw camera frame. Buffers longer than needed (drivers pad) are
/// accepted; shorter ones are errors.
pub(crate) fn to_luma(format: FrameFormat, width: u32, height: u32, data: &[u8]) -> Result<LumaFrame, String> {
    let n = (width as usize).checked_mul(height as usize).filter(|n| *n > 0).ok_or("empty frame")?;
    let need = |bytes: usize| -> Result<&[u8], String> {
        data.get(..bytes)
            .ok_or_else(|| format!("{format} frame of {width}x{height} is truncated ({} bytes)", data.len()))
    };
    let pixels = match format {
        FrameFormat::GRAY => need(n)?.to_vec(),
        // NV12 stores the full-resolution Y plane first.
        FrameFormat::NV12 => need(n)?.to_vec(),
        // YUYV interleaves Y0 U Y1 V: every even byte is a luma sample.
        FrameFormat::YUYV => need(n * 2)?.iter().step_by(2).copied().collect(),
        FrameFormat::RAWRGB => rgb_to_luma(width, height, need(n * 3)?).map_err(|e| e.to_string())?,
        FrameFormat::RAWBGR => need(n * 3)?.chunks_exact(3).map(|p| weighted_luma(p[2], p[1], p[0])).collect(),
        FrameFormat::MJPEG => return jpeg_luma(data),
    };
    Ok(LumaFrame { width, height, pixels })
}

/// Decodes an MJPEG frame straight to grayscale (skipping the colour conversion).
fn jpeg_luma(data: &[u8]) -> Result<LumaFrame, String> {
    use zune_jpeg::zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    let pixels = decoder.decode().map_err(|e| format!("bad MJPEG frame: {e:?}"))?;
    let info = decoder.info().ok_or("MJPEG frame without a header")?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if pixels.len() != width as usize * height as usize {
        return Err(format!("MJPEG frame of {width}x{height} decoded to {} bytes", pixels.len()));
    }
    Ok(LumaFrame { width, height, pixels })
}

/// Halves large frames (2×2 box filter) so decoding keeps up with the camera.
pub(crate) fn shrink_for_decode(frame: LumaFrame) -> LumaFrame {
    if frame.width <= MAX_DECODE_WIDTH {
        return frame;
    }
    let (w, h) = (frame.width as usize / 2, frame.height as usize / 2);
    let src = |x: usize, y: usize| u16::from(frame.pixels[y * frame.width as usize + x]);
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let sum = src(2 * x, 2 * y) + src(2 * x + 1, 2 * y) + src(2 * x, 2 * y + 1) + src(2 * x + 1, 2 * y + 1);
            pixels.push(((sum + 2) / 4) as u8);
        }
    }
    LumaFrame { width: w as u32, height: h as u32, pixels }
}

/// Suppresses a code that was seen again within `window` of the last time it was seen, so
/// a code held in front of the camera is reported once rather than once per frame.
#[derive(Debug)]
pub(crate) struct RepeatFilter {
    window: Duration,
    last_seen: HashMap<Decoded, Instant>,
}

impl RepeatFilter {
    pub fn new(window: Duration) -> RepeatFilter {
        RepeatFilter { window, last_seen: HashMap::new() }
    }

    /// Records a sighting at `now`; true if it should be reported.
    pub fn accept(&mut self, code: &Decoded, now: Instant) -> bool {
        let window = self.window;
        self.last_seen.retain(|_, seen| now.saturating_duration_since(*seen) < window);
        self.last_seen.insert(code.clone(), now).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Symbology;

    #[test]
    fn raw_formats_to_luma() {
        let gray = to_luma(FrameFormat::GRAY, 2, 1, &[7, 9, 0, 0]).unwrap();
        assert_eq!(gray, LumaFrame { width: 2, height: 1, pixels: vec![7, 9] });
        let yuyv = to_luma(FrameFormat::YUYV, 2, 1, &[10, 128, 20, 128]).unwrap();
        assert_eq!(yuyv.pixels, vec![10, 20]);
        let nv12 = to_luma(FrameFormat::NV12, 2, 2, &[1, 2, 3, 4, 128, 128]).unwrap();
        assert_eq!(nv12.pixels, vec![1, 2, 3, 4]);
        let rgb = to_luma(FrameFormat::RAWRGB, 1, 1, &[255, 0, 0]).unwrap();
        let bgr = to_luma(FrameFormat::RAWBGR, 1, 1, &[0, 0, 255]).unwrap();
        assert_eq!(rgb.pixels, bgr.pixels);
        assert!(to_luma(FrameFormat::YUYV, 2, 1, &[1, 2, 3]).is_err());
        assert!(to_luma(FrameFormat::GRAY, 0, 1, &[]).is_err());
        assert!(to_luma(FrameFormat::MJPEG, 4, 4, b"not a jpeg").is_err());
    }

    #[test]
    fn mjpeg_frames_decode_to_luma_and_codes() {
        // A 640x360 colour frame (4:2:0, quality 60) made with cjpeg from a rendered EAN-13
        // and pickup QR on a beige background, as a webcam streaming MJPEG would send.
        let jpeg = include_bytes!("../../tests/fixtures/mjpeg_frame.jpg");
        let luma = to_luma(FrameFormat::MJPEG, 640, 360, jpeg).unwrap();
        assert_eq!((luma.width, luma.height, luma.pixels.len()), (640, 360, 640 * 360));
        let mut found = crate::decode::decode_luma(luma.width, luma.height, &luma.pixels);
        found.sort_by_key(|d| d.text.clone());
        let texts: Vec<&str> = found.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts, ["6901234567892", "PK1:00000000-0000-0000-0000-000000000004:55667788"]);
    }

    #[test]
    fn shrink_halves_wide_frames_only() {
        let small = LumaFrame { width: 4, height: 2, pixels: vec![0; 8] };
        assert_eq!(shrink_for_decode(small.clone()), small);
        let (w, h) = (MAX_DECODE_WIDTH + 2, 3);
        let mut pixels = vec![200; (w * h) as usize];
        pixels[0] = 0;
        let out = shrink_for_decode(LumaFrame { width: w, height: h, pixels });
        assert_eq!((out.width, out.height), (w / 2, 1));
        assert_eq!(out.pixels[..2], [150, 200]);
    }

    #[test]
    fn repeats_within_window_are_suppressed() {
        let mut f = RepeatFilter::new(Duration::from_secs(2));
        let a = Decoded { symbology: Symbology::Ean13, text: "6901234567892".into() };
        let b = Decoded { symbology: Symbology::Qr, text: "PK1:x".into() };
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(f.accept(&a, at(0)));
        assert!(!f.accept(&a, at(500)), "same code in the next frames");
        assert!(f.accept(&b, at(600)), "a different code is reported");
        assert!(!f.accept(&a, at(2400)), "still in view: last seen 1.9 s ago");
        assert!(f.accept(&a, at(4500)), "away for more than 2 s: reported again");
    }
}
