//! A fake network thermal printer for tests of printing: it listens on a loopback port like
//! a printer's raw port 9100, keeps every job it receives (one connection, one job), and
//! decodes the ESC/POS stream into a readable transcript — initialisation, character mode,
//! alignment, emphasis, size, text (GBK), Code 128 and other barcodes (GS k), QR codes
//! (GS ( k), feeds, cuts (GS V) and label feeds (GS FF) — that tests assert on. A byte
//! sequence it does not know is written as `unknown …`, so a test sees it too.

use encoding_rs::GBK;
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A printer on `127.0.0.1:<port>` that records what it is sent.
pub struct FakePrinter {
    addr: SocketAddr,
    jobs: Arc<(Mutex<Vec<Vec<u8>>>, Condvar)>,
}

impl FakePrinter {
    /// Starts listening on a free loopback port; it serves until the test process ends.
    pub fn start() -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let jobs: Arc<(Mutex<Vec<Vec<u8>>>, Condvar)> = Arc::default();
        let shared = jobs.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let mut job = Vec::new();
                    let _ = conn.read_to_end(&mut job);
                    let (lock, ready) = &*shared;
                    lock.lock().unwrap_or_else(|e| e.into_inner()).push(job);
                    ready.notify_all();
                });
            }
        });
        FakePrinter { addr, jobs }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first `n` jobs, waiting (at most ten seconds) for them to have arrived in full.
    pub fn jobs(&self, n: usize) -> Vec<Vec<u8>> {
        let (lock, ready) = &*self.jobs;
        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = ready
            .wait_timeout_while(guard, Duration::from_secs(10), |jobs| jobs.len() < n)
            .unwrap_or_else(|e| e.into_inner());
        assert!(guard.len() >= n, "the printer received {} jobs, expected {n}", guard.len());
        guard[..n].to_vec()
    }

    /// The transcript of job `i` (0-based), waiting for it.
    pub fn transcript(&self, i: usize) -> Vec<String> {
        decode(&self.jobs(i + 1)[i])
    }
}

#[derive(Default)]
struct Style {
    align: &'static str,
    bold: bool,
    size: (u8, u8),
    barcode_height: u8,
    barcode_width: u8,
    qr_size: u8,
}

impl Style {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.align.is_empty() && self.align != "left" {
            parts.push(self.align.to_string());
        }
        if self.bold {
            parts.push("bold".into());
        }
        if self.size != (1, 1) {
            parts.push(format!("{}x{}", self.size.0, self.size.1));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("[{}] ", parts.join(" "))
        }
    }
}

/// Decodes an ESC/POS stream into one line per command or printed line of text, e.g.
/// `init`, `chinese on`, `text [center bold 3x3] 755WF-021`, `barcode code128 [center]
/// SF1234567890`, `qr [center] OMNI-ORDER|…`, `feed 3`, `cut`, `next label`.
pub fn decode(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut style = Style { size: (1, 1), ..Style::default() };
    let mut text: Vec<u8> = Vec::new();
    let flush = |text: &mut Vec<u8>, style: &Style, out: &mut Vec<String>| {
        if !text.is_empty() {
            let (s, _, _) = GBK.decode(text);
            out.push(format!("text {}{}", style.describe(), s.trim_end()));
            text.clear();
        }
    };
    let at = |i: usize| bytes.get(i).copied();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match (b, at(i + 1)) {
            (0x0a, _) => {
                if text.is_empty() {
                    out.push("text".into());
                }
                flush(&mut text, &style, &mut out);
                i += 1;
            }
            (0x1b, Some(b'@')) => {
                flush(&mut text, &style, &mut out);
                style = Style { size: (1, 1), ..Style::default() };
                out.push("init".into());
                i += 2;
            }
            (0x1b, Some(b'a')) => {
                style.align = match at(i + 2) {
                    Some(0 | b'0') => "left",
                    Some(1 | b'1') => "center",
                    _ => "right",
                };
                i += 3;
            }
            (0x1b, Some(b'E')) => {
                style.bold = at(i + 2).is_some_and(|n| n & 1 == 1);
                i += 3;
            }
            (0x1b, Some(b'd')) => {
                let n = at(i + 2).unwrap_or(0);
                if text.is_empty() {
                    out.push(format!("feed {n}"));
                } else {
                    flush(&mut text, &style, &mut out);
                    if n > 1 {
                        out.push(format!("feed {}", n - 1));
                    }
                }
                i += 3;
            }
            (0x1c, Some(b'&')) => {
                out.push("chinese on".into());
                i += 2;
            }
            (0x1c, Some(b'.')) => {
                out.push("chinese off".into());
                i += 2;
            }
            (0x1d, Some(b'!')) => {
                let n = at(i + 2).unwrap_or(0);
                style.size = ((n >> 4) + 1, (n & 0x0f) + 1);
                i += 3;
            }
            (0x1d, Some(b'h')) => {
                style.barcode_height = at(i + 2).unwrap_or(0);
                i += 3;
            }
            (0x1d, Some(b'w')) => {
                style.barcode_width = at(i + 2).unwrap_or(0);
                i += 3;
            }
            (0x1d, Some(b'H')) => i += 3,
            (0x1d, Some(b'k')) => {
                flush(&mut text, &style, &mut out);
                let m = at(i + 2).unwrap_or(0);
                let (data, next) = if m <= 6 {
                    let start = i + 3;
                    let end = bytes[start..].iter().position(|&c| c == 0).map_or(bytes.len(), |p| start + p);
                    (&bytes[start..end], end + 1)
                } else {
                    let n = usize::from(at(i + 3).unwrap_or(0));
                    let start = (i + 4).min(bytes.len());
                    let end = (start + n).min(bytes.len());
                    (&bytes[start..end], end)
                };
                let name = match m {
                    73 => "code128",
                    2 | 67 => "ean13",
                    4 | 69 => "code39",
                    _ => "barcode",
                };
                let shown = String::from_utf8_lossy(data);
                let shown = if m == 73 { shown.strip_prefix("{B").unwrap_or(&shown).to_string() } else { shown.into() };
                let align = if style.align.is_empty() { "left" } else { style.align };
                out.push(format!(
                    "barcode {name} [{align} w{} h{}] {shown}",
                    style.barcode_width, style.barcode_height
                ));
                i = next;
            }
            (0x1d, Some(b'(')) if at(i + 2) == Some(b'k') => {
                let len = usize::from(at(i + 3).unwrap_or(0)) | (usize::from(at(i + 4).unwrap_or(0)) << 8);
                let body_start = (i + 5).min(bytes.len());
                let body = &bytes[body_start..(body_start + len).min(bytes.len())];
                match (body.first(), body.get(1)) {
                    (Some(49), Some(67)) => style.qr_size = body.get(2).copied().unwrap_or(0),
                    (Some(49), Some(80)) => {
                        flush(&mut text, &style, &mut out);
                        let align = if style.align.is_empty() { "left" } else { style.align };
                        let data = String::from_utf8_lossy(body.get(3..).unwrap_or_default());
                        out.push(format!("qr [{align} size{}] {data}", style.qr_size));
                    }
                    (Some(49), Some(65 | 69 | 81)) => {}
                    _ => out.push(format!("unknown GS ( k {body:02x?}")),
                }
                i = body_start + len;
            }
            (0x1d, Some(b'V')) => {
                flush(&mut text, &style, &mut out);
                let m = at(i + 2).unwrap_or(0);
                let partial = matches!(m, 1 | 49 | 66);
                out.push(if partial { "partial cut".into() } else { "cut".into() });
                i += if m >= 65 { 4 } else { 3 };
            }
            (0x1d, Some(0x0c)) => {
                flush(&mut text, &style, &mut out);
                out.push("next label".into());
                i += 2;
            }
            (0x1b..=0x1d, next) => {
                flush(&mut text, &style, &mut out);
                out.push(format!("unknown {b:02x} {:02x}", next.unwrap_or(0)));
                i += 2;
            }
            _ => {
                text.push(b);
                i += 1;
            }
        }
    }
    flush(&mut text, &style, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_reads_styles_text_codes_and_cuts() {
        let mut job = vec![0x1b, b'@', 0x1c, b'&', 0x1b, b'a', 1, 0x1b, b'E', 1, 0x1d, b'!', 0x22];
        job.extend(GBK.encode("收件").0.iter());
        job.extend([0x1b, b'd', 1, 0x1d, b'!', 0, 0x1b, b'E', 0, 0x1d, b'h', 80, 0x1d, b'w', 2]);
        job.extend([0x1d, b'k', 73, 5, b'{', b'B', b'S', b'F', b'1']);
        job.extend([0x1d, b'(', b'k', 3, 0, 49, 67, 6, 0x1d, b'(', b'k', 5, 0, 49, 80, 48, b'h', b'i']);
        job.extend([b'a', b'b', 0x0a, 0x1b, b'd', 3, 0x1d, b'V', b'A', 0, 0x1d, 0x0c, 0x1b, b'Z']);
        assert_eq!(
            decode(&job),
            vec![
                "init",
                "chinese on",
                "text [center bold 3x3] 收件",
                "barcode code128 [center w2 h80] SF1",
                "qr [center size6] hi",
                "text [center] ab",
                "feed 3",
                "cut",
                "next label",
                "unknown 1b 5a",
            ]
        );
    }
}
