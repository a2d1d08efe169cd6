//! The control socket of a running tshost (protocol: src/ctlproto.rs), what `tshost ctl` and
//! `traffic_ctl` talk to. Commands, with traffic_ctl's names, output and exit codes:
//! - `config reload` (src/proxy/reload.rs), `config get NAME...` (`NAME: VALUE`),
//!   `config match REGEX...`;
//! - `metric get NAME...` (`NAME VALUE`), `metric match [REGEX...]`: tshost's metrics
//!   (`proxy.process.*`, src/metrics.rs) and the plugins' stats (TSStatCreate);
//! - `plugin msg TAG [DATA]`: TS_LIFECYCLE_MSG_HOOK's continuations get TS_EVENT_LIFECYCLE_MSG
//!   with a TSPluginMsg (the data with its NUL, as traffic_ctl sends it), on a task thread;
//! - `server stop` (as SIGTERM), `server drain` (every response says `Connection: close`) and
//!   `server drain --undo`.
//!
//! Other traffic_ctl commands answer "'...' command is not implemented", exit 3, as traffic_ctl
//! does for its own unimplemented ones. Only the process's own user and root may connect (the
//! socket is mode 0600, and the peer's user is checked); a request is read within 5 s.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use super::reload::Reloader;
use crate::config::records::RecValue;
use crate::ctlproto::{self, Reply, EXIT_UNIMPLEMENTED};

/// What the commands act on.
pub struct Control {
    pub reloader: Reloader,
    /// `server stop`: the control loop stops the proxy as on SIGTERM.
    pub stop: Arc<tokio::sync::Notify>,
}

/// The listening socket and its path (removed by [`Bound::remove`] at the end).
pub struct Bound {
    pub listener: UnixListener,
    pub path: PathBuf,
}

impl Bound {
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Bind the control socket in `runtime_dir` (made if missing). None, with a warning, when it
/// cannot be made or another live process answers on it (a stale one is replaced). Call within a
/// tokio runtime.
pub fn bind(runtime_dir: &Path) -> Option<Bound> {
    let path = ctlproto::socket_path(runtime_dir);
    let fail = |e: String| {
        crate::warning!(
            "control socket {}: {e}; `tshost ctl` and traffic_ctl cannot reach this process",
            path.display()
        );
        None
    };
    if let Err(e) = std::fs::create_dir_all(runtime_dir) {
        return fail(e.to_string());
    }
    let dir = match std::fs::File::open(runtime_dir) {
        Ok(d) => d,
        Err(e) => return fail(e.to_string()),
    };
    let addr = ctlproto::addressable(&path, &dir);
    if std::os::unix::net::UnixStream::connect(&addr).is_ok() {
        return fail("another process answers on it".into());
    }
    let _ = std::fs::remove_file(&path);
    let listener = match std::os::unix::net::UnixListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => return fail(e.to_string()),
    };
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
        return fail(format!("chmod: {e}"));
    }
    let listener = listener
        .set_nonblocking(true)
        .and_then(|_| UnixListener::from_std(listener));
    match listener {
        Ok(listener) => Some(Bound { listener, path }),
        Err(e) => fail(e.to_string()),
    }
}

/// Answer connections until the task is dropped.
pub async fn serve(listener: &UnixListener, control: Arc<Control>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(answer(stream, control.clone()));
            }
            // Out of descriptors, say: try again a little later.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The user this process runs as (the owner of /proc/self).
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

async fn answer(mut stream: UnixStream, control: Arc<Control>) {
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    let reply = if peer.is_none() || (peer != Some(0) && peer != own_uid()) {
        crate::warning!(
            "control socket: refused a connection from user {}",
            peer.map_or("?".to_string(), |u| u.to_string())
        );
        Reply::error("tshost: permission denied: only the proxy's user and root may control it")
    } else {
        let mut buf = Vec::new();
        let mut limited = (&mut stream).take(ctlproto::MAX_REQUEST as u64 + 1);
        let read = limited.read_to_end(&mut buf);
        match tokio::time::timeout(Duration::from_secs(5), read).await {
            Err(_) => Reply::error("tshost: the request did not arrive within 5 s"),
            Ok(Err(e)) => Reply::error(format!("tshost: reading the request: {e}")),
            Ok(Ok(_)) if buf.len() > ctlproto::MAX_REQUEST => Reply::error(format!(
                "tshost: request over {} bytes",
                ctlproto::MAX_REQUEST
            )),
            Ok(Ok(_)) => match ctlproto::decode_request(&buf) {
                Ok(words) => command(&words, &control).await,
                Err(e) => Reply::error(format!("tshost: {e}")),
            },
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let _ = stream.write_all(&reply.encode()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Run one command.
async fn command(words: &[String], control: &Arc<Control>) -> Reply {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    crate::debug!("tshost_ctl", "control command: {}", w.join(" "));
    match w.as_slice() {
        ["config", "reload"] => {
            let c = control.clone();
            let done = tokio::task::spawn_blocking(move || c.reloader.reload()).await;
            match done {
                Ok((said, ok)) => {
                    let mut out = said.join("\n");
                    out.push('\n');
                    if ok {
                        Reply {
                            out,
                            ..Default::default()
                        }
                    } else {
                        Reply {
                            out,
                            err: "traffic_ctl: configuration reload request failed: part of \
                                  the configuration did not load (see the log)\n"
                                .into(),
                            code: ctlproto::EXIT_ERROR,
                        }
                    }
                }
                Err(e) => Reply::error(format!("tshost: the reload failed: {e}")),
            }
        }
        ["config", "get", names @ ..] if !names.is_empty() => get(names, ": "),
        ["metric", "get", names @ ..] if !names.is_empty() => get(names, " "),
        ["config", "match", pats @ ..] if !pats.is_empty() => matching(pats, config_records, ": "),
        ["metric", "match", pats @ ..] => matching(pats, metrics, " "),
        ["plugin", "msg", tag, rest @ ..] => {
            let tag = tag.to_string();
            let data = rest.first().map(|d| d.to_string());
            let sent = tokio::task::spawn_blocking(move || {
                crate::hooks::lifecycle::plugin_msg(&tag, data.as_deref())
            })
            .await;
            match sent {
                Ok(Ok(())) => Reply::default(),
                Ok(Err(e)) => Reply::error(format!("traffic_ctl: message not sent: {e}")),
                Err(e) => Reply::error(format!("traffic_ctl: message not sent: {e}")),
            }
        }
        ["server", "stop", ..] => {
            crate::note!("stop requested on the control socket");
            control.stop.notify_one();
            Reply::default()
        }
        ["server", "drain", opts @ ..] => {
            let undo = opts.iter().any(|o| *o == "--undo" || *o == "-U");
            control
                .reloader
                .proxy
                .draining
                .store(!undo, Ordering::Release);
            crate::note!(
                "{} (control socket)",
                if undo {
                    "drain undone: connections are kept alive again"
                } else {
                    "draining: every response says Connection: close"
                }
            );
            Reply::default()
        }
        _ => Reply {
            err: format!("'{}' command is not implemented\n", w.join(" ")),
            code: EXIT_UNIMPLEMENTED,
            ..Default::default()
        },
    }
}

/// A record's value as traffic_ctl prints it (an empty string as `""`).
fn shown(v: &RecValue) -> String {
    match v {
        RecValue::String(s) if s.is_empty() => "\"\"".into(),
        RecValue::String(s) => s.clone(),
        RecValue::Int(i) | RecValue::Counter(i) => i.to_string(),
        RecValue::Float(f) => format!("{:.6}", f64::from(*f as f32)),
    }
}

/// The value of any record: [`crate::mgmt::record_value`], and also a name records.config sets
/// that tshost does not know.
fn lookup(name: &str) -> Option<RecValue> {
    crate::host::records()
        .get(name)
        .cloned()
        .or_else(|| crate::mgmt::record_value(name))
        .or_else(|| {
            name.starts_with(HOOK_TIME)
                .then(|| hook_time_metrics().into_iter().find(|(n, _)| n == name))
                .flatten()
                .map(|(_, v)| v)
        })
}

/// The prefix of the hook time metrics.
const HOOK_TIME: &str = "proxy.process.tshost.hook_time.";

fn get(names: &[&str], sep: &str) -> Reply {
    let mut r = Reply::default();
    for name in names {
        match lookup(name) {
            Some(v) => r.out.push_str(&format!("{name}{sep}{}\n", shown(&v))),
            None => {
                r.err.push_str(&format!(
                    "traffic_ctl: failed to fetch {name}: no such record\n"
                ));
                r.code = ctlproto::EXIT_ERROR;
            }
        }
    }
    r
}

/// The configuration records: records.config's, the built-in ones, those plugins created.
fn config_records() -> Vec<(String, RecValue)> {
    let mut v: Vec<(String, RecValue)> = crate::host::records()
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    for p in crate::mgmt::plugin_records() {
        if !v.iter().any(|(n, _)| *n == p.name) {
            v.push((p.name, p.value));
        }
    }
    v
}

/// The metrics: tshost's own (`proxy.process.*`), the plugins' stats, then each plugin's hook
/// times: `proxy.process.tshost.hook_time.PLUGIN.HOOK.calls`, `.total_us`, and `.p50_us` and
/// `.p99_us` (the upper bound of the bucket the quantile falls in; -1 when over 5 s).
fn metrics() -> Vec<(String, RecValue)> {
    let mut v: Vec<(String, RecValue)> = crate::metrics::all()
        .into_iter()
        .map(|(n, v, _)| (n.to_string(), RecValue::Counter(v)))
        .chain(
            crate::stats::all()
                .into_iter()
                .map(|(n, v)| (n, RecValue::Int(v))),
        )
        .collect();
    v.extend(hook_time_metrics());
    v
}

/// Each plugin's hook times, as metrics (see [`metrics`]).
fn hook_time_metrics() -> Vec<(String, RecValue)> {
    let mut v = Vec::new();
    for (plugin, hook, s) in super::hook_times::hook_times() {
        let base = format!("{HOOK_TIME}{plugin}.{hook}");
        let q = |x: f64| match s.quantile_us(x) {
            Some(u64::MAX) | None => -1,
            Some(us) => us as i64,
        };
        v.push((format!("{base}.calls"), RecValue::Counter(s.calls as i64)));
        v.push((
            format!("{base}.total_us"),
            RecValue::Counter((s.total_ns / 1000) as i64),
        ));
        v.push((format!("{base}.p50_us"), RecValue::Int(q(0.5))));
        v.push((format!("{base}.p99_us"), RecValue::Int(q(0.99))));
    }
    v
}

/// Every record of `all` whose name one of `patterns` (regular expressions, unanchored) finds;
/// no pattern: all of them.
fn matching(patterns: &[&str], all: fn() -> Vec<(String, RecValue)>, sep: &str) -> Reply {
    let mut res = Vec::new();
    for p in patterns {
        match regex::Regex::new(p) {
            Ok(r) => res.push(r),
            Err(e) => {
                return Reply::error(format!("traffic_ctl: failed to fetch {p}: {e}"));
            }
        }
    }
    let mut r = Reply::default();
    for (name, v) in all() {
        if res.is_empty() || res.iter().any(|re| re.is_match(&name)) {
            r.out.push_str(&format!("{name}{sep}{}\n", shown(&v)));
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_traffic_ctl_prints_them() {
        assert_eq!(shown(&RecValue::String(String::new())), "\"\"");
        assert_eq!(shown(&RecValue::String("a b".into())), "a b");
        assert_eq!(shown(&RecValue::Int(-3)), "-3");
        assert_eq!(shown(&RecValue::Counter(7)), "7");
        assert_eq!(shown(&RecValue::Float(0.1)), "0.100000");
    }

    #[test]
    fn records_are_found_by_name_and_by_pattern() {
        let r = get(&["proxy.config.http.server_ports", "no.such.record"], ": ");
        assert!(
            r.out.starts_with("proxy.config.http.server_ports: "),
            "{r:?}"
        );
        assert!(r.err.contains("no.such.record"));
        assert_eq!(r.code, ctlproto::EXIT_ERROR);
        let m = matching(
            &["^proxy\\.config\\.http\\.server_ports$"],
            config_records,
            ": ",
        );
        assert_eq!(m.out.lines().count(), 1, "{m:?}");
        assert!(matching(&["("], config_records, ": ").code != 0);
    }
}
