//! The `tshost` command: load an ATS-format configuration directory and its plugins, and serve.
//!
//! Started under the name `traffic_server` (a symlink), it takes ATS's `traffic_server` command
//! line and layout instead (src/tscli.rs, src/layout.rs), so that ATS's own tooling (autest, init
//! scripts) can start it as it starts ATS.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use tshost::layout::Layout;
use tshost::tscli::{self, Parsed};

// Rust's own allocations (headers, buffers, tasks) go to mimalloc: the request path allocates
// per transaction, and glibc's malloc showed as about a tenth of its profile. Memory that crosses
// the C boundary (TSmalloc/TSfree, strings plugins free) stays with the C library's allocator.
#[global_allocator]
static ALLOC: tshost::rt::alloc::MiAlloc = tshost::rt::alloc::MiAlloc;

/// tshost: runs Apache Traffic Server 9.2 C plugins, unchanged, in a Rust reverse proxy.
///
/// Reads records.config, plugin.config, remap.config and ssl_multicert.config from the
/// configuration directory (each optional: defaults apply), loads every plugin in order
/// (TSPluginInit), listens on proxy.config.http.server_ports and proxies until SIGINT or SIGTERM.
/// Without a configuration directory it listens on 127.0.0.1:8080 and 127.0.0.1:8443 (TLS, with a
/// self-signed certificate) and forwards requests to the host they name. Started through a
/// symlink named traffic_server, it takes traffic_server's options and layout instead
/// (TS_ROOT, PROXY_CONFIG_CONFIG_DIR, --bind_stdout, -C verify_config, ...).
///
/// `tshost ctl [--config-dir DIR] COMMAND` controls a running tshost as traffic_ctl controls
/// ATS (config reload, config get, metric get, plugin msg, server stop/drain): see
/// `tshost ctl --help`. `tshost plugin-check X.so` says, without loading it, whether a plugin
/// would load (its kind and the functions tshost lacks).
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
    tshost::rt::alloc::disable_transparent_huge_pages();
    let argv: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str());
    if invoked_as == Some("traffic_server") {
        return traffic_server(&argv);
    }
    let words = || -> Vec<String> {
        argv.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    };
    if invoked_as == Some("traffic_ctl") {
        return ExitCode::from(tshost::ctl::main("traffic_ctl", &words()[1..]));
    }
    if argv.get(1).is_some_and(|a| a == "ctl") {
        return ExitCode::from(tshost::ctl::main("tshost ctl", &words()[2..]));
    }
    if argv.get(1).is_some_and(|a| a == "plugin-check") {
        return ExitCode::from(plugin_check(&words()[2..]));
    }
    let cli = Cli::parse();
    let started = match &cli.config_dir {
        Some(dir) => tshost::host::start(dir),
        None => tshost::host::start_with_defaults(),
    };
    if let Err(e) = started {
        // ATS exits with 70 (EX_SOFTWARE) when a plugin cannot be loaded.
        return fail(&e, 70);
    }
    let summary = summary();
    if cli.check {
        tshost::note!("{summary}");
        flush_text_logs();
        return ExitCode::SUCCESS;
    }
    serve(cli.config_dir.as_deref(), &summary, 0)
}

/// `tshost plugin-check X.so...`: which symbols each plugin needs that tshost's process would not
/// have, and its kind; 0 when all would load, 1 when one would not, 2 for a usage error or a file
/// that is not a shared object.
fn plugin_check(args: &[String]) -> u8 {
    if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!(
            "Usage: tshost plugin-check PLUGIN.so...\n\nReads each plugin's dynamic symbols \
             (nothing is loaded) and says whether it is a global or remap plugin and which \
             functions tshost lacks.\nExit status: 0 all would load, 1 one would not, 2 usage \
             or unreadable file."
        );
        return 2;
    }
    let host = match std::env::current_exe() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("tshost plugin-check: cannot find tshost's own binary: {e}");
            return 2;
        }
    };
    let mut status = 0;
    for plugin in args {
        let name = Path::new(plugin)
            .file_name()
            .map_or(plugin.clone(), |n| n.to_string_lossy().into_owned());
        let r = match tshost::plugin::check::check(
            Path::new(plugin),
            &host,
            tshost::plugin::hostlibs::HOST_LIBRARIES,
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("tshost plugin-check: {e}");
                status = 2;
                continue;
            }
        };
        let kind = match (r.global, r.remap) {
            (true, true) => "a global and remap plugin (TSPluginInit, TSRemapInit)",
            (true, false) => "a global plugin (TSPluginInit)",
            (false, true) => "a remap plugin (TSRemapInit)",
            (false, false) => "not a plugin: it defines neither TSPluginInit nor TSRemapInit",
        };
        println!("{name}: {kind}");
        if r.missing_api.is_empty() {
            println!("{name}: all {} ATS API symbols resolved", r.api_needed);
        } else {
            println!(
                "{name}: {} of {} ATS API symbols missing in tshost: {}",
                r.missing_api.len(),
                r.api_needed,
                r.missing_api.join(", ")
            );
        }
        if !r.missing_other.is_empty() {
            println!(
                "{name}: {} other symbol(s) no library in reach defines: {}",
                r.missing_other.len(),
                r.missing_other.join(", ")
            );
        }
        if !r.missing_libs.is_empty() {
            println!("{name}: libraries not found: {}", r.missing_libs.join(", "));
        }
        println!(
            "{name}: {}",
            if r.ok() {
                "would load"
            } else {
                "would not load"
            }
        );
        if !r.ok() && status == 0 {
            status = 1;
        }
    }
    status
}

/// `tshost X started: N plugin(s) loaded (names)`.
fn summary() -> String {
    let plugins = tshost::plugin::loader::loaded();
    let names = plugins
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "tshost {} started: {} plugin(s) loaded{}",
        env!("CARGO_PKG_VERSION"),
        plugins.len(),
        if names.is_empty() {
            String::new()
        } else {
            format!(" ({names})")
        }
    )
}

/// Bind the ports and proxy until SIGINT/SIGTERM. `net_threads` > 0 replaces
/// proxy.config.exec_thread.limit.
fn serve(config_dir: Option<&Path>, summary: &str, net_threads: i64) -> ExitCode {
    let records = tshost::host::records();
    let plugin_dir = tshost::host::dirs().plugin_path.clone();
    let setup = tshost::proxy::start::NetSetup {
        config_dir,
        plugin_dir: &plugin_dir,
    };
    let prepared = match tshost::proxy::start::prepare(records, &setup) {
        Ok(p) => p,
        Err(e) => return fail(&e, 1),
    };
    let threads = if net_threads > 0 {
        net_threads
    } else {
        records
            .get_int("proxy.config.exec_thread.limit")
            .unwrap_or(2)
    }
    .max(1) as usize;
    let result = tshost::proxy::start::run(prepared, threads, summary);
    flush_text_logs();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, 1),
    }
}

/// The plugins' text logs at exit: what they wrote goes to their files (within 5 s).
fn flush_text_logs() {
    if !tshost::textlog::flush_all(std::time::Duration::from_secs(5)) {
        tshost::warning!("text logs: the log writer did not finish within 5 s; lines may be lost");
    }
}

/// C's strerror text of an OS error (io::Error's Display adds " (os error N)").
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Open `path` for appending (created 0644) and make it file descriptor `fd`, as traffic_server's
/// `--bind_stdout` / `--bind_stderr`. A file that cannot be opened is reported on stdout in ATS's
/// words and that stream stays as it was.
fn bind_output(path: &str, fd: libc::c_int) {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
    {
        Ok(f) => {
            // SAFETY: dup2 onto a standard descriptor from a file we own; the original is closed
            // when `f` drops, the duplicate stays.
            unsafe { libc::dup2(f.as_raw_fd(), fd) };
        }
        Err(e) => println!(
            "[Warning]: TS unable to open log file \"{path}\" [{} '{}']",
            e.raw_os_error().unwrap_or(0),
            strerror(&e)
        ),
    }
}

/// tshost started as `traffic_server`: ATS's command line, layout and maintenance commands.
fn traffic_server(argv: &[OsString]) -> ExitCode {
    let argv: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env = |name: &str| std::env::var(name).ok();
    let args = match tscli::parse(&argv, &env) {
        Parsed::Run(a) => a,
        Parsed::Usage => {
            eprint!("{}", tscli::usage());
            return ExitCode::from(64);
        }
        Parsed::Version => {
            println!("{}", tscli::version());
            return ExitCode::SUCCESS;
        }
    };
    let (layout, layout_notes) = match Layout::for_traffic_server(
        args.run_root.as_deref(),
        &env,
        &tshost::host::install_dir(),
    ) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("traffic_server: {e}");
            return ExitCode::from(1);
        }
    };
    // As traffic_server: work from the layout's root (relative paths on the command line and in
    // plugin arguments are relative to it).
    if let Some(prefix) = layout.as_ref().and_then(|l| l.prefix.as_deref()) {
        if let Err(e) = std::env::set_current_dir(prefix) {
            eprintln!(
                "traffic_server: unable to change to root directory \"{}\" [{} '{}']",
                prefix.display(),
                e.raw_os_error().unwrap_or(0),
                strerror(&e)
            );
            eprintln!(
                "traffic_server: please correct the path or set the TS_ROOT environment variable"
            );
            return ExitCode::from(1);
        }
    }
    // The banner and the root go to the stdout traffic_server was started with: ATS prints them
    // before it binds its outputs (so they are not in autest's traffic.out).
    println!(
        "Traffic Server 9.2.9 (tshost {})",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(prefix) = layout.as_ref().and_then(|l| l.prefix.as_deref()) {
        println!(
            "traffic_server: using root directory '{}'",
            prefix.display()
        );
    }
    if !args.bind_stdout.is_empty() {
        bind_output(&args.bind_stdout, libc::STDOUT_FILENO);
    }
    if !args.bind_stderr.is_empty() {
        bind_output(&args.bind_stderr, libc::STDERR_FILENO);
    }
    tshost::diags::set_program_name("traffic_server");
    for n in &layout_notes {
        tshost::note!("{n}");
    }
    for (option, reason) in &args.ignored {
        tshost::note!("traffic_server option {option} ignored: {reason}");
    }
    if !args.rest.is_empty() {
        tshost::note!(
            "traffic_server arguments after the options ignored (as ATS does): {}",
            args.rest.join(" ")
        );
    }
    let overrides = tshost::tscmd::overrides(&args);
    if !args.command.is_empty() {
        return ExitCode::from(tshost::tscmd::run(&args, layout.as_ref(), &overrides));
    }
    let Some(layout) = layout else {
        tshost::note!(
            "no TS_ROOT, runroot or PROXY_CONFIG_CONFIG_DIR: tshost's built-in defaults (no \
             configuration directory)"
        );
        if let Err(e) = tshost::host::start_with_defaults() {
            return fail(&e, 70);
        }
        return serve(None, &summary(), args.net_threads);
    };
    if let Err(e) = tshost::host::start_layout(&layout, &overrides) {
        // ATS: FATAL (a plugin that cannot be loaded), exit 70.
        tshost::diags::emit(tshost::diags::Level::Fatal, None, &e);
        return ExitCode::from(70);
    }
    serve(Some(&layout.config), &summary(), args.net_threads)
}
