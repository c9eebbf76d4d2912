//! Another site: a loopback HTTP server on its own port (so its own origin)
//! that answers every request with one HTML page, as a shop embedding the
//! widget would.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The site; stops when dropped.
pub struct Host {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Host {
    /// Binds a free port now (the bot's allowed origins need it before the
    /// page exists); [`Host::serve`] then answers with a page.
    pub async fn bind() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        (listener, origin)
    }

    /// Answers every request on `listener` with `html`.
    pub fn serve(listener: TcpListener, html: String) -> Host {
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let html = html.clone();
                tokio::spawn(async move {
                    // One request per connection: read the head, answer, close.
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{html}",
                        html.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Host { addr, task }
    }

    /// `http://addr/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A shop page that embeds the widget of the bot at `bot` (`http://…`).
pub fn shop_page(bot: &str) -> String {
    format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <title>Butikken</title></head><body><h1>Butikken</h1>\
         <p>Velkommen til nettbutikken.</p>\
         <script src=\"{bot}/widget.js\" data-locale=\"nb-NO\" data-title=\"Kundeservice\">\
         </script></body></html>"
    )
}
