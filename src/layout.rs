//! Where the configuration, plugins, logs and runtime files live: ATS 9.2's layout, as
//! `traffic_server` finds it (src/tscore/Layout.cc, runroot.cc, lib/records/RecCore.cc).
//!
//! - The prefix: a runroot (`--run-root=PATH` or `$TS_RUNROOT`: a runroot.yaml, or a directory
//!   holding one) gives its `prefix` (default: the yaml's directory); else `$TS_ROOT`.
//! - The configuration directory: `$PROXY_CONFIG_CONFIG_DIR` (relative to the prefix), else the
//!   layout's sysconfdir (`<prefix>/etc/trafficserver`, ATS's default layout).
//! - Plugins, logs and runtime files: the records `proxy.config.plugin.plugin_dir`,
//!   `proxy.config.log.logfile_dir`, `proxy.config.local_state_dir` (so also their environment
//!   variables, `PROXY_CONFIG_PLUGIN_PLUGIN_DIR` and so on), relative to the prefix; when empty the
//!   layout's libexecdir, logdir and runtimedir (`<prefix>/libexec/trafficserver`,
//!   `<prefix>/var/log/trafficserver`, `<prefix>/var/trafficserver`). Under a runroot its
//!   directories win over records.config's values (not over the environment), as in ATS.
//!
//! `tshost --config-dir DIR` has no prefix: relative directory records are relative to DIR, plugins
//! and runtime files default to DIR, and there is a diags.log only if `proxy.config.log.logfile_dir`
//! names a directory.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The directories a host starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// What relative directory records are relative to (TS_ROOT or the runroot's prefix); None:
    /// the configuration directory (`tshost --config-dir`).
    pub prefix: Option<PathBuf>,
    /// records.config, plugin.config, remap.config, ssl_multicert.config.
    pub config: PathBuf,
    /// Used when `proxy.config.plugin.plugin_dir` is empty (None: the configuration directory).
    pub plugin: Option<PathBuf>,
    /// Used when `proxy.config.log.logfile_dir` is empty (None: no diags.log).
    pub log: Option<PathBuf>,
    /// Used when `proxy.config.local_state_dir` is empty (None: the configuration directory).
    pub runtime: Option<PathBuf>,
    /// A runroot's directories replace records.config's values for the directory records.
    pub runroot: bool,
}

/// ATS's default layout, relative to the prefix ("TrafficServer" in config.layout).
pub const SYSCONFDIR: &str = "etc/trafficserver";
pub const LOGDIR: &str = "var/log/trafficserver";
pub const RUNTIMEDIR: &str = "var/trafficserver";
pub const LIBEXECDIR: &str = "libexec/trafficserver";

impl Layout {
    /// `tshost --config-dir DIR`: everything relative to DIR, no default log directory.
    pub fn config_dir(dir: &Path) -> Layout {
        Layout {
            prefix: None,
            config: dir.to_path_buf(),
            plugin: None,
            log: None,
            runtime: None,
            runroot: false,
        }
    }

    /// ATS's default layout under `prefix`, the configuration directory from
    /// `$PROXY_CONFIG_CONFIG_DIR` (`config_env`) when set.
    pub fn under_prefix(prefix: &Path, config_env: Option<&str>) -> Layout {
        Layout {
            prefix: Some(prefix.to_path_buf()),
            config: config_dir(prefix, config_env, &prefix.join(SYSCONFDIR)),
            plugin: Some(prefix.join(LIBEXECDIR)),
            log: Some(prefix.join(LOGDIR)),
            runtime: Some(prefix.join(RUNTIMEDIR)),
            runroot: false,
        }
    }

    /// The layout `traffic_server` would use, from its command line's `--run-root=PATH`
    /// (`run_root`) and the environment (`env`: TS_RUNROOT, TS_ROOT, PROXY_CONFIG_CONFIG_DIR).
    /// `fallback_prefix` is the prefix when only PROXY_CONFIG_CONFIG_DIR is set (ATS uses its
    /// build prefix; tshost the directory above its executable's). Ok(None): no layout at all.
    /// Notes (ATS's runroot notices and warnings) are returned for the caller to log.
    pub fn for_traffic_server(
        run_root: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        fallback_prefix: &Path,
    ) -> Result<(Option<Layout>, Vec<String>), String> {
        let mut notes = Vec::new();
        let config_env = env("PROXY_CONFIG_CONFIG_DIR").filter(|s| !s.is_empty());
        let mut yaml = None;
        if let Some(v) = run_root.filter(|v| !v.is_empty()) {
            match runroot_yaml(Path::new(v)) {
                Some(p) => {
                    notes.push("using command line path as RUNROOT".to_string());
                    yaml = Some(p);
                }
                None => notes.push(format!("Unable to access runroot: '{v}'")),
            }
        }
        if yaml.is_none() {
            if let Some(v) = env("TS_RUNROOT").filter(|v| !v.is_empty()) {
                match runroot_yaml(Path::new(&v)) {
                    Some(p) => {
                        notes.push("using the environment variable TS_RUNROOT".to_string());
                        yaml = Some(p);
                    }
                    None => notes.push(format!("Unable to access runroot: '{v}' from $TS_RUNROOT")),
                }
            }
        }
        if let Some(yaml) = yaml {
            let text = std::fs::read_to_string(&yaml)
                .map_err(|e| format!("{}: cannot read: {e}", yaml.display()))?;
            let base = yaml.parent().unwrap_or(Path::new("/")).to_path_buf();
            return Ok((
                Some(Layout::from_runroot(&text, &base, config_env.as_deref())),
                notes,
            ));
        }
        if let Some(root) = env("TS_ROOT").filter(|s| !s.is_empty()) {
            let root = root.trim_end_matches('/');
            let root = if root.is_empty() { "/" } else { root };
            return Ok((
                Some(Layout::under_prefix(Path::new(root), config_env.as_deref())),
                notes,
            ));
        }
        if config_env.is_some() {
            return Ok((
                Some(Layout::under_prefix(fallback_prefix, config_env.as_deref())),
                notes,
            ));
        }
        Ok((None, notes))
    }

    /// A runroot.yaml's directories (`key: value` lines; relative values are relative to the
    /// yaml's directory `base`; `prefix` defaults to `base`, the others to the default layout
    /// under the prefix).
    pub fn from_runroot(text: &str, base: &Path, config_env: Option<&str>) -> Layout {
        let mut prefix = None;
        let mut sysconfdir = None;
        let mut logdir = None;
        let mut runtimedir = None;
        let mut libexecdir = None;
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if value.is_empty() {
                continue;
            }
            let path = base.join(value);
            match key.trim() {
                "prefix" => prefix = Some(path),
                "sysconfdir" => sysconfdir = Some(path),
                "logdir" => logdir = Some(path),
                "runtimedir" => runtimedir = Some(path),
                "libexecdir" => libexecdir = Some(path),
                _ => {}
            }
        }
        let prefix = prefix.unwrap_or_else(|| base.to_path_buf());
        let sysconfdir = sysconfdir.unwrap_or_else(|| prefix.join(SYSCONFDIR));
        Layout {
            config: config_dir(&prefix, config_env, &sysconfdir),
            plugin: Some(libexecdir.unwrap_or_else(|| prefix.join(LIBEXECDIR))),
            log: Some(logdir.unwrap_or_else(|| prefix.join(LOGDIR))),
            runtime: Some(runtimedir.unwrap_or_else(|| prefix.join(RUNTIMEDIR))),
            prefix: Some(prefix),
            runroot: true,
        }
    }
}

/// `$PROXY_CONFIG_CONFIG_DIR` relative to the prefix, else the layout's sysconfdir.
fn config_dir(prefix: &Path, config_env: Option<&str>, sysconfdir: &Path) -> PathBuf {
    match config_env.filter(|s| !s.is_empty()) {
        Some(dir) => prefix.join(dir),
        None => sysconfdir.to_path_buf(),
    }
}

/// ATS's runroot lookup for one path: a directory holding runroot.yaml (or runroot.yml, or
/// runroot_path.yml), or the file itself.
fn runroot_yaml(path: &Path) -> Option<PathBuf> {
    if path.is_dir() {
        ["runroot.yaml", "runroot.yml", "runroot_path.yml"]
            .iter()
            .map(|f| path.join(f))
            .find(|p| p.exists())
    } else if path.exists() {
        Some(path.to_path_buf())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn ts_root_gives_the_default_layout_under_it_and_config_dir_from_the_environment() {
        let (l, _) = Layout::for_traffic_server(
            None,
            &env(&[("TS_ROOT", "/ts/"), ("PROXY_CONFIG_CONFIG_DIR", "conf")]),
            Path::new("/fallback"),
        )
        .unwrap();
        let l = l.unwrap();
        assert_eq!(l.prefix.as_deref(), Some(Path::new("/ts")));
        assert_eq!(l.config, Path::new("/ts/conf"));
        assert_eq!(
            l.log.as_deref(),
            Some(Path::new("/ts/var/log/trafficserver"))
        );
        assert_eq!(
            l.plugin.as_deref(),
            Some(Path::new("/ts/libexec/trafficserver"))
        );
        assert!(!l.runroot);

        let (l, _) =
            Layout::for_traffic_server(None, &env(&[("TS_ROOT", "/ts")]), Path::new("/f")).unwrap();
        assert_eq!(l.unwrap().config, Path::new("/ts/etc/trafficserver"));
    }

    #[test]
    fn no_root_and_no_config_dir_is_no_layout_and_config_dir_alone_uses_the_fallback_prefix() {
        let (l, _) = Layout::for_traffic_server(None, &env(&[]), Path::new("/f")).unwrap();
        assert_eq!(l, None);
        let (l, _) = Layout::for_traffic_server(
            None,
            &env(&[("PROXY_CONFIG_CONFIG_DIR", "/abs/conf")]),
            Path::new("/f"),
        )
        .unwrap();
        let l = l.unwrap();
        assert_eq!(l.prefix.as_deref(), Some(Path::new("/f")));
        assert_eq!(l.config, Path::new("/abs/conf"));
    }

    #[test]
    fn runroot_yaml_values_relative_to_its_directory_and_defaults_under_its_prefix() {
        let l = Layout::from_runroot(
            "# made by hand\nprefix: /rr\nsysconfdir: etc\nlogdir: \"/var/log/x\"\n",
            Path::new("/base"),
            None,
        );
        assert_eq!(l.prefix.as_deref(), Some(Path::new("/rr")));
        assert_eq!(l.config, Path::new("/base/etc"));
        assert_eq!(l.log.as_deref(), Some(Path::new("/var/log/x")));
        assert_eq!(
            l.runtime.as_deref(),
            Some(Path::new("/rr/var/trafficserver"))
        );
        assert!(l.runroot);
        let l = Layout::from_runroot("", Path::new("/base"), Some("c"));
        assert_eq!(l.prefix.as_deref(), Some(Path::new("/base")));
        assert_eq!(l.config, Path::new("/base/c"));
    }
}
