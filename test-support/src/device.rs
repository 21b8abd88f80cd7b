//! A store device for a test: its replica and sync engine in a directory of its own
//! (`replica.sqlite`, `token`), enrolled against a server.

use crate::HqClient;
use replica::{FileTokenStore, Replica, SyncEngine};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A device: its replica and sync engine in a directory of its own.
pub struct Device {
    /// The replica.
    pub replica: Arc<Replica>,
    /// The sync engine.
    pub engine: Arc<SyncEngine>,
    /// Its directory (replica.sqlite, token).
    pub dir: PathBuf,
}

impl Device {
    /// Opens the device in `dir` (enrolled or not), creating the directory.
    pub fn open(dir: &Path) -> Device {
        std::fs::create_dir_all(dir).unwrap();
        let replica = Arc::new(Replica::open(&dir.join("replica.sqlite")).unwrap());
        let engine = SyncEngine::new(replica.clone(), Arc::new(FileTokenStore::new(dir.join("token"))));
        Device { replica, engine, dir: dir.to_path_buf() }
    }

    /// A new device in `dir` enrolled at `store` with a code from `hq`, talking to
    /// `server_url` (the server itself or a proxy in front of it); not synced yet.
    pub async fn enrolled(hq: &HqClient, server_url: &str, store: &str, dir: &Path) -> Device {
        let d = Device::open(dir);
        let code = hq.enrollment_code(store).await;
        d.engine.enroll(server_url, &code, "test device").await.unwrap();
        d
    }

    /// [`Device::enrolled`], then its first sync (the bootstrap download).
    pub async fn enrol(hq: &HqClient, server_url: &str, store: &str, dir: &Path) -> Device {
        let d = Device::enrolled(hq, server_url, store, dir).await;
        d.engine.sync_once().await.unwrap();
        d
    }
}
