//! `traffic_server`'s command line (ATS 9.2.9's `ink_args` rules), for when tshost is started under
//! that name (a symlink `traffic_server`), as ATS's autest and init scripts start ATS.
//!
//! The rules, as ATS's `process_args`: a long option is `--name` exactly, its value the next
//! argument (`--name=value` is not understood, except `--run-root=PATH`, which is read apart);
//! short options may be combined (`-Kk`), and the rest of a short option's argument, or else the
//! next argument, is its value (`-Cverify_config`, `-C verify_config`); the first argument that
//! does not start with `-` ends the options (it and the rest are ignored, as traffic_server does).
//! Some options have an environment variable, read first, that the command line overrides
//! (PROXY_BIND_STDOUT, PROXY_COMMAND_STRING, ...). An unknown option, or one missing its value,
//! prints the usage on stderr and exits 64 (EX_USAGE); `-h`/`--help` does the same; `-V` prints the
//! version on stdout and exits 0.
#![forbid(unsafe_code)]

/// What kind of value an option takes (ATS's type letters).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// `T`: each use flips it.
    Toggle,
    /// `F`: each use sets it.
    On,
    /// `I`: an integer (atoi).
    Int,
    /// `S`: a string.
    Str,
    Help,
    Version,
    RunRoot,
}

struct Opt {
    name: &'static str,
    key: Option<char>,
    kind: Kind,
    env: Option<&'static str>,
    /// Default as the usage table shows it.
    default: &'static str,
    description: &'static str,
    /// Why tshost accepts it without acting on it (None: acted on).
    ignored: Option<&'static str>,
}

const fn opt(
    name: &'static str,
    key: Option<char>,
    kind: Kind,
    env: Option<&'static str>,
    default: &'static str,
    description: &'static str,
    ignored: Option<&'static str>,
) -> Opt {
    Opt {
        name,
        key,
        kind,
        env,
        default,
        description,
        ignored,
    }
}

use Kind::{Help, Int, On, RunRoot, Str, Toggle, Version};

/// traffic_server 9.2.9's options (Debian's build, with the regression options), in its usage
/// order (by name, ignoring case).
const OPTIONS: &[Opt] = &[
    opt("accept_mss", None, Int, None, "0", "MSS for client connections",
        Some("tshost does not set the MSS of accepted connections")),
    opt("accept_thread", Some('a'), Toggle, Some("PROXY_ACCEPT_THREAD"), "false",
        "Use an Accept Thread", Some("tshost accepts on its own control thread")),
    opt("action_tags", Some('B'), Str, Some("PROXY_BEHAVIOR_TAGS"), "",
        "Vertical-bar-separated Behavior Tags", Some("tshost has no behavior tags")),
    opt("bind_stderr", None, Str, Some("PROXY_BIND_STDERR"), "", "Regular file to bind stderr to", None),
    opt("bind_stdout", None, Str, Some("PROXY_BIND_STDOUT"), "", "Regular file to bind stdout to", None),
    opt("block", None, Toggle, None, "false", "block for debug attach",
        Some("tshost does not wait for a debugger")),
    opt("clear_cache", Some('K'), On, Some("PROXY_CLEAR_CACHE"), "false", "Clear Cache on Startup",
        Some("tshost has no cache")),
    opt("clear_hostdb", Some('k'), On, Some("PROXY_CLEAR_HOSTDB"), "false", "Clear HostDB on Startup",
        Some("tshost has no HostDB")),
    opt("command", Some('C'), Str, Some("PROXY_COMMAND_STRING"), "",
        "Maintenance Command to Execute\n      Commands: list, check, clear, clear_cache, clear_hostdb, \
         verify_config, verify_global_plugin, verify_remap_plugin, help", None),
    opt("conf_dir", Some('D'), Str, Some("PROXY_CONFIG_CONFIG_DIR"), "", "config dir to verify", None),
    opt("debug_tags", Some('T'), Str, Some("PROXY_DEBUG_TAGS"), "", "Vertical-bar-separated Debug Tags", None),
    opt("disable_freelist", Some('f'), Toggle, Some("PROXY_DPRINTF_LEVEL"), "false",
        "Disable the freelist memory allocator", Some("tshost has no freelist allocator")),
    opt("disable_pfreelist", Some('F'), Toggle, Some("PROXY_DPRINTF_LEVEL"), "false",
        "Disable the freelist memory allocator in ProxyAllocator", Some("tshost has no freelist allocator")),
    opt("help", Some('h'), Help, None, "", "Print usage information", None),
    opt("httpport", Some('p'), Str, Some("PROXY_HTTP_ACCEPT_PORT"), "(null)", "Port descriptor for HTTP Accept", None),
    opt("interval", Some('i'), Int, Some("PROXY_STATS_INTERVAL"), "0", "Statistics Interval",
        Some("tshost prints no periodic statistics")),
    opt("maxRecords", Some('m'), Int, Some("PROXY_MAX_RECORDS"), "2500",
        "Max number of librecords metrics and configurations (default & minimum: 1600)",
        Some("tshost's records have no fixed maximum")),
    opt("net_threads", Some('n'), Int, Some("PROXY_NET_THREADS"), "", "Number of Net Threads", None),
    opt("poll_timeout", Some('t'), Int, None, "-1", "poll timeout in milliseconds",
        Some("tshost's event loops wait on their own timers")),
    opt("regression", Some('R'), Int, Some("PROXY_REGRESSION"), "0", "Regression Level (quick:1..long:3)",
        Some("tshost has no built-in regression tests")),
    opt("regression_list", Some('l'), Toggle, Some("PROXY_REGRESSION_LIST"), "false", "List Regression Tests",
        Some("tshost has no built-in regression tests")),
    opt("regression_test", Some('r'), Str, Some("PROXY_REGRESSION_TEST"), "", "Run Specific Regression Test",
        Some("tshost has no built-in regression tests")),
    opt("remote_management", Some('M'), Toggle, Some("PROXY_REMOTE_MANAGEMENT"), "false", "Remote Management",
        Some("tshost runs without traffic_manager")),
    opt("run-root", None, RunRoot, None, "", "using TS_RUNROOT as sandbox", None),
    opt("udp_threads", Some('U'), Int, Some("PROXY_UDP_THREADS"), "0", "Number of UDP Threads",
        Some("tshost has no UDP (QUIC) threads")),
    opt("version", Some('V'), Version, None, "", "Print version string", None),
];

/// The parsed command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TsArgs {
    /// `--bind_stdout FILE` ("" = not given).
    pub bind_stdout: String,
    /// `--bind_stderr FILE`.
    pub bind_stderr: String,
    /// `-C COMMAND` (with its arguments: `verify_global_plugin PATH`).
    pub command: String,
    /// `-D DIR`: the configuration directory `verify_config` checks.
    pub conf_dir: String,
    /// `-T TAGS`: debug output on for these tags (records' tags replaced).
    pub debug_tags: String,
    /// `-p PORTS`: replaces proxy.config.http.server_ports.
    pub httpport: Option<String>,
    /// `-n N`: network threads (proxy.config.exec_thread.limit); 0 = from records.
    pub net_threads: i64,
    /// `--run-root=PATH`.
    pub run_root: Option<String>,
    /// Options given that tshost accepts without acting on: (option as written, reason).
    pub ignored: Vec<(String, &'static str)>,
    /// Arguments after the options (traffic_server ignores them).
    pub rest: Vec<String>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<TsArgs>),
    /// Print [`usage`] on stderr and exit 64.
    Usage,
    /// Print [`version`] on stdout and exit 0.
    Version,
}

/// C's atoi: leading space, a sign, digits; anything else stops it (0 if no digits).
fn atoi(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

impl TsArgs {
    /// Record a value (`None` for a flag) for an option.
    fn set(&mut self, o: &Opt, written: &str, value: Option<&str>) {
        if let Some(reason) = o.ignored {
            self.ignored.push((written.to_string(), reason));
            return;
        }
        let v = value.unwrap_or("").to_string();
        match o.name {
            "bind_stdout" => self.bind_stdout = v,
            "bind_stderr" => self.bind_stderr = v,
            "command" => self.command = v,
            "conf_dir" => self.conf_dir = v,
            "debug_tags" => self.debug_tags = v,
            "httpport" => self.httpport = Some(v),
            "net_threads" => self.net_threads = atoi(&v),
            _ => {}
        }
    }
}

/// Parse `argv` (argv[0] included) with `env` giving environment variables.
pub fn parse(argv: &[String], env: &dyn Fn(&str) -> Option<String>) -> Parsed {
    let mut a = TsArgs::default();
    // Environment first; the command line overrides it. An ignored option's variable is not
    // reported (it is the environment, not the operator's command line).
    for o in OPTIONS.iter().filter(|o| o.ignored.is_none()) {
        if let Some(v) = o.env.and_then(env) {
            a.set(o, "", Some(&v));
        }
    }
    let mut i = 1;
    while i < argv.len() {
        let arg = &argv[i];
        if arg == "-" || !arg.starts_with('-') {
            a.rest = argv[i..].to_vec();
            break;
        }
        if let Some(name) = arg.strip_prefix("--") {
            if name.starts_with("run-root") {
                if let Some(v) = name.strip_prefix("run-root=") {
                    a.run_root = Some(v.to_string());
                }
                i += 1;
                continue;
            }
            let Some(o) = OPTIONS.iter().find(|o| o.name == name) else {
                return Parsed::Usage;
            };
            match o.kind {
                Help => return Parsed::Usage,
                Version => return Parsed::Version,
                Toggle | On | RunRoot => a.set(o, arg, None),
                Int | Str => {
                    let Some(v) = argv.get(i + 1) else {
                        return Parsed::Usage;
                    };
                    a.set(o, &format!("{arg} {v}"), Some(v));
                    i += 1;
                }
            }
            i += 1;
            continue;
        }
        // Short options, possibly combined; a value is the rest of this argument or the next one.
        let keys: Vec<char> = arg[1..].chars().collect();
        let mut k = 0;
        while k < keys.len() {
            let Some(o) = OPTIONS.iter().find(|o| o.key == Some(keys[k])) else {
                return Parsed::Usage;
            };
            match o.kind {
                Help => return Parsed::Usage,
                Version => return Parsed::Version,
                Toggle | On | RunRoot => a.set(o, &format!("-{}", keys[k]), None),
                Int | Str => {
                    let rest: String = keys[k + 1..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else if let Some(next) = argv.get(i + 1) {
                        i += 1;
                        next.clone()
                    } else {
                        return Parsed::Usage;
                    };
                    a.set(o, &format!("-{} {v}", keys[k]), Some(&v));
                    break;
                }
            }
            k += 1;
        }
        i += 1;
    }
    Parsed::Run(Box::new(a))
}

/// traffic_server's usage table (`Usage: traffic_server [--SWITCH [ARG]]` and one line per
/// option), as ATS prints it on stderr.
pub fn usage() -> String {
    let mut out = String::from("Usage: traffic_server [--SWITCH [ARG]]\n");
    out.push_str("  switch__________________type__default___description\n");
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .to_string();
    for o in OPTIONS {
        let key = match o.key {
            Some(c) => format!("-{c},"),
            None => "   ".to_string(),
        };
        let ty = match o.kind {
            Int => "int  ",
            Str => "str  ",
            On => "on   ",
            Toggle => "tog  ",
            Help | Version | RunRoot => "     ",
        };
        let default = match o.kind {
            Help | Version | RunRoot => "          ".to_string(),
            _ => {
                let d = if o.name == "net_threads" {
                    threads.as_str()
                } else {
                    o.default
                };
                format!(" {d:<9}")
            }
        };
        out.push_str(&format!(
            "  {key} --{:<17} {ty}{default} {}\n",
            o.name, o.description
        ));
    }
    out
}

/// `traffic_server -V`'s line.
pub fn version() -> String {
    format!(
        "Apache Traffic Server - traffic_server - 9.2.9 - (tshost {})",
        env!("CARGO_PKG_VERSION")
    )
}

/// The first word of a `-C` command (ATS matches it without regard to case).
pub fn command_name(command: &str) -> &str {
    command
        .trim_start_matches([' ', '\t'])
        .split([' ', '\t', '\n'])
        .next()
        .unwrap_or("")
}

/// ATS's `skip`: what follows the command's first word and the blanks after it; None when the
/// command is a single word.
pub fn command_argument(command: &str) -> Option<&str> {
    let s = command.trim_start_matches([' ', '\t']);
    let at = s.find([' ', '\t'])?;
    Some(s[at..].trim_start_matches([' ', '\t']))
}

/// The `-C` commands, with ATS's one-line descriptions (`-C help` lists them).
pub const COMMANDS: &[(&str, &str)] = &[
    ("list", "List cache configuration"),
    ("check", "Check the cache (do not make any changes)"),
    ("clear", "Clear the entire cache"),
    ("clear_cache", "Clear the document cache"),
    ("clear_hostdb", "Clear the hostdb cache"),
    ("verify_config", "Verify the config"),
    (
        "verify_global_plugin",
        "Verify a global plugin's shared object file",
    ),
    (
        "verify_remap_plugin",
        "Verify a remap plugin's shared object file",
    ),
    (
        "help",
        "Obtain a short description of a command (e.g. 'help clear')",
    ),
];

/// `-C help`'s list: each command right-aligned in 25 columns, then its description.
pub fn command_list() -> String {
    COMMANDS
        .iter()
        .map(|(n, d)| format!("{n:>25}  {d}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        std::iter::once("traffic_server")
            .chain(v.iter().copied())
            .map(String::from)
            .collect()
    }

    fn run(v: &[&str]) -> TsArgs {
        match parse(&args(v), &|_| None) {
            Parsed::Run(a) => *a,
            other => panic!("{v:?}: {other:?}"),
        }
    }

    #[test]
    fn autest_command_line_binds_both_streams() {
        let a = run(&[
            "--bind_stderr",
            "/l/traffic.out",
            "--bind_stdout",
            "/l/traffic.out",
        ]);
        assert_eq!(a.bind_stderr, "/l/traffic.out");
        assert_eq!(a.bind_stdout, "/l/traffic.out");
        assert!(a.ignored.is_empty());
    }

    #[test]
    fn short_values_attached_or_next_and_combined_flags() {
        assert_eq!(run(&["-C", "verify_config"]).command, "verify_config");
        assert_eq!(run(&["-Cverify_config"]).command, "verify_config");
        let a = run(&["-KkT", "http|dns"]);
        assert_eq!(a.debug_tags, "http|dns");
        assert_eq!(
            a.ignored
                .iter()
                .map(|(o, _)| o.as_str())
                .collect::<Vec<_>>(),
            ["-K", "-k"]
        );
        assert_eq!(run(&["-n", "3"]).net_threads, 3);
        assert_eq!(run(&["--net_threads", "4x"]).net_threads, 4);
    }

    #[test]
    fn unknown_or_valueless_options_and_help_are_usage_errors_version_is_version() {
        for v in [
            &["--bogus"][..],
            &["-Z"],
            &["--bind_stdout"],
            &["-C"],
            &["--help"],
            &["-h"],
            &["--command=verify_config"],
        ] {
            assert_eq!(parse(&args(v), &|_| None), Parsed::Usage, "{v:?}");
        }
        assert_eq!(parse(&args(&["-V"]), &|_| None), Parsed::Version);
        assert_eq!(parse(&args(&["--version"]), &|_| None), Parsed::Version);
    }

    #[test]
    fn the_first_non_option_ends_the_options() {
        let a = run(&["--block", "file", "--bogus"]);
        assert_eq!(a.rest, ["file", "--bogus"]);
        assert_eq!(a.ignored[0].0, "--block");
    }

    #[test]
    fn run_root_only_with_equals_and_environment_overridden_by_the_command_line() {
        assert_eq!(run(&["--run-root=/x"]).run_root.as_deref(), Some("/x"));
        assert_eq!(run(&["--run-root"]).run_root, None);
        let env = |k: &str| (k == "PROXY_BIND_STDOUT").then(|| "/env".to_string());
        let Parsed::Run(a) = parse(&args(&[]), &env) else {
            panic!()
        };
        assert_eq!(a.bind_stdout, "/env");
        let Parsed::Run(a) = parse(&args(&["--bind_stdout", "/cli"]), &env) else {
            panic!()
        };
        assert_eq!(a.bind_stdout, "/cli");
    }

    #[test]
    fn command_words_as_ats_skips_them() {
        assert_eq!(
            command_name("  verify_global_plugin /a b"),
            "verify_global_plugin"
        );
        assert_eq!(command_argument("verify_global_plugin  /a b"), Some("/a b"));
        assert_eq!(command_argument("verify_global_plugin"), None);
        assert_eq!(command_argument("verify_global_plugin "), Some(""));
    }

    #[test]
    fn usage_lines_as_ats_prints_them() {
        let u = usage();
        assert!(u.starts_with("Usage: traffic_server [--SWITCH [ARG]]\n"));
        assert!(
            u.contains("\n      --accept_mss        int   0         MSS for client connections\n")
        );
        assert!(u.contains("\n  -K, --clear_cache       on    false     Clear Cache on Startup\n"));
        assert!(u.contains("\n  -h, --help                              Print usage information\n"));
        assert!(u.contains(
            "\n  -p, --httpport          str   (null)    Port descriptor for HTTP Accept\n"
        ));
    }
}
