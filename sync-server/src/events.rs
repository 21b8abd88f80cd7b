//! Pokes for online devices: a background task watches the change log and tells every
//! server-sent-events subscriber which scopes changed. Watching the database rather than
//! in-process writes means a change made through any server instance reaches every
//! device.

use crate::service;
use crate::storage::changes::{self, Position};
use crate::storage::Storage;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the change log is checked.
pub const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// Broadcasts changed scopes (`"*"` for everyone).
#[derive(Clone)]
pub struct Notifier {
    sender: broadcast::Sender<Arc<str>>,
}

impl Notifier {
    /// A notifier with no watcher yet.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Notifier { sender }
    }

    /// Subscribes to changed scopes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.sender.subscribe()
    }

    /// Watches the change log until the process ends.
    pub fn spawn_watcher(&self, storage: Arc<dyn Storage>) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            let mut at: Option<Position> = None;
            loop {
                let from = at;
                let result = service::read(storage.as_ref(), move |tx| match from {
                    None => Ok((Vec::new(), changes::horizon(tx)?)),
                    Some(p) => Ok(changes::scopes_changed_since(tx, p)?),
                })
                .await;
                match result {
                    Ok((scopes, newest)) => {
                        at = Some(newest);
                        for s in scopes {
                            let _ = sender.send(Arc::from(s.as_str()));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot watch the change log"),
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        });
    }
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new()
    }
}
