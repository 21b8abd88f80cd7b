//! Printing on a network thermal printer: a [`shared::print::PrintDocument`] (the same one
//! the app's print page shows) rendered to ESC/POS for the paper the store set (80 or 58 mm
//! receipts, 100 mm labels), and sent over raw TCP (port 9100) with bounded connect and
//! write times and errors that say what to check. The system print dialog path is the UI's;
//! this is the one for printers the dialog does not reach.

mod network;
mod render;

pub use network::{send, PrintTimeouts, PrinterError};
pub use render::{render, RenderError};
