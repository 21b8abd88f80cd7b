//! Live scanning from a local camera (cargo feature `camera`).
//!
//! Tablets and back-office PCs have a webcam but no scanner gun. [`CameraScanner`] opens the
//! camera on its own thread (camera handles are not `Send` on every platform), grabs frames,
//! decodes them with [`crate::decode`] and hands each new code to a callback, so the UI never
//! blocks on the camera. Errors are worded for the associate at the counter, who can always
//! fall back to typing the code.

mod frame;

use crate::decode::{decode_luma, Decoded};
use frame::{shrink_for_decode, to_luma, LumaFrame, RepeatFilter};
use nokhwa::utils::{ApiBackend, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};
use nokhwa::{Camera, NokhwaError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The same code seen again within this time of its last sighting is not reported again.
pub const REPEAT_WINDOW: Duration = Duration::from_secs(2);
/// How long [`CameraScanner::stop`] waits for the capture thread before leaving it to finish
/// on its own (a stalled camera driver can block a frame read indefinitely).
const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// Consecutive failed frame reads after which the camera is considered gone.
const MAX_FRAME_ERRORS: u32 = 50;
/// Pixel formats the frame converter understands.
const FORMATS: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];

/// A camera the scanner can use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CameraInfo {
    /// What to pass to [`CameraScanner::start`].
    pub index: u32,
    /// Name to show in the camera picker, e.g. "Integrated Webcam".
    pub name: String,
}

/// Why the camera cannot be used. Messages are shown to the associate as-is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    /// No camera is connected.
    #[error("no camera was found; connect one or type the code")]
    NoCamera,
    /// The chosen camera is not (or no longer) connected.
    #[error("camera {index} is not connected; choose another camera or type the code")]
    NotFound {
        /// The index that was asked for.
        index: u32,
    },
    /// Another app or another scanner holds the camera.
    #[error("the camera is being used by another app; close that app and try again")]
    Busy,
    /// The operating system denied camera access.
    #[error("the app is not allowed to use the camera; allow camera access in the system settings and try again")]
    PermissionDenied,
    /// This build has no camera support for the platform.
    #[error("camera scanning is not available on this device; type the code instead")]
    Unsupported,
    /// Anything else; `message` is the driver's explanation.
    #[error("the camera stopped working ({message}); reconnect it or type the code")]
    Failed {
        /// The underlying error.
        message: String,
    },
}

impl From<NokhwaError> for CameraError {
    fn from(e: NokhwaError) -> CameraError {
        match e {
            NokhwaError::UnsupportedOperationError(_) | NokhwaError::NotImplementedError(_) => CameraError::Unsupported,
            other => {
                let message = other.to_string();
                let lower = message.to_lowercase();
                if lower.contains("busy") || lower.contains("os error 16") {
                    CameraError::Busy
                } else if lower.contains("permission") || lower.contains("os error 13") || lower.contains("denied") {
                    CameraError::PermissionDenied
                } else {
                    CameraError::Failed { message }
                }
            }
        }
    }
}

/// Lists the connected cameras. An empty list means none is connected.
pub fn cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let found = nokhwa::query(ApiBackend::Auto)?;
    Ok(found
        .into_iter()
        .filter_map(|c| match c.index() {
            CameraIndex::Index(index) => Some(CameraInfo { index: *index, name: c.human_name() }),
            CameraIndex::String(_) => None,
        })
        .collect())
}

/// A running camera scan. Stops when [`CameraScanner::stop`] is called or it is dropped.
#[derive(Debug)]
pub struct CameraScanner {
    stop: Arc<AtomicBool>,
    error: Arc<Mutex<Option<CameraError>>>,
    thread: Option<JoinHandle<()>>,
    finished: Option<mpsc::Receiver<()>>,
}

impl CameraScanner {
    /// Opens camera `index` (from [`cameras`]) and scans until stopped, calling `on_scan` on the
    /// capture thread for each code that was not already seen within [`REPEAT_WINDOW`].
    /// Returns once the camera is streaming, or with the reason it could not be opened.
    pub fn start(index: u32, on_scan: impl Fn(Decoded) + Send + 'static) -> Result<CameraScanner, CameraError> {
        if !nokhwa::nokhwa_check() {
            // macOS: ask for permission now; the associate retries once it is granted.
            nokhwa::nokhwa_initialize(|_| {});
            return Err(CameraError::PermissionDenied);
        }
        let available = cameras()?;
        if available.is_empty() {
            return Err(CameraError::NoCamera);
        }
        if !available.iter().any(|c| c.index == index) {
            return Err(CameraError::NotFound { index });
        }
        CameraScanner::spawn(format!("camera-scan-{index}"), move || open(index), on_scan)
    }

    /// Runs the capture thread over the frame source `open` makes (on that thread, since
    /// camera handles are not `Send` everywhere) and waits until it is open.
    fn spawn<S: FrameSource>(
        name: String,
        open: impl FnOnce() -> Result<S, CameraError> + Send + 'static,
        on_scan: impl Fn(Decoded) + Send + 'static,
    ) -> Result<CameraScanner, CameraError> {
        let stop = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let (opened_tx, opened_rx) = mpsc::sync_channel(1);
        let (finished_tx, finished_rx) = mpsc::sync_channel(1);
        let (stop2, error2) = (Arc::clone(&stop), Arc::clone(&error));
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                match open() {
                    Ok(source) => {
                        let _ = opened_tx.send(Ok(()));
                        if let Err(e) = scan_loop(source, &stop2, &on_scan) {
                            *error2.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        }
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                    }
                }
                let _ = finished_tx.send(());
            })
            .map_err(|e| CameraError::Failed { message: format!("cannot start the capture thread: {e}") })?;
        let opened =
            opened_rx.recv().unwrap_or_else(|_| Err(CameraError::Failed { message: "capture thread ended".into() }));
        let mut scanner = CameraScanner { stop, error, thread: Some(thread), finished: Some(finished_rx) };
        match opened {
            Ok(()) => Ok(scanner),
            Err(e) => {
                scanner.stop();
                Err(e)
            }
        }
    }

    /// True while the capture thread is running (false after [`CameraScanner::stop`] or a
    /// camera failure; see [`CameraScanner::error`]).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// The failure that ended scanning early (camera unplugged, driver error), if any.
    pub fn error(&self) -> Option<CameraError> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops scanning and releases the camera. Waits for the capture thread to finish, up to a
    /// few seconds if the driver is stuck; after `stop` returns `on_scan` is not called again.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(thread) = self.thread.take() else { return };
        let finished = self.finished.take().map(|rx| rx.recv_timeout(STOP_TIMEOUT));
        if !matches!(finished, Some(Err(mpsc::RecvTimeoutError::Timeout))) {
            let _ = thread.join();
        }
        // On timeout the thread is detached: it checks the stop flag before every callback
        // and releases the camera when its blocked read returns.
    }
}

impl Drop for CameraScanner {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the capture thread gets frames: the camera, or synthetic frames in tests.
trait FrameSource {
    /// Waits for the next frame. `Ok(None)` is a frame to skip (e.g. a corrupt MJPEG frame).
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, CameraError>;
    /// Releases the device.
    fn close(&mut self);
}

impl FrameSource for Camera {
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, CameraError> {
        let buffer = self.frame()?;
        let res = buffer.resolution();
        Ok(to_luma(buffer.source_frame_format(), res.width(), res.height(), buffer.buffer()).ok())
    }

    fn close(&mut self) {
        let _ = self.stop_stream();
    }
}

/// Opens and starts streaming camera `index` at its highest frame rate in a format we decode.
fn open(index: u32) -> Result<Camera, CameraError> {
    let request = RequestedFormat::with_formats(RequestedFormatType::AbsoluteHighestFrameRate, &FORMATS);
    let mut camera = Camera::new(CameraIndex::Index(index), request)?;
    camera.open_stream()?;
    Ok(camera)
}

/// Grabs, decodes and reports frames until `stop` is set. Returns an error if the source
/// fails [`MAX_FRAME_ERRORS`] times in a row (camera unplugged).
fn scan_loop(mut source: impl FrameSource, stop: &AtomicBool, on_scan: &dyn Fn(Decoded)) -> Result<(), CameraError> {
    let mut repeats = RepeatFilter::new(REPEAT_WINDOW);
    let mut errors = 0;
    let result = loop {
        if stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        let frame = match source.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => continue,
            Err(e) => {
                errors += 1;
                if errors >= MAX_FRAME_ERRORS {
                    break Err(e);
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        errors = 0;
        let luma = shrink_for_decode(frame);
        let now = Instant::now();
        for code in decode_luma(luma.width, luma.height, &luma.pixels) {
            if repeats.accept(&code, now) && !stop.load(Ordering::SeqCst) {
                on_scan(code);
            }
        }
    };
    source.close();
    result
}

#[cfg(test)]
mod tests;
