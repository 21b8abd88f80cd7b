//! What the app holds while it runs: the replica, its sync engine, who is logged in, and
//! the device's own settings.

use crate::error::{AppResult, ShellError};
use replica::{FileTokenStore, Replica, StaffMember, SyncEngine};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Settings kept on the device (not synced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// UI language: `zh-CN` (default) or `en`.
    pub language: String,
    // --- print ---
    /// The network thermal printer (none until set on the settings screen).
    pub printer: shared::app::print::PrinterSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { language: "zh-CN".into(), printer: shared::app::print::PrinterSettings::default() }
    }
}

/// The running app.
pub struct AppState {
    /// The local replica.
    pub replica: Arc<Replica>,
    /// Its sync engine.
    pub engine: Arc<SyncEngine>,
    /// Where the replica, token and settings live.
    pub data_dir: PathBuf,
    session: Mutex<Option<StaffMember>>,
    settings: Mutex<Settings>,
    #[cfg(desktop)]
    /// The running camera scanner, if any.
    pub camera: Mutex<Option<scanner::camera::CameraScanner>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    /// Opens the replica in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<AppState, replica::ReplicaError> {
        let replica = Arc::new(Replica::open(&data_dir.join("replica.sqlite"))?);
        let tokens = Arc::new(FileTokenStore::new(data_dir.join("device-token")));
        let engine = SyncEngine::new(replica.clone(), tokens);
        let settings = std::fs::read_to_string(data_dir.join("settings.json"))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(AppState {
            replica,
            engine,
            data_dir: data_dir.to_path_buf(),
            session: Mutex::new(None),
            settings: Mutex::new(settings),
            #[cfg(desktop)]
            camera: Mutex::new(None),
        })
    }

    /// Who is logged in.
    pub fn staff(&self) -> Option<StaffMember> {
        lock(&self.session).clone()
    }

    /// The logged-in associate, or the error the UI turns into the login screen.
    pub fn require_staff(&self) -> AppResult<StaffMember> {
        self.staff().ok_or_else(|| ShellError::NotLoggedIn.into())
    }

    /// Starts or ends a session.
    pub fn set_staff(&self, staff: Option<StaffMember>) {
        *lock(&self.session) = staff;
    }

    /// The device settings.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Saves settings atomically (write then rename), so a crash never leaves half a file.
    pub fn save_settings(&self, settings: Settings) -> AppResult<()> {
        let path = self.data_dir.join("settings.json");
        let tmp = self.data_dir.join("settings.json.tmp");
        let json =
            serde_json::to_string_pretty(&settings).map_err(|e| ShellError::Settings { message: e.to_string() })?;
        std::fs::write(&tmp, json)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| ShellError::Settings { message: format!("{}: {e}", path.display()) })?;
        *lock(&self.settings) = settings;
        Ok(())
    }
}
