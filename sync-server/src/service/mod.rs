//! Business logic, written once over [`crate::storage::Tx`] so every backend runs it.

pub mod aisle;
pub mod allocation;
pub mod campaigns;
pub mod clearance;
pub mod courier;
mod credit;
#[cfg(feature = "demo")]
pub mod demo;
pub mod enroll;
mod error;
pub mod follow_ups;
pub mod intake;
pub mod lookup;
mod op_context;
pub mod pull;
pub mod push;
pub mod refunds;
pub mod returns;
pub mod routing;
pub mod settings;
pub mod stock;
pub mod stock_control;
pub mod text;
mod transitions;

pub use transitions::delivered;

pub use error::{ErrorKind, Race, ServiceError};

use crate::storage::{Outcome, Storage, StorageError, Tx};
use std::sync::{Arc, Mutex};

pub use crate::clock::{now, now_ms};

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

type Slot<T> = Arc<Mutex<Option<Result<T, ServiceError>>>>;

fn job<T, F>(mut f: F, slot: Slot<T>) -> crate::storage::Job
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, ServiceError> + Send + 'static,
{
    Box::new(move |tx: &mut dyn Tx| {
        let result = f(tx);
        // Storage failures inside the job must reach the backend as such, so it can
        // report (and, where it can, retry) them; business errors only roll back.
        let outcome = match &result {
            Ok(_) => Ok(Outcome::Commit),
            Err(e) if e.kind == ErrorKind::Unavailable => Err(StorageError::Unavailable(e.message.clone())),
            // Lost a race with another transaction (another instance took the stock, or a
            // retry of the same push took the key): the backend runs the job again.
            Err(e) if e.race == Some(Race::StaleRead) => Err(StorageError::Retry(e.message.clone())),
            Err(e) if e.race == Some(Race::Constraint) => Err(StorageError::Constraint(e.message.clone())),
            Err(_) => Ok(Outcome::Rollback),
        };
        if let Ok(mut s) = slot.lock() {
            *s = Some(result);
        }
        outcome
    })
}

async fn run<T, F>(storage: &dyn Storage, f: F, write: bool) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, ServiceError> + Send + 'static,
{
    let slot: Slot<T> = Arc::new(Mutex::new(None));
    let j = job(f, slot.clone());
    let done = if write { storage.write(j).await } else { storage.read(j).await };
    let result = slot.lock().ok().and_then(|mut s| s.take());
    match (done, result) {
        (Ok(()), Some(r)) => r,
        (Err(e), Some(Err(business))) if !matches!(e, StorageError::Unavailable(_) | StorageError::Retry(_)) => {
            Err(business)
        }
        (Err(e), _) => Err(e.into()),
        (Ok(()), None) => Err(ServiceError::new(ErrorKind::Internal, "internal", "the storage job did not run")),
    }
}

/// Runs `f` in a write transaction: committed if it returns `Ok`, rolled back otherwise.
pub async fn write<T, F>(storage: &dyn Storage, f: F) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, ServiceError> + Send + 'static,
{
    run(storage, f, true).await
}

/// Runs `f` in a read-only transaction.
pub async fn read<T, F>(storage: &dyn Storage, f: F) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, ServiceError> + Send + 'static,
{
    run(storage, f, false).await
}
