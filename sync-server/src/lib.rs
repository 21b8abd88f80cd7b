//! HQ sync server: the master stock pool, order intake and routing, device enrollment and
//! the sync protocol, over SQLite (embedded default) or PostgreSQL.

pub mod cli;
pub mod clock;
pub mod config;
pub mod events;
pub mod http;
pub mod service;
pub mod storage;

use std::sync::Arc;

/// Builds the application over `storage` and starts the change watcher.
pub fn app(storage: Arc<dyn storage::Storage>, admin_token: &str) -> axum::Router {
    app_with(storage, admin_token, http::rate_limit::Limits::default())
}

/// [`app`] with these failed-credential limits.
pub fn app_with(
    storage: Arc<dyn storage::Storage>,
    admin_token: &str,
    limits: http::rate_limit::Limits,
) -> axum::Router {
    let notifier = events::Notifier::new();
    notifier.spawn_watcher(storage.clone());
    http::router(http::AppState {
        storage,
        admin_token_digest: shared::secret::token_digest(admin_token),
        notifier,
        limiter: Arc::new(http::rate_limit::Limiter::new(limits)),
    })
}
