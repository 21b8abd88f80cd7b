//! The store device engine, headless: a local SQLite replica of the store's scope, an
//! outbox of operations applied optimistically, and the sync client. The Tauri app is thin
//! glue over it; `gen` and the end-to-end tests use it as simulated devices.

pub mod clock;
pub mod error;
pub mod local;
pub mod print;
pub mod sync;
pub mod token;

pub use error::{ReplicaError, Result};
pub use local::{Enrollment, InboxItem, Replica, SkuView, StaffMember, TaskCounts};
pub use sync::{Clock, Connector, Failure, SyncEngine, SyncReport, SyncStatus, SystemClock, Transport};
pub use token::{FileTokenStore, TokenStore};
