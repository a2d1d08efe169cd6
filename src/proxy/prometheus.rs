//! tshost's metrics in Prometheus's text format, on `proxy.config.tshost.metrics_port` (0, the
//! default, is off), bound on 127.0.0.1 only: `GET /metrics` answers tshost's `proxy.process.*`
//! metrics ([`crate::metrics`]) and the plugins' stats (TSStatCreate), each name with `.` and
//! other characters Prometheus does not allow turned into `_` (`proxy_process_http_completed_requests`),
//! with its TYPE (counter or gauge). Anything else is a 404. One request per connection, read
//! within 5 s and at most 8 KiB; the answer closes the connection.
#![forbid(unsafe_code)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// A metric's name as Prometheus allows it: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn prom_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

/// The page: every metric, TYPE line then value.
pub fn page() -> String {
    let mut out = String::new();
    let mut line = |name: &str, kind: &str, v: i64| {
        let n = prom_name(name);
        out.push_str(&format!("# TYPE {n} {kind}\n{n} {v}\n"));
    };
    for (name, v, gauge) in crate::metrics::all() {
        line(name, if gauge { "gauge" } else { "counter" }, v);
    }
    for (name, v) in crate::stats::all() {
        line(&name, "gauge", v);
    }
    hook_times(&mut out);
    out
}

/// Each plugin's hook times as one histogram, `tshost_plugin_hook_seconds`, labelled by plugin
/// and hook (from the call to the reenable).
fn hook_times(out: &mut String) {
    use crate::plugin::hooktime::BOUNDS_US;
    let times = super::hook_times::hook_times();
    if times.is_empty() {
        return;
    }
    out.push_str("# TYPE tshost_plugin_hook_seconds histogram\n");
    for (plugin, hook, s) in times {
        let labels = format!("plugin=\"{plugin}\",hook=\"{hook}\"");
        let mut cumulative = 0;
        for (i, n) in s.buckets.iter().enumerate() {
            cumulative += n;
            let le = match BOUNDS_US.get(i) {
                Some(us) => format!("{}", *us as f64 / 1e6),
                None => "+Inf".to_string(),
            };
            out.push_str(&format!(
                "tshost_plugin_hook_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}\n"
            ));
        }
        out.push_str(&format!(
            "tshost_plugin_hook_seconds_sum{{{labels}}} {}\n",
            s.total_ns as f64 / 1e9
        ));
        out.push_str(&format!(
            "tshost_plugin_hook_seconds_count{{{labels}}} {}\n",
            s.calls
        ));
    }
}

/// Bind 127.0.0.1:`port` (a warning, and no endpoint, when it cannot be bound). Call within a
/// tokio runtime.
pub fn bind(port: u16) -> Option<TcpListener> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listener = std::net::TcpListener::bind(addr).and_then(|l| {
        l.set_nonblocking(true)?;
        TcpListener::from_std(l)
    });
    match listener {
        Ok(l) => {
            crate::note!("metrics: Prometheus text on http://{addr}/metrics");
            Some(l)
        }
        Err(e) => {
            crate::warning!("proxy.config.tshost.metrics_port: cannot listen on {addr}: {e}");
            None
        }
    }
}

/// Answer connections until the task is dropped.
pub async fn serve(listener: &TcpListener) {
    loop {
        match listener.accept().await {
            Ok((s, _)) => {
                tokio::spawn(answer(s));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn answer(mut s: TcpStream) {
    let mut head = Vec::new();
    let read = async {
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        true
    };
    if !matches!(
        tokio::time::timeout(Duration::from_secs(5), read).await,
        Ok(true)
    ) {
        return;
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let (status, body) = if line.starts_with(b"GET /metrics ") {
        ("200 OK", page())
    } else {
        ("404 Not Found", "not found: GET /metrics\n".to_string())
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), s.write_all(resp.as_bytes())).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_prometheus_names() {
        assert_eq!(
            prom_name("proxy.process.http.2xx_responses"),
            "proxy_process_http_2xx_responses"
        );
        assert_eq!(prom_name("9lives"), "_9lives");
        assert_eq!(prom_name("a-b c"), "a_b_c");
    }
}
