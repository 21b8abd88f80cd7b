//! Screenshots and form factors.
//!
//! The store app is used on phones (portrait) and in-store tablets (landscape); the
//! scenario test checks both layouts by resizing the one desktop window. What matters to a
//! responsive layout is the *viewport* (`window.innerWidth`/`innerHeight` in CSS pixels),
//! not the outer window, so [`set_viewport`] resizes, measures the viewport, compensates for
//! any window chrome, and fails clearly when the size cannot be reached (no resizing
//! support, or a minimum window size) rather than screenshotting the wrong layout.
//!
//! Screenshots go to `target/e2e-screenshots/` (or `$E2E_SCREENSHOT_DIR`) as
//! `NAME-SIZE.png`, so a CI run can keep them as artifacts. Resizes and screenshots first
//! wait for the page to paint ([`settle`]): with the store app (wry), a screenshot taken
//! right after a resize showed the previous layout cropped to the new size.

use crate::error::{Error, Result};
use crate::process::target_dir;
use crate::webdriver::{write_file, Session};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The two layouts the app is designed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormFactor {
    /// A phone held upright: 390x844 CSS pixels.
    PhonePortrait,
    /// An in-store tablet on its side: 1280x800 CSS pixels.
    TabletLandscape,
}

impl FormFactor {
    /// Both, phone first.
    pub const ALL: [FormFactor; 2] = [FormFactor::PhonePortrait, FormFactor::TabletLandscape];

    /// Viewport width and height in CSS pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            FormFactor::PhonePortrait => (390, 844),
            FormFactor::TabletLandscape => (1280, 800),
        }
    }

    /// Label used in screenshot names: `phone` or `tablet`.
    pub fn label(self) -> &'static str {
        match self {
            FormFactor::PhonePortrait => "phone",
            FormFactor::TabletLandscape => "tablet",
        }
    }
}

/// A viewport size in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// `window.innerWidth`.
    pub width: u32,
    /// `window.innerHeight`.
    pub height: u32,
}

/// Where screenshots go: `$E2E_SCREENSHOT_DIR`, else `target/e2e-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    match std::env::var_os("E2E_SCREENSHOT_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => target_dir().join("e2e-screenshots"),
    }
}

/// Keeps file names portable: letters, digits, `-` and `_`; anything else becomes `_`.
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Waits until the page has laid out and painted its latest changes: two animation frames
/// (or one second at most). Without it, a screenshot right after a resize shows the old
/// layout cropped to the new size.
pub async fn settle(session: &Session) -> Result<()> {
    let script = "const done = arguments[arguments.length - 1]; let called = false; \
                  const finish = () => { if (!called) { called = true; done(true); } }; \
                  requestAnimationFrame(() => requestAnimationFrame(finish)); setTimeout(finish, 1000);";
    session.execute_async(script, vec![]).await.map(drop)
}

/// Saves a screenshot as `NAME-SIZE_LABEL.png` in [`screenshot_dir`] once the page has
/// painted ([`settle`]); returns its path.
pub async fn save_screenshot(session: &Session, name: &str, size_label: &str) -> Result<PathBuf> {
    let path = screenshot_dir().join(format!("{}-{}.png", file_stem(name), file_stem(size_label)));
    settle(session).await?;
    session.save_screenshot(&path).await?;
    Ok(path)
}

/// Saves what is needed to understand a failure: `NAME-failure.png`, the page source as
/// `NAME-failure.html` and the visible text as `NAME-failure.txt`. Best effort: returns the
/// files it managed to write.
pub async fn save_failure(session: &Session, name: &str) -> Vec<PathBuf> {
    let base = screenshot_dir().join(format!("{}-failure", file_stem(name)));
    let mut saved = Vec::new();
    let png = base.with_extension("png");
    if session.save_screenshot(&png).await.is_ok() {
        saved.push(png);
    }
    if let Ok(source) = session.page_source().await {
        let html = base.with_extension("html");
        if write_file(&html, source.as_bytes()).is_ok() {
            saved.push(html);
        }
    }
    let txt = base.with_extension("txt");
    if write_file(&txt, session.page_context().await.as_bytes()).is_ok() {
        saved.push(txt);
    }
    saved
}

/// The current viewport.
pub async fn viewport(session: &Session) -> Result<Viewport> {
    let v = session.execute("return [window.innerWidth, window.innerHeight];", vec![]).await?;
    let n = |i: usize| v.get(i).and_then(Value::as_f64).map(|f| f.round().max(0.0) as u32);
    match (n(0), n(1)) {
        (Some(width), Some(height)) => Ok(Viewport { width, height }),
        _ => Err(Error::Protocol { command: "read the viewport size".into(), detail: format!("got {v}") }),
    }
}

/// Waits for the viewport to settle after a resize (GTK resizes asynchronously): two equal
/// readings in a row, or `want`, within about two seconds.
async fn settled_viewport(session: &Session, want: Viewport) -> Result<Viewport> {
    let mut last = viewport(session).await?;
    for _ in 0..20 {
        if last == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = viewport(session).await?;
        if now == last {
            break;
        }
        last = now;
    }
    Ok(last)
}

/// Resizes the window so the viewport is `width`x`height` CSS pixels, compensating for
/// window chrome (a toolbar, decorations). Fails with [`Error::Resize`] saying why when the
/// driver cannot resize or the window will not reach that size.
pub async fn set_viewport(session: &Session, width: u32, height: u32) -> Result<Viewport> {
    if session.capabilities().get("setWindowRect") == Some(&Value::Bool(false)) {
        let vp = viewport(session).await?;
        let rect = session.window_rect().await?;
        return Err(resize_error((width, height), vp, rect, "the driver reports setWindowRect: false".into()));
    }
    let want = Viewport { width, height };
    let before = viewport(session).await?;
    let mut rect = session.set_window_size(width, height).await?;
    let mut vp = settled_viewport(session, want).await?;
    if vp != want {
        // The window is larger than its viewport by its chrome: ask for that much more.
        let chrome_w = rect.width.saturating_sub(vp.width);
        let chrome_h = rect.height.saturating_sub(vp.height);
        rect = session.set_window_size(width + chrome_w, height + chrome_h).await?;
        vp = settled_viewport(session, want).await?;
    }
    if vp == want {
        settle(session).await?;
        return Ok(vp);
    }
    let detail = if vp == before && before != want {
        "the viewport did not change at all: the driver or window manager ignores window resizing".to_string()
    } else if vp.width > width || vp.height > height {
        format!(
            "the window will not get smaller than {}x{}: a minimum window size (toolbar, or the app window's min size)",
            rect.width, rect.height
        )
    } else {
        "the window manager gave a different size".to_string()
    };
    Err(resize_error((width, height), vp, rect, detail))
}

fn resize_error(requested: (u32, u32), vp: Viewport, rect: crate::webdriver::Rect, detail: String) -> Error {
    Error::Resize {
        requested_width: requested.0,
        requested_height: requested.1,
        width: vp.width,
        height: vp.height,
        window_width: rect.width,
        window_height: rect.height,
        detail,
    }
}

/// Resizes to a form factor's viewport (see [`set_viewport`]).
pub async fn resize_to(session: &Session, form: FormFactor) -> Result<Viewport> {
    let (w, h) = form.size();
    set_viewport(session, w, h).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_portable() {
        assert_eq!(file_stem("03 pickup/拣货"), "03_pickup___");
        assert_eq!(file_stem("login-phone_1"), "login-phone_1");
    }
}
