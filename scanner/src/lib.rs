//! Barcode scanning for the store app.
//!
//! Associates scan product barcodes (EAN-13), shipping and internal labels (Code 128), the
//! customer's pickup QR code and the HQ enrollment QR code. Phones use the platform barcode
//! plugin, but tablets and desktops in the back office only have a webcam, so the app decodes
//! camera frames itself:
//!
//! * [`decode`] turns a grayscale or RGB frame into the codes it shows. It is pure and always
//!   compiled, so it is tested without a camera.
//! * [`render`] draws QR, EAN-13 and Code 128 images, for printing shelf and pickup labels and
//!   for testing [`decode`] against an independent encoder.
//! * `camera` (cargo feature `camera`, on by default) grabs frames from a local camera on a
//!   background thread and reports each new code.

pub mod decode;
pub mod render;

#[cfg(feature = "camera")]
pub mod camera;

pub use decode::{decode_luma, decode_rgb, Decoded, Symbology};
pub use render::{code128_luma, ean13_luma, qr_luma, RenderError};
