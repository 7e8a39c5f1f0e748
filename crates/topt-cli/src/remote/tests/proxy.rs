//! A TCP proxy on 127.0.0.1 that cuts its first connection after so many bytes from the server:
//! a connection lost mid-download. Later connections pass through whole.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct CutProxy {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
}

impl CutProxy {
    pub fn start(upstream: SocketAddr, cut_after: usize) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(upstream) else {
                    return;
                };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let budget = if n == 0 { cut_after } else { usize::MAX };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(c2, s2, usize::MAX));
                std::thread::spawn(move || pump(server, client, budget));
            }
        });
        CutProxy { addr, connections }
    }
}

/// Copies `from` → `to` until EOF or `budget` bytes, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream, budget: usize) {
    let mut left = budget;
    let mut buf = [0u8; 8192];
    while left > 0 {
        let want = buf.len().min(left);
        match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                left -= n;
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
