//! `tshost ctl` and tshost started as `traffic_ctl`: traffic_ctl's commands sent to a running
//! tshost over its control socket (src/ctlproto.rs, served by src/proxy/control.rs).
//!
//! The process is found by its configuration directory: `tshost ctl --config-dir DIR` (or
//! `$TSHOST_CONFIG_DIR`) for a tshost started with `--config-dir DIR`; as `traffic_ctl`, by
//! traffic_ctl's `--run-root` and `$TS_RUNROOT` (or `$TS_ROOT`, `$PROXY_CONFIG_CONFIG_DIR`), as
//! traffic_server finds its layout. The socket is in that process's runtime directory
//! (`proxy.config.local_state_dir`).
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ctlproto::{self, Reply};
use crate::layout::Layout;

const USAGE: &str = "\
Usage: tshost ctl [--config-dir DIR] COMMAND [ARGS ...]
       traffic_ctl [--run-root PATH] COMMAND [ARGS ...]

Sends a command to the tshost that runs with this configuration directory (traffic_ctl's commands):
    config reload                 read records.config, remap.config, ip_allow.yaml, sni.yaml,
                                  ssl_multicert.config and the ticket key file again
    config get NAME...            print records (NAME: VALUE)
    config match REGEX...         print the records whose names match
    metric get NAME...            print metrics (NAME VALUE): the plugins' stats
    metric match [REGEX...]       print the metrics whose names match
    plugin msg TAG [DATA]         deliver TS_LIFECYCLE_MSG_HOOK to the plugins
    server stop                   stop the proxy (as SIGTERM)
    server drain [--undo]         close client connections after their response (or stop that)

Options:
    -c, --config-dir DIR          the proxy's configuration directory ($TSHOST_CONFIG_DIR)
        --run-root PATH           a runroot, as traffic_ctl's ($TS_RUNROOT)
        --debug                   print what is sent and where
    -h, --help                    this text
    -V, --version                 the version

Exit status: 0 done, 2 failed (or the proxy could not be reached), 3 not implemented. As
traffic_ctl, `config reload` exits 0 once the reload was asked for, as ATS's does (the log says
what did not load); `tshost ctl config reload` exits 2 when a file did not load.
";

/// Run the command line `args` (after the program name, and after `ctl` for `tshost ctl`);
/// `program` names the command in messages. Returns the exit status.
pub fn main(program: &str, args: &[String]) -> u8 {
    let env = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let mut config_dir = env("TSHOST_CONFIG_DIR").map(PathBuf::from);
    let mut run_root = None;
    let mut debug = false;
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if !words.is_empty() {
            words.push(a.clone());
            continue;
        }
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned());
        match flag {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ctlproto::EXIT_OK;
            }
            "-V" | "--version" => {
                println!("{program} (tshost {})", env!("CARGO_PKG_VERSION"));
                return ctlproto::EXIT_OK;
            }
            "--debug" => debug = true,
            "-c" | "--config-dir" => match value() {
                Some(v) => config_dir = Some(PathBuf::from(v)),
                None => return usage_error(program, &format!("{flag} needs a value")),
            },
            "--run-root" => match value() {
                Some(v) => run_root = Some(v),
                None => return usage_error(program, &format!("{flag} needs a value")),
            },
            f if f.starts_with('-') => {
                return usage_error(program, &format!("unknown option {f}"));
            }
            _ => words.push(a.clone()),
        }
    }
    if words.is_empty() {
        return usage_error(program, "no command given");
    }
    let runtime = match runtime_dir(config_dir.as_deref(), run_root.as_deref(), &env) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{program}: {e}");
            return ctlproto::EXIT_ERROR;
        }
    };
    let socket = ctlproto::socket_path(&runtime);
    if debug {
        eprintln!(
            "{program}: sending '{}' to {}",
            words.join(" "),
            socket.display()
        );
    }
    match send(&socket, &words) {
        Ok(reply) => {
            print!("{}", reply.out);
            eprint!("{}", reply.err);
            let _ = std::io::stdout().flush();
            // traffic_ctl only asks for a reload: it exits 0 and the log says what did not load
            // (ATS's reload is asynchronous). `tshost ctl` waits for it and says.
            if program == "traffic_ctl" && words == ["config", "reload"] {
                ctlproto::EXIT_OK
            } else {
                reply.code
            }
        }
        Err(e) => {
            eprintln!(
                "{program}: cannot reach tshost at {}: {e} (is it running with this \
                 configuration directory?)",
                socket.display()
            );
            ctlproto::EXIT_ERROR
        }
    }
}

fn usage_error(program: &str, what: &str) -> u8 {
    eprintln!("{program}: {what}");
    eprint!("{USAGE}");
    ctlproto::EXIT_ERROR
}

/// The runtime directory of the process to talk to.
fn runtime_dir(
    config_dir: Option<&Path>,
    run_root: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PathBuf, String> {
    let layout = match config_dir {
        Some(dir) => Layout::config_dir(dir),
        None => {
            let (layout, _notes) =
                Layout::for_traffic_server(run_root, env, &crate::host::install_dir())?;
            match layout {
                Some(l) => l,
                None => Layout::under_prefix(&crate::host::install_dir(), None),
            }
        }
    };
    crate::host::runtime_dir_for(&layout)
}

/// Send `words` and read the reply (10 s for each; a reload that takes longer is still done by
/// the proxy, only its report is lost).
fn send(socket: &Path, words: &[String]) -> Result<Reply, String> {
    let dir = std::fs::File::open(socket.parent().unwrap_or(Path::new("/")))
        .map_err(|e| e.to_string())?;
    let addr = ctlproto::addressable(socket, &dir);
    let mut s = std::os::unix::net::UnixStream::connect(&addr).map_err(|e| e.to_string())?;
    let limit = Some(Duration::from_secs(10));
    s.set_read_timeout(limit).map_err(|e| e.to_string())?;
    s.set_write_timeout(limit).map_err(|e| e.to_string())?;
    s.write_all(&ctlproto::encode_request(words))
        .and_then(|_| s.shutdown(std::net::Shutdown::Write))
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.take(ctlproto::MAX_REPLY as u64)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Reply::decode(&buf)
}
