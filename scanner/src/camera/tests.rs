//! Capture-thread tests with a fake frame source, and the no-camera behaviour.

use super::*;
use crate::decode::Symbology;
use crate::render::{ean13_luma, qr_luma};
use std::collections::VecDeque;

/// Plays back a list of frames, then idles; records whether it was closed.
struct FakeCamera {
    frames: VecDeque<Result<Option<LumaFrame>, CameraError>>,
    forever: Option<CameraError>,
    closed: Arc<AtomicBool>,
}

impl FrameSource for FakeCamera {
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, CameraError> {
        std::thread::sleep(Duration::from_millis(2));
        match (self.frames.pop_front(), &self.forever) {
            (Some(frame), _) => frame,
            (None, Some(e)) => Err(e.clone()),
            (None, None) => Ok(None),
        }
    }

    fn close(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

fn frame((width, height, pixels): (u32, u32, Vec<u8>)) -> Result<Option<LumaFrame>, CameraError> {
    Ok(Some(LumaFrame { width, height, pixels }))
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn each_code_is_reported_once_and_stop_releases_the_camera() {
    let qr = qr_luma("PK1:00000000-0000-0000-0000-000000000003:11223344", 3).unwrap();
    let ean = ean13_luma("6901234567892", 2, 60).unwrap();
    let mut frames: VecDeque<_> = (0..4).map(|_| frame(qr.clone())).collect();
    frames.push_back(Ok(None));
    frames.push_back(Err(CameraError::Failed { message: "one dropped frame".into() }));
    frames.extend((0..3).map(|_| frame(ean.clone())));
    let closed = Arc::new(AtomicBool::new(false));
    let fake = FakeCamera { frames, forever: None, closed: Arc::clone(&closed) };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let mut scanner =
        CameraScanner::spawn("test".into(), move || Ok(fake), move |d| sink.lock().unwrap().push(d)).unwrap();
    wait_until("both codes", || seen.lock().unwrap().len() >= 2);
    std::thread::sleep(Duration::from_millis(50));
    assert!(scanner.is_running());
    scanner.stop();
    assert!(!scanner.is_running());
    assert!(closed.load(Ordering::SeqCst), "camera released");
    assert_eq!(scanner.error(), None, "a single bad frame is not a failure");
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        Decoded { symbology: Symbology::Qr, text: "PK1:00000000-0000-0000-0000-000000000003:11223344".into() }
    );
    assert_eq!(seen[1], Decoded { symbology: Symbology::Ean13, text: "6901234567892".into() });
    assert_eq!(seen.len(), 2, "codes held in view are reported once: {seen:?}");
}

#[test]
fn open_failure_is_returned_and_drop_stops() {
    let err = CameraScanner::spawn::<FakeCamera>("test".into(), || Err(CameraError::Busy), |_| {}).unwrap_err();
    assert_eq!(err, CameraError::Busy);

    let closed = Arc::new(AtomicBool::new(false));
    let fake = FakeCamera { frames: VecDeque::new(), forever: None, closed: Arc::clone(&closed) };
    let scanner = CameraScanner::spawn("test".into(), move || Ok(fake), |_| {}).unwrap();
    drop(scanner);
    assert!(closed.load(Ordering::SeqCst), "dropping the scanner releases the camera");
}

#[test]
fn an_unplugged_camera_ends_the_scan_with_its_error() {
    let gone = CameraError::Failed { message: "No such device (os error 19)".into() };
    let fake = FakeCamera { frames: VecDeque::new(), forever: Some(gone.clone()), closed: Default::default() };
    let scanner = CameraScanner::spawn("test".into(), move || Ok(fake), |_| {}).unwrap();
    wait_until("the scan to give up", || !scanner.is_running());
    assert_eq!(scanner.error(), Some(gone));
}

#[test]
fn no_camera_is_a_clear_error_not_a_panic() {
    // CI machines have no camera: the list is empty (or the backend is unavailable), and
    // starting reports why in words an associate can act on.
    match cameras() {
        Ok(list) if list.is_empty() => {
            let err = CameraScanner::start(0, |_| {}).unwrap_err();
            assert_eq!(err, CameraError::NoCamera);
            assert_eq!(err.to_string(), "no camera was found; connect one or type the code");
        }
        Ok(list) => {
            let missing = list.iter().map(|c| c.index).max().unwrap_or(0) + 1000;
            assert_eq!(CameraScanner::start(missing, |_| {}).unwrap_err(), CameraError::NotFound { index: missing });
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn driver_errors_map_to_actionable_ones() {
    let busy = NokhwaError::OpenDeviceError("/dev/video0".into(), "Device or resource busy (os error 16)".into());
    assert_eq!(CameraError::from(busy), CameraError::Busy);
    let denied = NokhwaError::OpenDeviceError("/dev/video0".into(), "Permission denied (os error 13)".into());
    assert_eq!(CameraError::from(denied), CameraError::PermissionDenied);
    let unsupported = NokhwaError::UnsupportedOperationError(ApiBackend::Auto);
    assert_eq!(CameraError::from(unsupported), CameraError::Unsupported);
    let other = CameraError::from(NokhwaError::ReadFrameError("timeout".into()));
    assert!(matches!(&other, CameraError::Failed { message } if message.contains("timeout")));
    assert!(other.to_string().contains("type the code"));
}
