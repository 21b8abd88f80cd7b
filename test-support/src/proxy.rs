//! A TCP proxy on loopback in front of a server (HQ, PostgreSQL, a fake): it can lose the
//! server's answers, drop every connection, go away and come back on the same port, switch
//! targets, and counts the bytes it forwards.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forwards both ways.
    Pass,
    /// Forwards the request, then closes both sides as soon as the server starts to
    /// answer: the server did the work, the client never hears of it.
    DropResponses,
}

#[derive(Default)]
struct Counters {
    drop_responses: AtomicBool,
    dropped: AtomicUsize,
    up: AtomicU64,
    down: AtomicU64,
}

/// A TCP proxy on a loopback port; stops when dropped.
pub struct Proxy {
    /// Its port (kept across [`Proxy::cut`] and [`Proxy::restore`]).
    pub port: u16,
    target: Arc<Mutex<SocketAddr>>,
    counters: Arc<Counters>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    /// A pass-through proxy to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Proxy {
            port,
            target: Arc::new(Mutex::new(target)),
            counters: Arc::default(),
            conns: Arc::default(),
            accept: Mutex::new(None),
        };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let (target, counters, conns) = (self.target.clone(), self.counters.clone(), self.conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let to = *target.lock().unwrap();
                let conn = tokio::spawn(relay(inbound, to, counters.clone()));
                let mut conns = conns.lock().unwrap();
                conns.retain(|c| !c.is_finished());
                conns.push(conn);
            }
        });
        if let Some(old) = self.accept.lock().unwrap().replace(accept) {
            old.abort();
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Switches mode for bytes from now on.
    pub fn set_mode(&self, mode: ProxyMode) {
        self.counters.drop_responses.store(mode == ProxyMode::DropResponses, Ordering::SeqCst);
    }

    /// Responses dropped so far.
    pub fn dropped(&self) -> usize {
        self.counters.dropped.load(Ordering::SeqCst)
    }

    /// `(client → server, server → client)` bytes forwarded so far (HTTP headers included).
    pub fn bytes(&self) -> (u64, u64) {
        (self.counters.up.load(Ordering::SeqCst), self.counters.down.load(Ordering::SeqCst))
    }

    /// Zeroes both byte counters.
    pub fn reset_bytes(&self) {
        self.counters.up.store(0, Ordering::SeqCst);
        self.counters.down.store(0, Ordering::SeqCst);
    }

    /// Closes every open connection; new ones are still accepted.
    pub fn drop_connections(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    /// Sends new connections to `target`, closing the open ones.
    pub fn set_target(&self, target: SocketAddr) {
        *self.target.lock().unwrap() = target;
        self.drop_connections();
    }

    /// An outage: drops every connection and stops accepting (the port is closed).
    pub fn cut(&self) {
        if let Some(accept) = self.accept.lock().unwrap().take() {
            accept.abort();
        }
        self.drop_connections();
    }

    /// Accepts again on the same port after [`Proxy::cut`].
    pub async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

async fn relay(inbound: TcpStream, to: SocketAddr, counters: Arc<Counters>) {
    let Ok(outbound) = TcpStream::connect(to).await else { return };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (mut client_rd, mut client_wr) = inbound.into_split();
    let (mut server_rd, mut server_wr) = outbound.into_split();
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            counters.up.fetch_add(n as u64, Ordering::Relaxed);
            if server_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_wr.shutdown().await;
        // The connection ends when the server side does.
        std::future::pending::<()>().await
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if counters.drop_responses.load(Ordering::SeqCst) {
                counters.dropped.fetch_add(1, Ordering::SeqCst);
                break;
            }
            counters.down.fetch_add(n as u64, Ordering::Relaxed);
            if client_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    // Both sockets close here.
}
