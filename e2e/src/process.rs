//! Child processes that never outlive the test: each is started in a process group of its
//! own, and killing it kills the whole group plus every descendant found in `/proc`.
//!
//! Why both: tauri-driver starts WebKitWebDriver, which starts the app, which starts
//! WebKit's web and network processes. tauri-driver only stops WebKitWebDriver on SIGTERM,
//! and WebKit's helpers outlive their parent for a moment (they are re-parented to init but
//! keep the process group). Killing the group catches re-parented helpers; the descendant
//! walk catches anything that moved to a group of its own.
//!
//! Output goes to a log file in a private temporary directory, so a failed start can show
//! what the process said, and the app's own stderr (inherited through the drivers) can be
//! read with [`ProcessGroup::log_tail`].

use crate::error::{Error, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A child process leading its own process group; killed with its descendants on drop.
pub(crate) struct ProcessGroup {
    child: Child,
    name: String,
    log: PathBuf,
    // Holds the log file's directory until the process is dropped.
    _dir: tempfile::TempDir,
}

impl ProcessGroup {
    /// Starts `cmd` in a new process group with stdout and stderr in a log file.
    pub(crate) fn spawn(mut cmd: Command, name: &str) -> Result<ProcessGroup> {
        let dir = tempfile::Builder::new().prefix("e2e-proc-").tempdir().map_err(|source| Error::Io {
            action: "cannot create a log directory in",
            path: std::env::temp_dir(),
            source,
        })?;
        let log = dir.path().join("output.log");
        let file = std::fs::File::create(&log).map_err(|source| Error::Io {
            action: "cannot create",
            path: log.clone(),
            source,
        })?;
        let err =
            file.try_clone().map_err(|source| Error::Io { action: "cannot reopen", path: log.clone(), source })?;
        cmd.stdin(Stdio::null()).stdout(file).stderr(err).process_group(0);
        let program = PathBuf::from(cmd.get_program());
        let child = cmd.spawn().map_err(|source| Error::Io { action: "cannot start", path: program, source })?;
        Ok(ProcessGroup { child, name: name.to_string(), log, _dir: dir })
    }

    /// The process id (also the process group id).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last `lines` lines the process (and its children) printed.
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read(&self.log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n");
        if tail.is_empty() {
            "(nothing)".into()
        } else {
            tail
        }
    }

    /// A startup error for this process, with its log tail.
    pub(crate) fn startup_error(&mut self, detail: impl Into<String>) -> Error {
        let mut detail = detail.into();
        if let Ok(Some(status)) = self.child.try_wait() {
            detail = format!("{detail} (it exited: {status})");
        }
        Error::Startup { what: self.name.clone(), detail, log_tail: self.log_tail(40) }
    }

    /// SIGKILLs the process, its group and every descendant, and reaps it.
    pub(crate) fn kill(&mut self) {
        let pid = self.child.id();
        let mut doomed = descendants(pid);
        doomed.push(pid);
        // The group id is our child's pid (process_group(0)); our child is not reaped yet, so
        // neither id can have been reused. Errors mean the process is gone already.
        if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        for p in &doomed {
            if let Some(p) = rustix::process::Pid::from_raw(*p as i32) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
        }
        let _ = self.child.wait();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every live descendant of `root`, from `/proc` (empty where `/proc` is unavailable).
pub(crate) fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if let Some(ppid) = std::fs::read_to_string(e.path().join("stat")).ok().as_deref().and_then(parent_of) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// The parent pid from a `/proc/PID/stat` line: `pid (comm) state ppid ...`, where comm may
/// itself contain spaces and parentheses.
fn parent_of(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// `N` distinct loopback TCP ports that were free a moment ago.
pub(crate) fn free_ports<const N: usize>() -> Result<[u16; N]> {
    test_support::free_ports::<N>().map_err(|source| Error::Io {
        action: "cannot find a free port on",
        path: "127.0.0.1".into(),
        source,
    })
}

/// A loopback TCP port that was free a moment ago.
pub(crate) fn free_port() -> Result<u16> {
    free_ports::<1>().map(|[p]| p)
}

/// `name` in `PATH` or in one of `extra` directories.
pub(crate) fn find_executable(name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain(extra.iter().cloned()).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// The Cargo profile directory the running test was built into (`target/debug`), where
/// Cargo also puts the workspace's binaries. Test executables live in `target/debug/deps`.
pub(crate) fn profile_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().map(Path::to_path_buf)
    } else {
        Some(dir.to_path_buf())
    }
}

/// The Cargo target directory (`target/`), falling back to the workspace's.
pub(crate) fn target_dir() -> PathBuf {
    profile_dir()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parent_pid_even_with_odd_process_names() {
        assert_eq!(parent_of("1234 (Web Content) S 77 1234 1234 0"), Some(77));
        assert_eq!(parent_of("9 (a) b) R 1 9 9"), Some(1));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn kills_the_whole_group() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30 & wait"]);
        let mut group = ProcessGroup::spawn(cmd, "sh").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut kids = descendants(group.pid());
        while kids.len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            kids = descendants(group.pid());
        }
        assert_eq!(kids.len(), 2, "{kids:?}");
        group.kill();
        std::thread::sleep(std::time::Duration::from_millis(100));
        for k in kids {
            let state = std::fs::read_to_string(format!("/proc/{k}/stat")).unwrap_or_default();
            assert!(state.is_empty() || parent_of(&state).is_some() && state.contains(") Z"), "{k} survived: {state}");
        }
    }
}
