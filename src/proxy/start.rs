//! Start-up of the network side from the configuration: ports, certificates, remap rules,
//! timeouts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::http2::H2Settings;
use super::origin::OriginPool;
use super::server::{ClientTimeouts, Port, Server};
use super::sm::RemapState;
use super::sm::{Proxy, SmConfig};
use super::tls_files::{load_certificates, multicert_path, origin_tls};
use crate::config::ports::{parse_server_ports, PortSpec};
use crate::config::records::Records;
use crate::config::remap::RemapTable;
use crate::tls::{CertKey, TlsServer};

/// What `start` needs that is not in records.config.
pub struct NetSetup<'a> {
    /// The configuration directory (remap.config, ssl_multicert.config); None: built-in defaults.
    pub config_dir: Option<&'a Path>,
    /// Where remap.config's relative `@plugin=` paths are (proxy.config.plugin.plugin_dir).
    pub plugin_dir: &'a Path,
}

/// Ports, TLS and the state machine's settings, ready to serve.
pub struct Prepared {
    pub proxy: Arc<Proxy>,
    pub ports: Vec<Port>,
    /// The server TLS contexts made (for TS_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED_HOOK).
    pub tls: Option<Arc<TlsServer>>,
    /// remap.config and the plugin directory, for a reload (None: built-in defaults).
    pub remap_file: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// ip_allow.yaml (proxy.config.cache.ip_allow.filename), reloaded with remap.config.
    pub ip_allow_file: Option<std::path::PathBuf>,
    /// The configuration directory (None: built-in defaults).
    pub config_dir: Option<std::path::PathBuf>,
    pub timeouts: ClientTimeouts,
    pub shutdown_timeout: Duration,
}

/// Client certificates (proxy.config.ssl.client.certification_level, proxy.config.ssl.CA.cert.*)
/// and sni.yaml (proxy.config.ssl.servername.filename), before the listener contexts are made.
fn client_certs_and_sni(records: &Records, dir: Option<&Path>) -> Result<(), String> {
    let get = |n: &str| records.get_str(n).unwrap_or_default();
    let level = records
        .get_int("proxy.config.ssl.client.certification_level")
        .unwrap_or(0);
    crate::tls::client_cert::configure(
        level,
        get("proxy.config.ssl.CA.cert.filename"),
        get("proxy.config.ssl.CA.cert.path"),
        dir,
    )?;
    if let Some(l) = crate::tls::client_cert::listener().filter(|l| l.level > 0) {
        crate::note!(
            "TLS clients {} a certificate (certification_level {}), checked against {} and the \
             system's CAs",
            if l.level == 2 {
                "must present"
            } else {
                "are asked for"
            },
            l.level,
            l.describe()
        );
    }
    let host_sni_policy = records
        .get_int("proxy.config.http.host_sni_policy")
        .unwrap_or(2);
    if let Some(dir) = dir {
        let name = get("proxy.config.ssl.servername.filename");
        let name = if name.is_empty() { "sni.yaml" } else { name };
        crate::tls::sni::configure(&dir.join(name), dir, host_sni_policy)?;
    }
    Ok(())
}

/// proxy.config.cache.ip_allow.filename, relative to the configuration directory.
fn ip_allow_path(records: &Records, dir: &std::path::Path) -> std::path::PathBuf {
    let name = records
        .get_str("proxy.config.cache.ip_allow.filename")
        .filter(|n| !n.is_empty())
        .unwrap_or("ip_allow.yaml");
    dir.join(name)
}

fn per_minute(records: &Records, name: &str, default: i64) -> u32 {
    records
        .get_int(name)
        .unwrap_or(default)
        .clamp(0, u32::MAX as i64) as u32
}

fn secs(records: &Records, name: &str, default: i64) -> Duration {
    Duration::from_secs(records.get_int(name).unwrap_or(default).max(0) as u64)
}

/// ssl_multicert.config at start, with ATS's words: `PATH finished loading`, or a line's error
/// and `FATAL: failed to load SSL certificate file, PATH` (the process exits, as ATS's does).
fn certificates_at_start(records: &Records, dir: &Path) -> Result<Vec<CertKey>, String> {
    let path = multicert_path(records, dir);
    match load_certificates(records, dir) {
        Ok(c) => {
            if path.exists() {
                crate::note!("{} finished loading", path.display());
            }
            Ok(c)
        }
        Err(e) => {
            crate::error!("{e}");
            crate::diags::emit(
                crate::diags::Level::Fatal,
                None,
                &format!("failed to load SSL certificate file, {}", path.display()),
            );
            Err(e)
        }
    }
}

/// Read the network configuration and bind every port (binding happens here, before any plugin
/// sees traffic, so a port in use is a start-up error).
pub fn prepare(records: &Records, setup: &NetSetup) -> Result<Prepared, String> {
    let ip_allow_file = setup.config_dir.map(|d| ip_allow_path(records, d));
    if let Some(dir) = setup.config_dir {
        let d = crate::host::dirs();
        crate::accesslog::start(records, dir, d.log_path.as_deref().unwrap_or(dir))?;
    }
    let ip_allow = match &ip_allow_file {
        Some(f) => crate::config::ip_allow::IpAllow::load(f).map_err(|e| e.to_string())?,
        None => None,
    };
    let (specs, remap, remap_plugins, certs) = match setup.config_dir {
        Some(dir) => {
            let ports = records
                .get_str("proxy.config.http.server_ports")
                .unwrap_or("8080");
            let specs = parse_server_ports(ports)
                .map_err(|e| format!("proxy.config.http.server_ports: {e}"))?;
            let (remap, plugins) =
                crate::plugin::remap::load(&dir.join("remap.config"), setup.plugin_dir)?;
            (specs, remap, plugins, certificates_at_start(records, dir)?)
        }
        None => {
            let lo = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
            let specs = vec![
                PortSpec {
                    port: 8080,
                    tls: false,
                    ipv6: false,
                    addr: lo,
                },
                PortSpec {
                    port: 8443,
                    tls: true,
                    ipv6: false,
                    addr: lo,
                },
            ];
            (specs, RemapTable::default(), Default::default(), Vec::new())
        }
    };
    // Before sni.yaml: its client certificates' contexts take the process's CAs.
    let origin = origin_tls(records, setup.config_dir);
    let tls = if specs.iter().any(|p| p.tls) {
        client_certs_and_sni(records, setup.config_dir)?;
        let certs = if certs.is_empty() {
            crate::note!("no certificate configured (ssl_multicert.config): using a self-signed one for localhost");
            vec![CertKey::self_signed(&["localhost", "127.0.0.1"])?]
        } else {
            certs
        };
        Some(TlsServer::new(&certs)?)
    } else {
        None
    };
    let mut ports = Vec::new();
    for spec in &specs {
        let ip = spec.addr.unwrap_or(if spec.ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        });
        let addr = SocketAddr::new(ip, spec.port);
        let listener = bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        crate::note!(
            "listening on {bound}{}",
            if spec.tls { " (tls)" } else { "" }
        );
        ports.push(Port {
            listener,
            tls: if spec.tls { tls.clone() } else { None },
        });
    }
    let config = SmConfig {
        remap: arc_swap::ArcSwap::from_pointee(
            RemapState::new(remap, remap_plugins).with_ip_allow(ip_allow),
        ),
        remap_required: records
            .get_int("proxy.config.url_remap.remap_required")
            .unwrap_or(1)
            != 0
            && setup.config_dir.is_some(),
        request_header_max: records
            .get_int("proxy.config.http.request_header_max_size")
            .unwrap_or(131072)
            .max(1024) as usize,
        response_header_max: records
            .get_int("proxy.config.http.response_header_max_size")
            .unwrap_or(131072)
            .max(1024) as usize,
        request_line_max: records
            .get_int("proxy.config.http.request_line_max_size")
            .unwrap_or(65535)
            .max(16) as usize,
        header_field_max: records
            .get_int("proxy.config.http.header_field_max_size")
            .unwrap_or(131070)
            .max(16) as usize,
        client_request_timeout: secs(
            records,
            "proxy.config.http.transaction_no_activity_timeout_in",
            30,
        ),
        send_100_continue: records
            .get_int("proxy.config.http.send_100_continue_response")
            .unwrap_or(0)
            != 0,
        scheme_mismatch_policy: records
            .get_int("proxy.config.ssl.client.scheme_proto_mismatch_policy")
            .unwrap_or(2),
        client_active_timeout: secs(
            records,
            "proxy.config.http.transaction_active_timeout_in",
            900,
        ),
        origin_connect_timeout: secs(records, "proxy.config.http.connect_attempts_timeout", 30),
        connect_ports: {
            let v = records
                .get_str("proxy.config.http.connect_ports")
                .unwrap_or("443");
            crate::config::connect_ports::ConnectPorts::parse(v)
                .map_err(|e| format!("proxy.config.http.connect_ports: {e}"))?
        },
        origin_response_timeout: secs(
            records,
            "proxy.config.http.transaction_no_activity_timeout_out",
            30,
        ),
        redirect_actions: redirect_actions(records),
        origin_tls: arc_swap::ArcSwap::from_pointee(origin),
        pristine_host: records
            .get_int("proxy.config.url_remap.pristine_host_hdr")
            .unwrap_or(0)
            != 0,
        insert_xff: records
            .get_int("proxy.config.http.insert_squid_x_forwarded_for")
            .unwrap_or(1)
            != 0,
        keep_alive_in: records
            .get_int("proxy.config.http.keep_alive_enabled_in")
            .unwrap_or(1)
            != 0,
        keep_alive_out: records
            .get_int("proxy.config.http.keep_alive_enabled_out")
            .unwrap_or(1)
            != 0,
        keepalive_internal_vc: records
            .get_int("proxy.config.http.keepalive_internal_vc")
            .unwrap_or(0)
            != 0,
        request_buffer: records
            .get_int("proxy.config.http.request_buffer_enabled")
            .unwrap_or(0)
            != 0,
        insert_via: records
            .get_int("proxy.config.http.insert_request_via_str")
            .unwrap_or(1)
            != 0,
        insert_age: records
            .get_int("proxy.config.http.insert_age_in_response")
            .unwrap_or(1)
            != 0,
        response_server: records
            .get_int("proxy.config.http.response_server_enabled")
            .unwrap_or(1),
        response_server_str: crate::hdrs::text::HStr::new(
            records
                .get_str("proxy.config.http.response_server_str")
                .unwrap_or("ATS/9.2.9")
                .as_bytes(),
        ),
    };
    Ok(Prepared {
        proxy: Arc::new(Proxy {
            config,
            pool: OriginPool::default(),
            draining: Default::default(),
        }),
        ports,
        tls,
        remap_file: setup
            .config_dir
            .map(|d| (d.join("remap.config"), setup.plugin_dir.to_path_buf())),
        ip_allow_file,
        config_dir: setup.config_dir.map(Path::to_path_buf),
        timeouts: ClientTimeouts {
            keep_alive: secs(
                records,
                "proxy.config.http.keep_alive_no_activity_timeout_in",
                120,
            ),
            tls_handshake: secs(records, "proxy.config.ssl.handshake_timeout_in", 30)
                .max(Duration::from_secs(1)),
            tunnel_idle: secs(
                records,
                "proxy.config.net.default_inactivity_timeout",
                86400,
            )
            .max(Duration::from_secs(1)),
            h2: H2Settings {
                max_concurrent_streams: records
                    .get_int("proxy.config.http2.max_concurrent_streams_in")
                    .unwrap_or(100)
                    .clamp(1, u32::MAX as i64) as u32,
                initial_window_size: records
                    .get_int("proxy.config.http2.initial_window_size_in")
                    .unwrap_or(65535)
                    .clamp(1, (1 << 31) - 1) as u32,
                max_header_list_size: records
                    .get_int("proxy.config.http2.max_header_list_size")
                    .unwrap_or(131072)
                    .clamp(1024, u32::MAX as i64) as u32,
                no_activity_timeout: secs(
                    records,
                    "proxy.config.http2.no_activity_timeout_in",
                    120,
                )
                .max(Duration::from_secs(1)),
                active_timeout: secs(records, "proxy.config.http2.active_timeout_in", 0),
                max_pending_resets: records
                    .get_int("proxy.config.http2.max_rst_stream_frames_per_minute")
                    .unwrap_or(200)
                    .clamp(1, 100_000) as usize,
                // ATS 9.2 defaults (mgmt/RecordsConfig.cc); 0 disables a cap.
                max_rst_stream_frames_per_minute: per_minute(
                    records,
                    "proxy.config.http2.max_rst_stream_frames_per_minute",
                    200,
                ),
                max_settings_frames_per_minute: per_minute(
                    records,
                    "proxy.config.http2.max_settings_frames_per_minute",
                    14,
                ),
                max_ping_frames_per_minute: per_minute(
                    records,
                    "proxy.config.http2.max_ping_frames_per_minute",
                    60,
                ),
                max_priority_frames_per_minute: per_minute(
                    records,
                    "proxy.config.http2.max_priority_frames_per_minute",
                    120,
                ),
                min_avg_window_update: records
                    .get_float("proxy.config.http2.min_avg_window_update")
                    .unwrap_or(2560.0)
                    .max(0.0),
                incomplete_header_timeout: secs(
                    records,
                    "proxy.config.http2.incomplete_header_timeout_in",
                    10,
                ),
                settings_ack_timeout: secs(
                    records,
                    "proxy.config.http2.settings_ack_timeout_in",
                    10,
                ),
                push_diary_size: records
                    .get_int("proxy.config.http2.push_diary_size")
                    .unwrap_or(256)
                    .clamp(0, u32::MAX as i64) as u32,
            },
        },
        shutdown_timeout: secs(records, "proxy.config.stop.shutdown_timeout", 30),
    })
}

fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.bind(&addr.into())?;
    s.listen(1024)?;
    Ok(s.into())
}

/// From the start of the process until [`run`] handles them: SIGHUP, SIGUSR1 and SIGUSR2 ignored
/// (their default action ends the process, and a logrotate script sends one whenever it rotates),
/// SIGPIPE ignored for good (a peer or a log reader that went away is an EPIPE on that write, as in
/// ATS; Rust's runtime already ignores it in the tshost binary, this also covers an embedder).
pub fn ignore_signals_until_run() {
    for sig in [libc::SIGPIPE, libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2] {
        // SAFETY: setting a standard signal's disposition to SIG_IGN installs no handler code;
        // run() later replaces the disposition of the last three with tokio's handler.
        unsafe { libc::signal(sig, libc::SIG_IGN) };
    }
}

/// What ATS's traffic_server does on a signal tshost survives without acting on it (yet), for
/// the line it logs.
fn survived(name: &str) -> String {
    let ats = match name {
        "SIGHUP" => {
            "tshost reloads its configuration as `tshost ctl config reload` does (ATS's \
             traffic_server ignores SIGHUP: its reload is `traffic_ctl config reload`)"
        }
        "SIGUSR1" => {
            "ATS dumps its allocator free lists and memory statistics here; tshost has none to \
             dump"
        }
        "SIGUSR2" => {
            "diags.log and the logs a rotation moved are opened again at their paths, as ATS's \
             traffic_server does"
        }
        _ => "nothing more is done",
    };
    format!("{name} received: {ats}; still running")
}

/// ATS's traffic_server looks for the signals it received this often (SignalContinuation).
const SIGNAL_CHECK: Duration = Duration::from_millis(500);

fn signalled(name: &str) -> bool {
    crate::note!("{name}: stopping");
    true
}

/// Serve until SIGINT or SIGTERM (acted on after ATS's signal check period, 500 ms), then stop
/// gracefully. SIGHUP reloads, SIGUSR2 reopens the
/// logs a rotation moved (as ATS), SIGUSR1 is logged and survived; SIGPIPE is ignored
/// ([`ignore_signals_until_run`]).
/// `started` is logged once the signal handlers are in place, then ATS's `Traffic Server is fully
/// initialized.`
///
/// Each of the `threads` network threads (ET_NET, as ATS's) runs a single-threaded tokio runtime
/// of its own: a connection is accepted, handed to the least loaded thread and served there to
/// its end, with the origin connections of that thread: no work stealing, no cross-thread
/// wakeups on the request path. The calling thread keeps the signals and the graceful stop.
pub fn run(prepared: Prepared, threads: usize, started: &str) -> Result<(), String> {
    let threads = threads.max(1);
    let mut joins = Vec::with_capacity(threads);
    let mut workers = Vec::with_capacity(threads);
    let mut exits = Vec::with_capacity(threads);
    for n in 1..=threads {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel::<()>();
        let join = std::thread::Builder::new()
            .name(format!("ET_NET {}", n - 1))
            .spawn(move || {
                super::origin::set_worker(n);
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(format!("runtime: {e}")));
                        return;
                    }
                };
                crate::sched::adopt_network_thread(rt.handle().clone());
                let _ = handle_tx.send(Ok(rt.handle().clone()));
                rt.block_on(async move {
                    let _ = exit_rx.await;
                });
                // Sessions still open after the graceful stop are dropped here.
                rt.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(|e| format!("network thread: {e}"))?;
        let handle = handle_rx
            .recv()
            .map_err(|_| "network thread: died at start".to_string())??;
        joins.push(join);
        workers.push(super::server::Worker::new(handle));
        exits.push(exit_tx);
    }
    let control = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let result = control.block_on(async move {
        // ATS's order (checked beside it): the client SSL_CTX (for origins), the server SSL_CTXs were
        // made, the ports are bound;
        // then PORTS_READY once they accept, and CACHE_READY (ATS fires it with the cache off).
        use crate::hooks::lifecycle::{fire, has};
        use crate::sys::types::TSLifecycleHookID as L;
        if has(L::TS_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED_HOOK) {
            if let Some(ctx) = crate::tls::client_context() {
                use foreign_types_shared::ForeignType;
                fire(
                    L::TS_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED_HOOK,
                    ctx.as_ptr().cast(),
                );
            }
        }
        if has(L::TS_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED_HOOK) {
            for ctx in prepared.tls.iter().flat_map(|t| t.contexts()) {
                fire(L::TS_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED_HOOK, ctx.cast());
            }
        }
        fire(L::TS_LIFECYCLE_PORTS_INITIALIZED_HOOK, std::ptr::null_mut());
        let proxy = prepared.proxy.clone();
        let server = Server::start_on(
            prepared.proxy,
            prepared.ports,
            prepared.timeouts,
            Arc::new(workers),
        )
        .map_err(|e| e.to_string())?;
        use tokio::signal::unix::{signal, SignalKind};
        let on = |kind: SignalKind| signal(kind).map_err(|e| e.to_string());
        let mut term = on(SignalKind::terminate())?;
        let mut int = on(SignalKind::interrupt())?;
        let mut hup = on(SignalKind::hangup())?;
        let mut usr1 = on(SignalKind::user_defined1())?;
        let mut usr2 = on(SignalKind::user_defined2())?;
        // The control socket (tshost ctl, traffic_ctl) and SIGHUP reload the same way.
        let control = Arc::new(super::control::Control {
            reloader: super::reload::Reloader {
                proxy: proxy.clone(),
                config_dir: prepared.config_dir.clone(),
                remap_file: prepared.remap_file.clone(),
                ip_allow_file: prepared.ip_allow_file.clone(),
                tls: prepared.tls.clone(),
            },
            stop: Arc::new(tokio::sync::Notify::new()),
        });
        let socket = prepared
            .config_dir
            .as_ref()
            .and_then(|_| super::control::bind(&crate::host::dirs().runtime_path));
        let serving = socket
            .as_ref()
            .map(|b| super::control::serve(&b.listener, control.clone()));
        // proxy.config.tshost.metrics_port: the Prometheus endpoint (off by default).
        let port = crate::host::records()
            .get_int("proxy.config.tshost.metrics_port")
            .unwrap_or(0);
        let prom = (1..=65535)
            .contains(&port)
            .then(|| super::prometheus::bind(port as u16))
            .flatten();
        let serving = async move {
            let prom = async {
                match &prom {
                    Some(l) => super::prometheus::serve(l).await,
                    None => std::future::pending().await,
                }
            };
            match serving {
                Some(s) => tokio::join!(s, prom).0,
                None => prom.await,
            }
        };
        tokio::pin!(serving);
        fire(L::TS_LIFECYCLE_PORTS_READY_HOOK, std::ptr::null_mut());
        fire(L::TS_LIFECYCLE_CACHE_READY_HOOK, std::ptr::null_mut());
        crate::note!("{started}");
        // ATS's line once plugins are initialised and every port listens (autest waits for it in
        // diags.log).
        crate::note!("Traffic Server is fully initialized.");
        // What plugins left for after start-up (continuations destroyed while loading).
        crate::sched::run_later();
        // As ATS, on a TASK thread (ATS fires it on the last one to start).
        crate::sched::run_on_pool(crate::sched::PoolKind::Task, || {
            fire(
                L::TS_LIFECYCLE_TASK_THREADS_READY_HOOK,
                std::ptr::null_mut(),
            )
        });
        let by_signal = loop {
            tokio::select! {
                _ = term.recv() => break signalled("SIGTERM"),
                _ = int.recv() => break signalled("SIGINT"),
                _ = hup.recv() => {
                    crate::note!("{}", survived("SIGHUP"));
                    // As `traffic_ctl config reload`.
                    let c = control.clone();
                    let _ = tokio::task::spawn_blocking(move || c.reloader.reload()).await;
                }
                _ = control.stop.notified() => {
                    crate::note!("stopping (control socket)");
                    break false;
                }
                _ = &mut serving => {}
                _ = usr1.recv() => crate::note!("{}", survived("SIGUSR1")),
                _ = usr2.recv() => {
                    // ATS's log rotation: diags.log opened again at its path, then the moved
                    // text and access logs.
                    crate::note!("{}", survived("SIGUSR2"));
                    match crate::diags::reseat_log() {
                        Some((name, true)) => crate::note!("Reseated {name}"),
                        Some((name, false)) => crate::note!("Could not reseat {name}"),
                        None => {}
                    }
                    let _ = tokio::task::spawn_blocking(crate::textlog::reopen_moved).await;
                }
            }
        };
        if by_signal {
            // ATS's traffic_server acts on SIGINT and SIGTERM at its signal check (every 500 ms)
            // and exits at its main loop's next 1 s tick, running what is due meanwhile: tshost
            // serves on for one signal check period before it stops.
            let linger = tokio::time::sleep(SIGNAL_CHECK);
            tokio::pin!(linger);
            loop {
                tokio::select! {
                    _ = &mut linger => break,
                    _ = &mut serving => {}
                }
            }
        }
        if let Some(b) = &socket {
            b.remove();
        }
        fire(L::TS_LIFECYCLE_SHUTDOWN_HOOK, std::ptr::null_mut());
        let left = server.shutdown(prepared.shutdown_timeout).await;
        if left > 0 {
            crate::warning!(
                "{left} session(s) still open after proxy.config.stop.shutdown_timeout; exiting"
            );
        } else {
            crate::note!("all sessions closed");
        }
        Ok(())
    });
    for exit in exits {
        let _ = exit.send(());
    }
    for join in joins {
        let _ = join.join();
    }
    // The remap table, and with it every remap plugin instance (TSRemapDeleteInstance), went with
    // the last session; then each remap plugin's TSRemapDone.
    crate::plugin::remap::shutdown();
    result
}

/// proxy.config.http.redirect.actions; ATS's default when it does not parse (said once).
fn redirect_actions(
    records: &crate::config::records::Records,
) -> crate::config::redirect::RedirectActions {
    let name = "proxy.config.http.redirect.actions";
    let text = records.get_str(name).unwrap_or_default();
    crate::config::redirect::RedirectActions::parse(text).unwrap_or_else(|e| {
        crate::error!("{name}: {e}; using routable:follow");
        Default::default()
    })
}
