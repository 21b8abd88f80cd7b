//! Sending ESC/POS bytes to a network printer's raw port (9100): resolve, connect, write,
//! close, each within a bound, and an error naming the address and what to check.

use shared::print::PrinterAddress;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long each step may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintTimeouts {
    /// Name resolution and connection.
    pub connect: Duration,
    /// Writing the job and closing the connection.
    pub write: Duration,
}

impl Default for PrintTimeouts {
    fn default() -> Self {
        PrintTimeouts { connect: Duration::from_secs(3), write: Duration::from_secs(10) }
    }
}

/// Why a job did not reach the printer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrinterError {
    /// The host name does not resolve, or no route leads to it.
    #[error("printer {address} is unreachable ({message}): check the address in settings and that this device is on the printer's network")]
    Unreachable {
        /// The printer.
        address: String,
        /// The system's words.
        message: String,
    },
    /// Something at the address refused the connection.
    #[error(
        "printer {address} refused the connection: check that it is on and that raw printing (port 9100) is enabled"
    )]
    Refused {
        /// The printer.
        address: String,
    },
    /// No answer within the bound.
    #[error("printer {address} did not answer within {seconds} s while {step}: check that it is on and connected")]
    TimedOut {
        /// The printer.
        address: String,
        /// The bound, in seconds.
        seconds: u64,
        /// `connecting` or `printing`.
        step: &'static str,
    },
    /// The connection broke while the job was being sent.
    #[error("printer {address} dropped the connection while printing ({message}): check its paper and cover, then print again")]
    ConnectionLost {
        /// The printer.
        address: String,
        /// The system's words.
        message: String,
    },
}

impl PrinterError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "printer_unreachable",
            Self::Refused { .. } => "printer_refused",
            Self::TimedOut { .. } => "printer_timed_out",
            Self::ConnectionLost { .. } => "printer_connection_lost",
        }
    }

    /// The printer's address.
    pub fn address(&self) -> &str {
        match self {
            Self::Unreachable { address, .. }
            | Self::Refused { address }
            | Self::TimedOut { address, .. }
            | Self::ConnectionLost { address, .. } => address,
        }
    }
}

/// Sends `bytes` to the printer at `address` and closes the connection (raw printing has
/// no answer: the job is done once the printer took every byte). Blocking: run it off the
/// thread that drives a window.
pub fn send(address: &PrinterAddress, bytes: &[u8], timeouts: PrintTimeouts) -> Result<(), PrinterError> {
    let shown = address.to_string();
    let timed_out = |bound: Duration, step| PrinterError::TimedOut {
        address: shown.clone(),
        seconds: bound.as_secs().max(1),
        step,
    };
    let unreachable = |message: String| PrinterError::Unreachable { address: shown.clone(), message };
    let addrs: Vec<SocketAddr> =
        (address.host.as_str(), address.port).to_socket_addrs().map_err(|e| unreachable(e.to_string()))?.collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, timeouts.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some(e)) if e.kind() == ErrorKind::ConnectionRefused => {
            return Err(PrinterError::Refused { address: shown })
        }
        (None, Some(e)) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            return Err(timed_out(timeouts.connect, "connecting"))
        }
        (None, Some(e)) => return Err(unreachable(e.to_string())),
        (None, None) => return Err(unreachable("the name resolves to no address".into())),
    };
    let lost = |e: std::io::Error| {
        if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) {
            timed_out(timeouts.write, "printing")
        } else {
            PrinterError::ConnectionLost { address: shown.clone(), message: e.to_string() }
        }
    };
    stream.set_write_timeout(Some(timeouts.write)).map_err(lost)?;
    stream.write_all(bytes).map_err(lost)?;
    stream.flush().map_err(lost)?;
    stream.shutdown(Shutdown::Write).map_err(lost)
}
