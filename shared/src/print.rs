//! What the store prints: one document model ([`PrintDocument`], a list of [`Block`]s: headings,
//! text with size, weight and alignment, key–value rows, item tables, Code 128 barcodes, QR
//! codes, rules and cuts), the papers it prints on, and the network printer's address. Pure
//! and shared so that every printer path shows the same thing: the app's print page renders
//! a document to HTML for the system print dialog, the device engine renders the very same
//! document to ESC/POS for a network thermal printer. The four documents a store prints are
//! built from the app's views in [`crate::app::print`].

use crate::order::Channel;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The paper a document is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// A 100×150 mm thermal label (shipping labels).
    Label100x150,
    /// A receipt roll (80 or 58 mm wide, as long as it needs).
    Receipt,
}

/// Which document it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// One parcel's shipping label.
    ShippingLabel,
    /// What is in the parcels of a fulfillment order.
    PackingSlip,
    /// Given to the customer who picked an order up.
    PickupReceipt,
    /// Given to the customer who returned goods.
    ReturnReceipt,
}

impl DocumentKind {
    /// Name used in JSON and CSS.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShippingLabel => "shipping_label",
            Self::PackingSlip => "packing_slip",
            Self::PickupReceipt => "pickup_receipt",
            Self::ReturnReceipt => "return_receipt",
        }
    }

    /// The paper it is printed on.
    pub fn paper(self) -> Paper {
        match self {
            Self::ShippingLabel => Paper::Label100x150,
            _ => Paper::Receipt,
        }
    }
}

/// Horizontal alignment of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Right.
    Right,
}

/// Text size, as a multiple of the printer's normal character size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    /// Normal.
    #[default]
    Normal,
    /// Twice as wide and high.
    Large,
    /// Three times as wide and high (the label's routing code).
    Huge,
}

impl TextSize {
    /// The multiple of the normal size.
    pub fn scale(self) -> u8 {
        match self {
            Self::Normal => 1,
            Self::Large => 2,
            Self::Huge => 3,
        }
    }
}

/// One column of an item table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Heading.
    pub title: String,
    /// Share of the width (relative to the other columns).
    pub width: u8,
    /// Alignment of its cells.
    pub align: Align,
}

/// One block of a document, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum Block {
    /// A heading: centred, bold, large.
    Heading {
        /// Text.
        text: String,
    },
    /// A paragraph.
    Text {
        /// Text.
        text: String,
        /// Size.
        size: TextSize,
        /// Bold.
        bold: bool,
        /// Alignment.
        align: Align,
    },
    /// A key–value row (the key left, the value right).
    Row {
        /// What.
        key: String,
        /// Its value.
        value: String,
        /// Bold (a total).
        bold: bool,
    },
    /// A table of items.
    Table {
        /// Columns.
        columns: Vec<Column>,
        /// Rows, one cell per column.
        rows: Vec<Vec<String>>,
    },
    /// A Code 128 barcode (printable ASCII), with its text below.
    Barcode {
        /// What it encodes.
        data: String,
    },
    /// A QR code.
    Qr {
        /// What it encodes.
        data: String,
    },
    /// A horizontal rule.
    Rule,
    /// Cut the paper here (the end of a label or receipt).
    Cut,
}

/// A document to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintDocument {
    /// Which document.
    pub kind: DocumentKind,
    /// Its title (the print page's and the print job's name).
    pub title: String,
    /// Its blocks, top to bottom.
    pub blocks: Vec<Block>,
}

/// The most blocks a document may have.
pub const MAX_BLOCKS: usize = 400;
/// The longest text of one block or cell (characters).
pub const MAX_TEXT: usize = 1_000;
/// The longest Code 128 content (characters; a waybill number is 12 to 15).
pub const MAX_BARCODE: usize = 40;
/// The longest QR content (bytes).
pub const MAX_QR: usize = 700;

/// Why a document cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentProblem {
    /// Nothing to print.
    #[error("the document is empty")]
    Empty,
    /// More than [`MAX_BLOCKS`] blocks.
    #[error("the document has {0} blocks; at most {MAX_BLOCKS} can be printed")]
    TooLong(usize),
    /// A text longer than [`MAX_TEXT`].
    #[error("block {block} has a text of {chars} characters; at most {MAX_TEXT}")]
    TextTooLong {
        /// 0-based block.
        block: usize,
        /// Its length.
        chars: usize,
    },
    /// A barcode that Code 128 (set B) cannot encode: empty, too long, or not printable
    /// ASCII.
    #[error("block {block}: {data:?} cannot be printed as a Code 128 barcode (1 to {MAX_BARCODE} printable ASCII characters)")]
    Barcode {
        /// 0-based block.
        block: usize,
        /// Its content.
        data: String,
    },
    /// A QR code that is empty or longer than [`MAX_QR`].
    #[error("block {block}: a QR code holds 1 to {MAX_QR} bytes, this one {bytes}")]
    Qr {
        /// 0-based block.
        block: usize,
        /// Its length.
        bytes: usize,
    },
    /// A table row whose cells do not match the columns.
    #[error("block {block}: a row has {cells} cells for {columns} columns")]
    Table {
        /// 0-based block.
        block: usize,
        /// Cells in the row.
        cells: usize,
        /// Columns.
        columns: usize,
    },
}

/// Whether Code 128 set B can encode `data`.
pub fn is_code128(data: &str) -> bool {
    (1..=MAX_BARCODE).contains(&data.len()) && data.bytes().all(|b| (0x20..0x7f).contains(&b))
}

impl PrintDocument {
    /// Checks that every block can be printed (a document from outside, e.g. the UI, before
    /// it is sent to a printer).
    pub fn check(&self) -> Result<(), DocumentProblem> {
        if self.blocks.is_empty() {
            return Err(DocumentProblem::Empty);
        }
        if self.blocks.len() > MAX_BLOCKS {
            return Err(DocumentProblem::TooLong(self.blocks.len()));
        }
        let text = |block: usize, t: &str| {
            let chars = t.chars().count();
            if chars > MAX_TEXT {
                Err(DocumentProblem::TextTooLong { block, chars })
            } else {
                Ok(())
            }
        };
        for (i, b) in self.blocks.iter().enumerate() {
            match b {
                Block::Heading { text: t } | Block::Text { text: t, .. } => text(i, t)?,
                Block::Row { key, value, .. } => {
                    text(i, key)?;
                    text(i, value)?;
                }
                Block::Table { columns, rows } => {
                    for c in columns {
                        text(i, &c.title)?;
                    }
                    for r in rows {
                        if r.len() != columns.len() {
                            return Err(DocumentProblem::Table { block: i, cells: r.len(), columns: columns.len() });
                        }
                        for cell in r {
                            text(i, cell)?;
                        }
                    }
                }
                Block::Barcode { data } if !is_code128(data) => {
                    return Err(DocumentProblem::Barcode { block: i, data: data.chars().take(60).collect() })
                }
                Block::Qr { data } if data.is_empty() || data.len() > MAX_QR => {
                    return Err(DocumentProblem::Qr { block: i, bytes: data.len() })
                }
                Block::Barcode { .. } | Block::Qr { .. } | Block::Rule | Block::Cut => {}
            }
        }
        Ok(())
    }

    /// The paper it is printed on.
    pub fn paper(&self) -> Paper {
        self.kind.paper()
    }
}

/// The width of the thermal printer's paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PaperWidth {
    /// 58 mm receipt roll (384 dots, 32 characters a line).
    #[serde(rename = "58mm")]
    Mm58,
    /// 80 mm receipt roll (576 dots, 48 characters a line).
    #[default]
    #[serde(rename = "80mm")]
    Mm80,
    /// 100 mm labels on a label-capable printer (800 dots, 64 characters a line).
    #[serde(rename = "100mm")]
    Mm100,
}

impl PaperWidth {
    /// Every width, for the settings screen.
    pub const ALL: [PaperWidth; 3] = [PaperWidth::Mm58, PaperWidth::Mm80, PaperWidth::Mm100];

    /// Name used in settings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mm58 => "58mm",
            Self::Mm80 => "80mm",
            Self::Mm100 => "100mm",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// Characters of the normal font (12 dots wide) a line holds; a Chinese character takes two.
    pub fn columns(self) -> usize {
        match self {
            Self::Mm58 => 32,
            Self::Mm80 => 48,
            Self::Mm100 => 64,
        }
    }

    /// Printable dots a line holds (203 dpi).
    pub fn dots(self) -> u32 {
        match self {
            Self::Mm58 => 384,
            Self::Mm80 => 576,
            Self::Mm100 => 800,
        }
    }
}

/// The raw-printing port of network printers (JetDirect / AppSocket).
pub const DEFAULT_PRINTER_PORT: u16 = 9100;

/// A network printer's address: a host (name, IPv4, or IPv6 in brackets) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrinterAddress {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl std::fmt::Display for PrinterAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A printer address that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a printer address: enter host:port, e.g. 192.168.1.50:9100 (the port defaults to 9100)")]
pub struct PrinterAddressInvalid(pub String);

impl PrinterAddress {
    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; the port defaults to
    /// [`DEFAULT_PRINTER_PORT`].
    pub fn parse(text: &str) -> Result<PrinterAddress, PrinterAddressInvalid> {
        let t = text.trim();
        let bad = || PrinterAddressInvalid(t.to_string());
        let (host, port) = if let Some(rest) = t.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (h, None),
                _ => (h, Some(after.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else {
            match t.split_once(':') {
                Some((h, p)) if !p.contains(':') => (h, Some(p)),
                Some(_) => return Err(bad()),
                None => (t, None),
            }
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        if !host_ok || (host.contains(':') && !t.starts_with('[')) {
            return Err(bad());
        }
        let port = match port {
            None => DEFAULT_PRINTER_PORT,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?,
        };
        Ok(PrinterAddress { host: host.to_string(), port })
    }
}

/// Why a job did not print (`reason` of the app's `printer` error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterReason {
    /// No printer address is set: set it in settings.
    PrinterNotConfigured,
    /// The host does not resolve or cannot be reached.
    PrinterUnreachable,
    /// The printer refused the connection.
    PrinterRefused,
    /// No answer in time.
    PrinterTimedOut,
    /// The connection broke while printing.
    PrinterConnectionLost,
    /// The document cannot be printed as it is.
    Unprintable,
}

/// What the app's print page prints: the page loads the data and builds the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "print", rename_all = "snake_case")]
pub enum PrintTarget {
    /// The shipping label of one parcel of a fulfillment order's courier booking.
    Label {
        /// The fulfillment order.
        fulfillment_order_id: Uuid,
        /// The parcel (1-based).
        parcel_no: u32,
    },
    /// A fulfillment order's packing slip.
    PackingSlip {
        /// The fulfillment order.
        fulfillment_order_id: Uuid,
    },
    /// The receipt of a pickup hand-over, with the data the hand-over had.
    PickupReceipt(PickupReceiptData),
    /// The receipt of a return made on this device.
    ReturnReceipt {
        /// The return.
        return_id: Uuid,
    },
}

/// What the pickup receipt shows: the data the hand-over screen has when the order was
/// handed over (the order may leave the device at the next sync, the receipt must not
/// need it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupReceiptData {
    /// The fulfillment order handed over.
    pub fulfillment_order_id: Uuid,
    /// Its channel.
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
    /// The customer's name (printed masked).
    pub customer_name: String,
    /// The last four digits of the customer's phone.
    pub customer_phone_tail: String,
    /// What was handed over: the item's name and units.
    pub items: Vec<(String, i64)>,
    /// When (ms since the epoch, UTC).
    pub handed_over_ms: i64,
}

/// The language of the printed words (the carrier's label is always Chinese).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PrintLang {
    /// 简体中文.
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl PrintLang {
    /// From the app's language tag (`zh-CN`, `en`); Chinese for anything else.
    pub fn from_tag(tag: &str) -> Self {
        if tag.starts_with("en") {
            Self::En
        } else {
            Self::Zh
        }
    }
}

/// Grams as the label prints them: `1.25 kg`.
pub fn weight_text(grams: u32) -> String {
    let kg = grams / 1000;
    let rest = grams % 1000;
    if rest == 0 {
        format!("{kg} kg")
    } else {
        let frac = format!("{rest:03}");
        format!("{kg}.{} kg", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_addresses_default_to_port_9100() {
        let p = |t: &str| PrinterAddress::parse(t);
        assert_eq!(p(" 192.168.1.50 ").unwrap(), PrinterAddress { host: "192.168.1.50".into(), port: 9100 });
        assert_eq!(p("printer.local:9101").unwrap().port, 9101);
        assert_eq!(p("[fe80::1]:9100").unwrap().host, "fe80::1");
        assert_eq!(p("[fe80::1]").unwrap().to_string(), "[fe80::1]:9100");
        for bad in ["", ":9100", "host:0", "host:99999", "host:abc", "fe80::1", "a b", "[::1", "host:9100:1"] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert_eq!(PaperWidth::parse("58mm"), Some(PaperWidth::Mm58));
        assert_eq!(serde_json::to_value(PaperWidth::Mm100).unwrap(), "100mm");
        assert_eq!(PaperWidth::default().columns(), 48);
    }

    #[test]
    fn weights_print_in_kilograms() {
        assert_eq!(weight_text(1000), "1 kg");
        assert_eq!(weight_text(1250), "1.25 kg");
        assert_eq!(weight_text(50), "0.05 kg");
    }
}
