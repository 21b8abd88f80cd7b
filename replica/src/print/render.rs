//! A document rendered to ESC/POS bytes with the `escpos` crate: its protocol writes the
//! initialisation, alignment, emphasis, character size, text (GBK, in the printer's Chinese
//! mode), QR codes (GS ( k) and the cut. Two commands the crate has no call for are written
//! here from the ESC/POS reference: Code 128 (GS k 73, which the crate's barcode systems
//! lack; the waybill barcode carriers print) and FS & (Chinese character mode). Lines are
//! laid out to the paper's width counting a Chinese character as two columns, which is what
//! it takes in the printer's GBK font.

use encoding_rs::GBK;
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{Encoder, JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use shared::print::{Align, Block, Column, DocumentProblem, Paper, PaperWidth, PrintDocument};
use std::sync::{Arc, Mutex};

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The document cannot be printed as it is.
    #[error(transparent)]
    Document(#[from] DocumentProblem),
    /// The ESC/POS encoder refused something (a bug here: the document was checked).
    #[error("ESC/POS: {0}")]
    Encoder(String),
}

impl From<escpos::errors::PrinterError> for RenderError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        RenderError::Encoder(e.to_string())
    }
}

/// Collects what the printer would be sent.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Driver for Buffer {
    fn name(&self) -> String {
        "buffer".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

const GS: u8 = 0x1d;
const FS: u8 = 0x1c;

/// The width of `text` in the printer's columns: a GBK double-byte character takes two.
fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        2
    }
}

/// `text` with every character the printer's GBK font does not have replaced by `?` (the
/// yuan sign by its full-width form, which GBK has).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c == '¥' { '￥' } else { c })
        .map(|c| {
            if c.is_ascii() {
                if c.is_ascii_control() {
                    ' '
                } else {
                    c
                }
            } else {
                let mut buf = [0u8; 4];
                let (_, _, unmappable) = GBK.encode(c.encode_utf8(&mut buf));
                if unmappable {
                    '?'
                } else {
                    c
                }
            }
        })
        .collect()
}

/// Splits `text` into lines of at most `cols` columns.
fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > cols {
            lines.push(String::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}

fn pad(text: &str, cols: usize, align: Align) -> String {
    let gap = cols.saturating_sub(width(text));
    match align {
        Align::Left => format!("{text}{}", " ".repeat(gap)),
        Align::Right => format!("{}{text}", " ".repeat(gap)),
        Align::Center => format!("{}{text}{}", " ".repeat(gap / 2), " ".repeat(gap - gap / 2)),
    }
}

/// The columns' widths: shares of the line, less one space between columns.
fn column_widths(columns: &[Column], cols: usize) -> Vec<usize> {
    let free = cols.saturating_sub(columns.len().saturating_sub(1));
    let shares: usize = columns.iter().map(|c| usize::from(c.width.max(1))).sum();
    let mut widths: Vec<usize> = columns.iter().map(|c| free * usize::from(c.width.max(1)) / shares.max(1)).collect();
    let used: usize = widths.iter().sum();
    if let Some(first) = widths.first_mut() {
        *first += free - used;
    }
    widths
}

fn justify(a: Align) -> JustifyMode {
    match a {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// Code 128 module width (dots) that fits `data` (code set B) on the line, 1 to 3.
fn module_width(data: &str, dots: u32) -> u8 {
    // Start, data, check and stop symbols of 11 modules, the stop 2 more, quiet zones 20.
    let modules = 11 * (data.len() as u32 + 3) + 2 + 20;
    (1..=3).rev().find(|w| modules * u32::from(*w) <= dots).unwrap_or(1)
}

/// Renders `doc` to the ESC/POS bytes a printer with `paper` prints it from. Labels end
/// with GS FF (feed to the next label) as well as the cut a receipt printer needs.
pub fn render(doc: &PrintDocument, paper: PaperWidth) -> Result<Vec<u8>, RenderError> {
    doc.check()?;
    let cols = paper.columns();
    let buffer = Buffer::default();
    let protocol = Protocol::new(Encoder::new(GBK));
    let mut p = Printer::new(buffer.clone(), protocol, None);
    p.init()?.custom(&[FS, b'&'])?;
    let line = |p: &mut Printer<Buffer>, text: &str| -> Result<(), RenderError> {
        p.writeln(&printable(text))?;
        Ok(())
    };
    for block in &doc.blocks {
        match block {
            Block::Heading { text } => {
                p.justify(JustifyMode::CENTER)?.bold(true)?.size(2, 2)?;
                for l in wrap(text, cols / 2) {
                    line(&mut p, &l)?;
                }
                p.reset_size()?.bold(false)?.justify(JustifyMode::LEFT)?;
            }
            Block::Text { text, size, bold, align } => {
                let scale = size.scale();
                p.justify(justify(*align))?.bold(*bold)?.size(scale, scale)?;
                for l in wrap(text, cols / usize::from(scale)) {
                    line(&mut p, &l)?;
                }
                p.reset_size()?.bold(false)?.justify(JustifyMode::LEFT)?;
            }
            Block::Row { key, value, bold } => {
                p.bold(*bold)?;
                if width(key) + 1 + width(value) <= cols {
                    line(&mut p, &format!("{key}{}", pad(value, cols - width(key), Align::Right)))?;
                } else {
                    for l in wrap(key, cols) {
                        line(&mut p, &l)?;
                    }
                    for l in wrap(value, cols) {
                        line(&mut p, &pad(&l, cols, Align::Right))?;
                    }
                }
                p.bold(false)?;
            }
            Block::Table { columns, rows } => {
                let widths = column_widths(columns, cols);
                let row_lines = |cells: Vec<&str>| -> Vec<String> {
                    let wrapped: Vec<Vec<String>> =
                        cells.iter().zip(&widths).map(|(c, w)| wrap(&printable(c), *w)).collect();
                    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
                    (0..height)
                        .map(|i| {
                            wrapped
                                .iter()
                                .zip(&widths)
                                .zip(columns)
                                .map(|((cell, w), col)| pad(cell.get(i).map_or("", String::as_str), *w, col.align))
                                .collect::<Vec<_>>()
                                .join(" ")
                                .trim_end()
                                .to_string()
                        })
                        .collect()
                };
                p.bold(true)?;
                for l in row_lines(columns.iter().map(|c| c.title.as_str()).collect()) {
                    line(&mut p, &l)?;
                }
                p.bold(false)?;
                for r in rows {
                    for l in row_lines(r.iter().map(String::as_str).collect()) {
                        line(&mut p, &l)?;
                    }
                }
            }
            Block::Barcode { data } => {
                let n = u8::try_from(data.len() + 2).map_err(|_| RenderError::Encoder("barcode too long".into()))?;
                let mut cmd = vec![GS, b'h', 80, GS, b'w', module_width(data, paper.dots()), GS, b'H', 2];
                cmd.extend([GS, b'k', 73, n, b'{', b'B']);
                cmd.extend(data.as_bytes());
                p.justify(JustifyMode::CENTER)?.custom(&cmd)?.feed()?.justify(JustifyMode::LEFT)?;
            }
            Block::Qr { data } => {
                let size = if paper == PaperWidth::Mm58 { 4 } else { 6 };
                p.justify(JustifyMode::CENTER)?
                    .qrcode_option(data, QRCodeOption::new(QRCodeModel::Model2, size, QRCodeCorrectionLevel::M))?
                    .justify(JustifyMode::LEFT)?;
            }
            Block::Rule => line(&mut p, &"-".repeat(cols))?,
            Block::Cut => {
                p.feeds(3)?;
                if doc.paper() == Paper::Label100x150 {
                    p.custom(&[GS, 0x0c])?;
                }
                p.cut()?;
            }
        }
    }
    p.print()?;
    let bytes = buffer.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::print::{DocumentKind, TextSize};

    #[test]
    fn lines_are_laid_out_counting_chinese_characters_twice() {
        assert_eq!(width("收 张* 138"), 10);
        assert_eq!(wrap("羊毛大衣驼色", 5), vec!["羊毛", "大衣", "驼色"]);
        assert_eq!(pad("ab", 5, Align::Right), "   ab");
        assert_eq!(printable("大衣😀\t¥1"), "大衣? ￥1");
        let cols = vec![
            Column { title: "a".into(), width: 5, align: Align::Left },
            Column { title: "b".into(), width: 1, align: Align::Right },
        ];
        let w = column_widths(&cols, 48);
        assert_eq!(w.iter().sum::<usize>() + 1, 48);
        assert_eq!(module_width("SF1234567890123", 576), 2);
        assert_eq!(module_width("SF1234567890123", 384), 1);
    }

    #[test]
    fn a_document_that_cannot_be_printed_renders_nothing() {
        let doc = PrintDocument {
            kind: DocumentKind::PackingSlip,
            title: "t".into(),
            blocks: vec![Block::Barcode { data: "运单".into() }],
        };
        assert!(matches!(render(&doc, PaperWidth::Mm80), Err(RenderError::Document(DocumentProblem::Barcode { .. }))));
        let ok = PrintDocument {
            kind: DocumentKind::PackingSlip,
            title: "t".into(),
            blocks: vec![Block::Text {
                text: "大衣".into(), size: TextSize::Normal, bold: false, align: Align::Left
            }],
        };
        let bytes = render(&ok, PaperWidth::Mm58).unwrap();
        assert_eq!(&bytes[..4], &[0x1b, b'@', FS, b'&'], "init, then Chinese mode");
        let gbk = GBK.encode("大衣").0.into_owned();
        assert!(bytes.windows(gbk.len()).any(|w| w == gbk.as_slice()), "the text in GBK");
    }
}
