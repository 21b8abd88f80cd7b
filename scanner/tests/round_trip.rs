//! Render codes, decode them back: the renderer (own EAN-13 encoder, qrcode crate, rxing's
//! Code 128 writer) and the decoder (rxing's readers) must agree, also on degraded images.

use scanner::{code128_luma, decode_luma, decode_rgb, ean13_luma, qr_luma, Decoded, RenderError, Symbology};
use shared::ean13::Ean13;
use shared::pickup::PickupCode;
use shared::protocol::enrollment_qr_payload;

type Image = (u32, u32, Vec<u8>);

fn decode(img: &Image) -> Vec<Decoded> {
    decode_luma(img.0, img.1, &img.2)
}

fn one(symbology: Symbology, text: &str) -> Vec<Decoded> {
    vec![Decoded { symbology, text: text.to_string() }]
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

/// Places `img` at (`x`, `y`) in a larger mid-gray canvas, squeezes its contrast (ink 50,
/// paper 210, as under shop lighting) and adds ±`amp` noise everywhere.
fn degrade(img: &Image, canvas: (u32, u32), at: (u32, u32), amp: i16, seed: u64) -> Image {
    let (cw, ch) = canvas;
    let mut out = vec![150u8; (cw * ch) as usize];
    for y in 0..img.1 {
        for x in 0..img.0 {
            let v = img.2[(y * img.0 + x) as usize] as u32;
            out[((y + at.1) * cw + x + at.0) as usize] = (50 + v * 160 / 255) as u8;
        }
    }
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15 ^ seed);
    for p in &mut out {
        let n = (noise.next() as i16 % (2 * amp + 1)) - amp;
        *p = (*p as i16 + n).clamp(0, 255) as u8;
    }
    (cw, ch, out)
}

/// Halves an image with a 2×2 box filter, as a camera further away would see it.
fn downscale(img: &Image) -> Image {
    let (w, h) = (img.0 / 2, img.1 / 2);
    let px = |x: u32, y: u32| img.2[(y * img.0 + x) as usize] as u32;
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            out.push(
                ((px(2 * x, 2 * y) + px(2 * x + 1, 2 * y) + px(2 * x, 2 * y + 1) + px(2 * x + 1, 2 * y + 1)) / 4) as u8,
            );
        }
    }
    (w, h, out)
}

/// One valid EAN-13 per leading digit, so every parity pattern of the encoder is exercised,
/// plus well-known real codes and the demo catalogue's codes.
fn ean_samples() -> Vec<String> {
    let mut codes: Vec<String> = (0..10u8)
        .map(|lead| {
            let mut d = [lead, 7, 3, 1, 9, 4, 0, 5, 2, 8, 6, lead];
            d[6] = (lead * 3) % 10;
            Ean13::from_first12(d).to_string()
        })
        .collect();
    codes.extend(["4006381333931", "5901234123457", "9780201379624", "0012345678905"].map(String::from));
    codes.extend([1, 42, 123_456, 999_999_999].map(|n| gen::ean(n).to_string()));
    codes
}

#[test]
fn ean13_round_trips_at_1_2_and_3_px_per_module() {
    for code in ean_samples() {
        for module_px in [1, 2, 3] {
            let img = ean13_luma(&code, module_px, 40 * module_px).unwrap();
            assert_eq!(decode(&img), one(Symbology::Ean13, &code), "{code} at {module_px} px/module");
        }
    }
}

#[test]
fn qr_round_trips_pickup_and_enrollment_payloads() {
    let order = uuid::Uuid::from_u128(0x0192_3c4d_5e6f_7a8b_9c0d_1e2f_3a4b_5c6d);
    let pickup = PickupCode::from_entropy([7, 1, 2, 3, 4, 5, 6, 8]).qr_payload(order);
    assert!(pickup.starts_with("PK1:"));
    let enroll = enrollment_qr_payload("http://127.0.0.1:8080", "ABCD-EFGH-IJKL");
    assert!(enroll.starts_with("OMNI-ENROLL|"));
    let https = enrollment_qr_payload("https://hq.example.com:8443/sync", "WXYZ-2345-6789");
    for text in [pickup.as_str(), enroll.as_str(), https.as_str(), "12345678", "门店自提 / store pickup"] {
        for module_px in [2, 3, 5] {
            let img = qr_luma(text, module_px).unwrap();
            assert_eq!(decode(&img), one(Symbology::Qr, text), "{text:?} at {module_px} px/module");
        }
    }
    let img = qr_luma(&pickup, 4).unwrap();
    let parsed = PickupCode::parse_input(&decode(&img)[0].text).unwrap();
    assert_eq!(parsed.1, Some(order), "the decoded payload parses back to the order");
}

#[test]
fn code128_round_trips() {
    for text in ["SF1234567890123", "JD0087654321-1-1", "TO-2024-000123", "abc xyz 42", "0000"] {
        for module_px in [1, 2, 3] {
            let img = code128_luma(text, module_px, 40).unwrap();
            assert_eq!(decode(&img), one(Symbology::Code128, text), "{text:?} at {module_px} px/module");
        }
    }
}

#[test]
fn degraded_images_still_decode() {
    for (seed, ean) in ["6901234567892", "4006381333931", "0012345678905"].into_iter().enumerate() {
        let (seed, shift) = (seed as u64, 17 * seed as u32);
        let bar = ean13_luma(ean, 3, 90).unwrap();
        let noisy = degrade(&bar, (640, 480), (101 + shift, 177), 12, seed);
        assert_eq!(decode(&noisy), one(Symbology::Ean13, ean), "{ean}: off-centre, low contrast, noisy");
        // Odd offset: module edges fall inside averaged pixels, like a camera further away.
        let big = ean13_luma(ean, 5, 150).unwrap();
        let far = downscale(&degrade(&big, (1000, 600), (151 + shift, 211), 12, seed));
        assert_eq!(decode(&far), one(Symbology::Ean13, ean), "{ean}: noisy and at half size (2.5 px/module)");
    }

    let enroll = enrollment_qr_payload("http://127.0.0.1:8080", "ABCD-EFGH-IJKL");
    let qr = qr_luma(&enroll, 4).unwrap();
    let noisy = degrade(&qr, (800, 600), (333, 91), 30, 7);
    assert_eq!(decode(&noisy), one(Symbology::Qr, &enroll), "QR off-centre, low contrast, noisy");
    assert_eq!(decode(&downscale(&noisy)), one(Symbology::Qr, &enroll), "and at half size (2 px/module)");

    let waybill = "SF1234567890123";
    let c128 = code128_luma(waybill, 2, 60).unwrap();
    let noisy = degrade(&c128, (640, 360), (37, 150), 20, 9);
    assert_eq!(decode(&noisy), one(Symbology::Code128, waybill), "Code 128 off-centre, low contrast, noisy");
}

#[test]
fn two_codes_in_one_frame_are_both_found() {
    let ean = gen::ean(4242).to_string();
    let qr_text = "PK1:00000000-0000-0000-0000-000000000001:12345678";
    let bar = ean13_luma(&ean, 2, 80).unwrap();
    let qr = qr_luma(qr_text, 4).unwrap();
    let (w, h) = (bar.0 + qr.0 + 150, bar.1.max(qr.1) + 100);
    let mut canvas = vec![255u8; (w * h) as usize];
    for (img, x0) in [(&bar, 25), (&qr, bar.0 + 125)] {
        for y in 0..img.1 {
            let row = &img.2[(y * img.0) as usize..((y + 1) * img.0) as usize];
            let at = ((y + 50) * w + x0) as usize;
            canvas[at..at + row.len()].copy_from_slice(row);
        }
    }
    let mut found = decode_luma(w, h, &canvas);
    found.sort_by_key(|d| d.text.clone());
    let mut expected = vec![
        Decoded { symbology: Symbology::Ean13, text: ean },
        Decoded { symbology: Symbology::Qr, text: qr_text.to_string() },
    ];
    expected.sort_by_key(|d| d.text.clone());
    assert_eq!(found, expected);
}

#[test]
fn rgb_frames_decode_like_luma() {
    // Dark blue on pale yellow, as on a coloured pickup slip.
    let text = "PK1:00000000-0000-0000-0000-000000000002:87654321";
    let (w, h, luma) = qr_luma(text, 3).unwrap();
    let rgb: Vec<u8> = luma.iter().flat_map(|&v| if v < 128 { [20, 30, 120] } else { [250, 240, 170] }).collect();
    assert_eq!(decode_rgb(w, h, &rgb), one(Symbology::Qr, text));
    assert!(decode_rgb(w, h, &rgb[1..]).is_empty(), "wrong buffer size decodes to nothing");
}

#[test]
fn blank_and_garbage_images_decode_to_nothing() {
    let (w, h) = (320, 240);
    assert!(decode_luma(w, h, &vec![255; (w * h) as usize]).is_empty(), "white");
    assert!(decode_luma(w, h, &vec![0; (w * h) as usize]).is_empty(), "black");
    let mut noise = Noise(42);
    let random: Vec<u8> = (0..w * h).map(|_| noise.next()).collect();
    assert!(decode_luma(w, h, &random).is_empty(), "noise");
    let stripes: Vec<u8> = (0..w * h).map(|i| if (i % w / 3) % 2 == 0 { 0 } else { 255 }).collect();
    assert!(decode_luma(w, h, &stripes).is_empty(), "regular stripes are not a barcode");
    assert!(decode_luma(1, 1, &[0]).is_empty(), "one pixel");
    assert!(decode_luma(w, h, &random[1..]).is_empty(), "wrong size");
}

#[test]
fn invalid_ean13_is_not_rendered() {
    assert!(matches!(ean13_luma("6901234567891", 2, 50), Err(RenderError::Ean13(_))), "wrong check digit");
    assert!(matches!(ean13_luma("690123456789", 2, 50), Err(RenderError::Ean13(_))), "12 digits");
    assert!(matches!(ean13_luma("69012345678A2", 2, 50), Err(RenderError::Ean13(_))), "letter");
    let err = ean13_luma("6901234567891", 2, 50).unwrap_err();
    assert!(err.to_string().contains("check digit"), "{err}");
}

#[test]
fn a_truncated_ean13_image_is_not_misread() {
    // Cut off the right half: no valid code must be invented from the left half.
    let (w, h, px) = ean13_luma("6901234567892", 2, 60).unwrap();
    let half = w / 2;
    let cut: Vec<u8> = px.chunks_exact(w as usize).flat_map(|row| row[..half as usize].to_vec()).collect();
    assert!(decode_luma(half, h, &cut).is_empty());
}
