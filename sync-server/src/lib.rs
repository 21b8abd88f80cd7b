//! HQ sync server: the master stock pool, order intake and routing, device enrollment and
//! the sync protocol, over SQLite (embedded default) or PostgreSQL.

pub mod cli;
pub mod clock;
pub mod config;
pub mod courier;
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
    app_with_couriers(storage, admin_token, limits, courier::Couriers::none())
}

/// [`app_with`] taking these courier platforms' callbacks. The courier worker runs apart
/// (see [`start_couriers`]).
pub fn app_with_couriers(
    storage: Arc<dyn storage::Storage>,
    admin_token: &str,
    limits: http::rate_limit::Limits,
    couriers: courier::Couriers,
) -> axum::Router {
    let notifier = events::Notifier::new();
    notifier.spawn_watcher(storage.clone());
    http::router(http::AppState {
        storage,
        admin_token_digest: shared::secret::token_digest(admin_token),
        notifier,
        limiter: Arc::new(http::rate_limit::Limiter::new(limits)),
        couriers,
    })
}

/// Records which stores `couriers` serve (for the devices' view and stores' requests; a
/// request that waited for a platform the store now has is queued) and gives the courier
/// worker that books with them, not yet running (`spawn` it, or drive it with `run_due`).
pub async fn start_couriers(
    storage: Arc<dyn storage::Storage>,
    couriers: &courier::Couriers,
) -> Result<service::courier::worker::Worker, service::ServiceError> {
    let coverage = couriers.coverage();
    let now = service::now_ms();
    let queued =
        service::write(storage.as_ref(), move |tx| service::courier::publish_coverage(tx, &coverage, now)).await?;
    if queued > 0 {
        tracing::info!(queued, "courier requests that waited for a platform are queued");
    }
    Ok(service::courier::worker::Worker::new(storage, couriers.clone()))
}
