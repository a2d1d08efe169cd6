//! The `tshost` command: load an ATS-format configuration directory and its plugins, and serve.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// tshost: runs Apache Traffic Server 9.2 C plugins, unchanged, in a Rust host.
///
/// Reads records.config (optional: defaults apply) and plugin.config from the configuration
/// directory, loads every plugin in order (TSPluginInit) and runs until SIGINT or SIGTERM.
#[derive(Parser, Debug)]
#[command(name = "tshost", version = concat!(env!("CARGO_PKG_VERSION"), " (ATS plugin API 9.2.9)"))]
struct Cli {
    /// Configuration directory (records.config, plugin.config). Without it tshost runs on
    /// built-in defaults with no plugins.
    #[arg(long, short = 'c', value_name = "DIR", env = "TSHOST_CONFIG_DIR")]
    config_dir: Option<PathBuf>,

    /// Load the configuration and the plugins, then exit (0 if everything loaded), like
    /// `traffic_server -C verify_config`.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Installed before anything is logged, so a signal sent as soon as start-up is reported is
    // handled.
    let signals = match signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ]) {
        Ok(s) => s,
        Err(e) => {
            tshost::error!("cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = match &cli.config_dir {
        Some(dir) => tshost::host::start(dir),
        None => tshost::host::start_with_defaults(),
    };
    if let Err(e) = started {
        tshost::diags::emit(
            tshost::diags::Level::Error,
            None,
            &format!("start-up failed: {e}"),
        );
        // ATS exits with 70 (EX_SOFTWARE) when a plugin cannot be loaded.
        return ExitCode::from(70);
    }
    let plugins = tshost::plugin::loader::loaded();
    tshost::note!(
        "tshost {} started: {} plugin(s) loaded{}",
        env!("CARGO_PKG_VERSION"),
        plugins.len(),
        if plugins.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                plugins
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if cli.check {
        return ExitCode::SUCCESS;
    }
    let mut signals = signals;
    if let Some(sig) = signals.forever().next() {
        tshost::note!("signal {sig} received, shutting down");
    }
    tshost::host::stop();
    ExitCode::SUCCESS
}
