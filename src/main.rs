//! The `tshost` command: load an ATS-format configuration directory and its plugins, and serve.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

// Rust's own allocations (headers, buffers, tasks) go to mimalloc: the request path allocates
// per transaction, and glibc's malloc showed as about a tenth of its profile. Memory that crosses
// the C boundary (TSmalloc/TSfree, strings plugins free) stays with the C library's allocator.
#[global_allocator]
static ALLOC: tshost::abi::mem::MiAlloc = tshost::abi::mem::MiAlloc;

/// tshost: runs Apache Traffic Server 9.2 C plugins, unchanged, in a Rust reverse proxy.
///
/// Reads records.config, plugin.config, remap.config and ssl_multicert.config from the
/// configuration directory (each optional: defaults apply), loads every plugin in order
/// (TSPluginInit), listens on proxy.config.http.server_ports and proxies until SIGINT or SIGTERM.
/// Without a configuration directory it listens on 127.0.0.1:8080 and 127.0.0.1:8443 (TLS, with a
/// self-signed certificate) and forwards requests to the host they name.
#[derive(Parser, Debug)]
#[command(name = "tshost", version = concat!(env!("CARGO_PKG_VERSION"), " (ATS plugin API 9.2.9)"))]
struct Cli {
    /// Configuration directory (records.config, plugin.config, remap.config,
    /// ssl_multicert.config).
    #[arg(long, short = 'c', value_name = "DIR", env = "TSHOST_CONFIG_DIR")]
    config_dir: Option<PathBuf>,

    /// Load the configuration and the plugins, then exit (0 if everything loaded), like
    /// `traffic_server -C verify_config`. Does not listen.
    #[arg(long)]
    check: bool,
}

fn fail(msg: &str, code: u8) -> ExitCode {
    tshost::diags::emit(
        tshost::diags::Level::Error,
        None,
        &format!("start-up failed: {msg}"),
    );
    ExitCode::from(code)
}

fn main() -> ExitCode {
    tshost::proxy::start::ignore_signals_until_run();
    tshost::abi::mem::disable_transparent_huge_pages();
    let cli = Cli::parse();
    let started = match &cli.config_dir {
        Some(dir) => tshost::host::start(dir),
        None => tshost::host::start_with_defaults(),
    };
    if let Err(e) = started {
        // ATS exits with 70 (EX_SOFTWARE) when a plugin cannot be loaded.
        return fail(&e, 70);
    }
    let plugins = tshost::plugin::loader::loaded();
    let names = plugins
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "tshost {} started: {} plugin(s) loaded{}",
        env!("CARGO_PKG_VERSION"),
        plugins.len(),
        if names.is_empty() {
            String::new()
        } else {
            format!(" ({names})")
        }
    );
    if cli.check {
        tshost::note!("{summary}");
        return ExitCode::SUCCESS;
    }
    let records = tshost::host::records();
    let setup = tshost::proxy::start::NetSetup {
        config_dir: cli.config_dir.as_deref(),
    };
    let prepared = match tshost::proxy::start::prepare(records, &setup) {
        Ok(p) => p,
        Err(e) => return fail(&e, 1),
    };
    let threads = records
        .get_int("proxy.config.exec_thread.limit")
        .unwrap_or(2)
        .max(1) as usize;
    match tshost::proxy::start::run(prepared, threads, &summary) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, 1),
    }
}
