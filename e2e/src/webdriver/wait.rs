//! Bounded waits. The UI renders asynchronously (Leptos signals, sync in the background), so
//! tests wait for what a user would see rather than sleeping. A wait that runs out fails
//! with the selector and what the page showed instead, which is usually the whole diagnosis
//! (an error banner, the wrong screen, a login prompt).

use super::{excerpt, Element, Session};
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// Pause between polls.
const POLL: Duration = Duration::from_millis(100);
/// Elements of one selector checked for displayedness per poll.
const MAX_CHECKED: usize = 20;

impl Session {
    /// Polls `probe` until it returns `Some`, for at most `timeout`. A probe failing because
    /// an element is missing or stale counts as "not yet"; any other error ends the wait.
    /// On timeout the error names `what` and shows the page's URL and visible text.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let start = Instant::now();
        loop {
            match probe().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) if e.is_element_gone() => {}
                Err(e) => return Err(e),
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(Error::Timeout { what: what.to_string(), waited, context: self.page_context().await });
            }
            tokio::time::sleep(POLL.min(timeout - waited)).await;
        }
    }

    /// Waits (default timeout) for a *displayed* element matching `css` and returns it.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.wait_for_within(css, self.default_timeout()).await
    }

    /// Waits up to `timeout` for a displayed element matching `css`.
    pub async fn wait_for_within(&self, css: &str, timeout: Duration) -> Result<Element> {
        let what = format!("a displayed element `{css}`");
        self.wait_until(&what, timeout, async || self.first_displayed(css, None).await).await
    }

    /// Waits (default timeout) for a displayed element matching `css` whose text contains
    /// `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Result<Element> {
        let what = format!("a displayed element `{css}` containing {text:?}");
        self.wait_until(&what, self.default_timeout(), async || self.first_displayed(css, Some(text)).await).await
    }

    /// Waits (default timeout) until no element matching `css` is displayed (a spinner, a
    /// dialog that should close).
    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        let what = format!("no displayed element `{css}`");
        self.wait_until(&what, self.default_timeout(), async || {
            Ok(self.first_displayed(css, None).await?.is_none().then_some(()))
        })
        .await
    }

    /// Waits (default timeout) until the page's visible text contains `text`.
    pub async fn wait_for_page_text(&self, text: &str) -> Result<()> {
        let what = format!("the page to show {text:?}");
        self.wait_until(&what, self.default_timeout(), async || {
            Ok(self.visible_text().await?.contains(text).then_some(()))
        })
        .await
    }

    /// The first displayed match of `css` (whose text contains `text`, if given).
    async fn first_displayed(&self, css: &str, text: Option<&str>) -> Result<Option<Element>> {
        for el in self.find_all(css).await?.into_iter().take(MAX_CHECKED) {
            if !el.is_displayed().await? {
                continue;
            }
            match text {
                Some(t) if !el.text().await?.contains(t) => continue,
                _ => return Ok(Some(el)),
            }
        }
        Ok(None)
    }

    /// What the page looks like now, for a failure message: URL and visible text, or the
    /// source when nothing is visible. Never fails (a broken page is reported as such).
    pub async fn page_context(&self) -> String {
        let url = self.current_url().await.unwrap_or_else(|e| format!("(unknown: {e})"));
        let text = match self.visible_text().await {
            Ok(t) if !t.trim().is_empty() => format!("--- visible text ---\n{}", excerpt(t.trim(), 2000)),
            Ok(_) => match self.page_source().await {
                Ok(s) => format!("--- no visible text; page source ---\n{}", excerpt(&s, 2000)),
                Err(e) => format!("--- no visible text, and no page source: {e}"),
            },
            Err(e) => format!("--- cannot read the page text: {e}"),
        };
        format!("--- page {url} ---\n{text}")
    }
}
