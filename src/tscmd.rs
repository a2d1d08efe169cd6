//! `traffic_server`'s command line acted on: the records its options set (`-T`, `-p`, `-n`) and
//! its `-C` commands (verify_config, verify_global_plugin, verify_remap_plugin, help, and the
//! cache commands tshost has nothing to do for), with ATS 9.2.9's lines and exit codes.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use crate::config::records::RecValue;
use crate::layout::Layout;
use crate::tscli::{self, TsArgs};

/// The command line's settings as records: `-T` (debug on with these tags), `-p` (ports), `-n`
/// (network threads).
pub fn overrides(args: &TsArgs) -> Vec<(&'static str, RecValue)> {
    let mut o = Vec::new();
    if !args.debug_tags.is_empty() {
        o.push(("proxy.config.diags.debug.enabled", RecValue::Int(1)));
        o.push((
            "proxy.config.diags.debug.tags",
            RecValue::String(args.debug_tags.clone()),
        ));
    }
    if let Some(p) = &args.httpport {
        o.push((
            "proxy.config.http.server_ports",
            RecValue::String(p.clone()),
        ));
    }
    if args.net_threads > 0 {
        o.push((
            "proxy.config.exec_thread.limit",
            RecValue::Int(args.net_threads),
        ));
    }
    o
}

/// `traffic_server -C COMMAND`: returns the exit code.
pub fn run(args: &TsArgs, layout: Option<&Layout>, overrides: &[(&str, RecValue)]) -> u8 {
    let name = tscli::command_name(&args.command);
    let argument = tscli::command_argument(&args.command);
    let known = tscli::COMMANDS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(n, _)| *n);
    if known != Some("verify_config") {
        // Diagnostics go to diags.log too, as in ATS: configure (records, log directory) without
        // loading any plugin.
        if let Some(l) = layout {
            if let Err(e) = crate::host::configure(l, overrides) {
                crate::error!("{e}");
            }
        }
    }
    match known {
        Some("verify_config") => verify_config(args, layout, overrides),
        Some(kind @ ("verify_global_plugin" | "verify_remap_plugin")) => {
            let kind = if kind == "verify_global_plugin" {
                crate::verify::PluginKind::Global
            } else {
                crate::verify::PluginKind::Remap
            };
            crate::verify::verify_plugin(argument, kind) as u8
        }
        Some("help") => {
            print!("HELP\n\n");
            match argument.filter(|a| !a.is_empty()) {
                None => {
                    print!("{}", tscli::command_list());
                    0
                }
                Some(a) => {
                    let want = tscli::command_name(a);
                    match tscli::COMMANDS
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(want))
                    {
                        Some((n, d)) => {
                            print!("Help for: {n}\n\n{d}\n");
                            0
                        }
                        None => {
                            print!("\nno help found for: {a}\n");
                            1
                        }
                    }
                }
            }
        }
        Some(other) => {
            // list, check, clear, clear_cache, clear_hostdb.
            crate::note!("-C {other}: tshost has no cache or HostDB, nothing to do");
            0
        }
        None => {
            crate::warning!("unrecognized command: '{}'", args.command);
            print!(
                "\nWARNING: Unrecognized command: '{}'\n\n{}",
                args.command,
                tscli::command_list()
            );
            1
        }
    }
}

/// `-C verify_config`: load records.config, plugin.config (initialising the plugins, as ATS),
/// remap.config and ssl_multicert.config, and say how each went in ATS's words. The exit code is
/// ATS's bit mask: 1 remap.config, 2 records.config, 4 plugin.config, 8 ssl_multicert.config.
fn verify_config(args: &TsArgs, layout: Option<&Layout>, overrides: &[(&str, RecValue)]) -> u8 {
    eprint!("NOTE: VERIFY\n\n");
    let mut layout = match layout {
        Some(l) => l.clone(),
        None => Layout::config_dir(Path::new(".")),
    };
    if !args.conf_dir.is_empty() {
        eprint!("NOTE: VERIFY config dir: {}...\n\n", args.conf_dir);
        layout.config = PathBuf::from(&args.conf_dir);
    }
    let mut status = 0u8;
    let records_ok = match crate::host::configure(&layout, overrides) {
        Ok(()) => true,
        Err(e) => {
            crate::error!("{e}");
            false
        }
    };
    if records_ok {
        if let Err(e) = crate::host::load_plugins() {
            crate::error!("{e}");
            status |= 1 << 2;
            eprint!("ERROR: Failed to load plugin.config, exitStatus {status}\n\n");
        } else {
            eprint!("INFO: Successfully loaded plugin.config\n\n");
        }
    } else {
        status |= 1 << 2;
        eprint!("ERROR: Failed to load plugin.config, exitStatus {status}\n\n");
    }
    let dir = layout.config.as_path();
    // As ATS: loading remap.config loads its remap plugins and makes their instances.
    match crate::plugin::remap::load(&dir.join("remap.config"), &crate::host::dirs().plugin_path) {
        Ok(_) => eprint!("INFO: Successfully loaded remap.config\n\n"),
        Err(e) => {
            crate::error!("{e}");
            status |= 1;
            eprint!("ERROR: Failed to load remap.config, exitStatus {status}\n\n");
        }
    }
    if records_ok {
        eprint!("INFO: Successfully loaded records.config\n\n");
    } else {
        status |= 1 << 1;
        eprint!("ERROR: Failed to load records.config, exitStatus {status}\n\n");
    }
    match crate::proxy::tls_files::load_certificates(crate::host::records(), dir) {
        Ok(_) => eprint!("INFO: Successfully loaded ssl multicert.config\n\n"),
        Err(e) => {
            crate::error!("{e}");
            status |= 1 << 3;
            eprint!("ERROR: Failed to load ssl multicert.config, exitStatus {status}\n\n");
        }
    }
    eprint!("INFO: Successfully initialized SSL client context\n\n");
    status
}
