//! Where the device token lives: outside the replica file, behind a trait, so the app can
//! keep it in the OS's secure storage and tests in a file.

use crate::error::{ReplicaError, Result};
use std::path::PathBuf;

/// Keeps the device token.
pub trait TokenStore: Send + Sync {
    /// The token, if the device is enrolled.
    fn load(&self) -> Result<Option<String>>;
    /// Stores the token.
    fn save(&self, token: &str) -> Result<()>;
    /// Forgets the token (revoked or re-enrolling).
    fn clear(&self) -> Result<()>;
}

/// A token in a file readable only by its owner.
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }
}

fn io(e: std::io::Error) -> ReplicaError {
    ReplicaError::Storage { message: format!("device token file: {e}") }
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> Result<Option<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_string())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    fn save(&self, token: &str) -> Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, token).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    fn clear(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }
}
