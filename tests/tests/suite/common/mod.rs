//! What only this suite needs besides `test-support`: an HQ process of this crate's `hq`
//! binary over a SQLite file the test owns, device processes (the `device` binary) to
//! SIGKILL, a replica read from another connection, a bounded test and a fake HTTP server.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

pub use test_support::device::Device;
pub use test_support::{return_op, HqProcess, Proxy, ProxyMode};

/// A sync-server process (this crate's `hq` binary) over the SQLite file `hq.sqlite` in
/// `dir` (which the test may copy, as a backup), loaded with the tiny brand.
pub async fn start_hq(dir: &Path) -> HqProcess {
    let hq = HqProcess::start(env!("CARGO_BIN_EXE_hq"), &test_support::Database::sqlite_in(dir).url).await;
    hq.import(&test_support::fixture()).await;
    hq
}

/// Runs `f`, failing the test if it takes longer than `secs` seconds.
pub async fn bounded<F: std::future::Future>(secs: u64, f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(v) => v,
        Err(_) => panic!("the test did not finish within {secs} s"),
    }
}

/// A `device DIR ...` child process, SIGKILLed when dropped.
pub struct DeviceProcess(pub Child);

impl DeviceProcess {
    /// Starts `device DIR args...`.
    pub fn spawn(dir: &Path, args: &[&str]) -> DeviceProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_device"))
            .arg(dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        DeviceProcess(child)
    }

    /// SIGKILLs it; true if it was still running.
    pub fn kill(&mut self) -> bool {
        let running = self.0.try_wait().unwrap().is_none();
        let _ = self.0.kill();
        let _ = self.0.wait();
        running
    }

    /// Whether it exited (and how).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().unwrap()
    }
}

impl Drop for DeviceProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `device DIR args...` to the end; panics with its output if it fails.
pub async fn run_device(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_device"));
    cmd.arg(dir).args(args).env("RUST_LOG", "warn");
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "device {args:?} failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Reads a meta value of the replica in `dir` from another connection (the replica may be
/// in use by a child process).
pub fn replica_meta(dir: &Path, key: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(dir.join("replica.sqlite")).ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).ok()
}

/// Ops in the outbox of the replica in `dir`, read from another connection.
pub fn replica_outbox(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("replica.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).unwrap()
}

/// A canned HTTP answer: status and body.
pub type FakeAnswer = (u16, String);

/// A fake HTTP server on loopback that answers each request with what `respond` returns for
/// its request line (`"GET /api/v1/sync/pull?... HTTP/1.1"`), one request per connection.
pub struct FakeServer {
    /// Its port.
    pub port: u16,
    /// Request lines received.
    pub requests: Arc<Mutex<Vec<String>>>,
    accept: JoinHandle<()>,
}

impl FakeServer {
    /// Starts it.
    pub async fn start(respond: impl Fn(&str) -> FakeAnswer + Send + Sync + 'static) -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let respond = Arc::new(respond);
        let accept = tokio::spawn({
            let requests = requests.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (requests, respond) = (requests.clone(), respond.clone());
                    tokio::spawn(async move {
                        let _ = answer(stream, &requests, &*respond).await;
                    });
                }
            }
        });
        FakeServer { port, requests, accept }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn answer(
    mut stream: tokio::net::TcpStream,
    requests: &Mutex<Vec<String>>,
    respond: &(dyn Fn(&str) -> FakeAnswer + Send + Sync),
) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let line = head.lines().next().unwrap_or("").to_string();
    requests.lock().unwrap().push(line.clone());
    let (status, body) = respond(&line);
    let resp = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(resp.as_bytes()).await?;
    stream.shutdown().await
}
