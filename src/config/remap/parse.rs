//! Reading remap.config ([`RemapTable::parse`], [`RemapTable::load`]): its logical lines, the
//! words of a line, the rule URLs split as ATS splits them, each line checked into a [`RemapRule`]
//! (or skipped with a warning), directives (filters in directive.rs; `.include` here, with loops
//! refused), and duplicate rules refused. The format is described in the module doc (mod.rs).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::acl::{is_filter_option, AclFilter};
use super::directive::{directive, Directive, Filters};
use super::regex::HostRegex;
use super::{
    default_port, ConfigError, MapKind, PluginSpec, RemapRule, RemapTable, Target, UrlPattern,
};

/// A URL of a rule, split as ATS's `url_parse_regex` does: scheme (before `://`), host up to the
/// first `/` with a `:port` of up to 5 digits at its end, and the path after the slashes.
struct RawUrl<'a> {
    scheme: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

fn split_url(s: &str) -> Option<RawUrl<'_>> {
    // A quote opens a span of the line that spaces do not split (ATS's Tokenizer): a URL with a
    // quote or a space in it is not taken (ATS's url_parse refuses the spaces too).
    if s.contains([' ', '\t', '"', '\'']) {
        return None;
    }
    let (scheme, rest) = match s.find("://") {
        Some(i) if !s.starts_with('/') && !s[..i].contains('/') => (Some(&s[..i]), &s[i + 3..]),
        _ => (None, s),
    };
    if let Some(sc) = scheme {
        let ok = sc.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && sc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !ok {
            return None;
        }
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_start_matches('/')),
        None => (rest, ""),
    };
    let mut host = authority;
    let mut port = None;
    let digits = authority
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits > 0 && digits <= 5 && authority.len() > digits {
        let colon = authority.len() - digits - 1;
        if authority.as_bytes()[colon] == b':' {
            host = &authority[..colon];
            port = Some(&authority[colon + 1..]);
        }
    }
    Some(RawUrl {
        scheme,
        host,
        port,
        path,
    })
}

/// A rule's URL as ATS prints it for a remap plugin's argv (`URL::string_get`): as written, with
/// the path's `/` when the URL has none after its authority (`http://a` -> `http://a/`).
fn printed_url(s: &str) -> String {
    match s.find("://") {
        Some(i) if !s[i + 3..].contains('/') => format!("{s}/"),
        _ => s.to_string(),
    }
}

/// Outcome of reading one line.
enum Line {
    Rule(Box<RemapRule>),
    Skip,
    /// `.include` and its paths, as written.
    Include(Vec<String>),
}

/// Two rules of one type for the same scheme, host, port and path collide (ATS: "unable to add
/// mapping rule to lookup table").
type Key = (MapKind, String, String, u16, String);

struct Parser {
    warnings: Vec<String>,
    warned: Vec<String>,
    rules: Vec<RemapRule>,
    seen: HashMap<Key, String>,
    filters: Filters,
    /// Where relative `.include` paths start (the directory of remap.config, as ATS's
    /// SYSCONFDIR).
    config_dir: PathBuf,
    /// The files being read, outermost first (canonical paths): an `.include` of one is a loop.
    stack: Vec<PathBuf>,
}

/// The rule types by name (case-insensitive), after an optional `regex_`: None for a type ATS
/// has that tshost does not support.
fn rule_kind(t: &str) -> Result<Option<MapKind>, ()> {
    Ok(Some(match t {
        "map" => MapKind::Map,
        "reverse_map" => MapKind::ReverseMap,
        "redirect" => MapKind::Redirect,
        "redirect_temporary" => MapKind::RedirectTemporary,
        "map_with_recv_port" => MapKind::MapWithRecvPort,
        "map_with_referer" => return Ok(None),
        _ => return Err(()),
    }))
}

impl Parser {
    fn warn_once(&mut self, key: &str, msg: String) {
        if !self.warned.iter().any(|k| k == key) {
            self.warned.push(key.to_string());
            self.warnings.push(msg);
        }
    }

    fn line(&mut self, file: &Arc<Path>, line: usize, text: &str) -> Result<Line, String> {
        let fname = file.display().to_string();
        let file_s = &fname;
        let words = super::words::words(text);
        let mut params = Vec::new();
        let mut opts = Vec::new();
        for w in words {
            match w.strip_prefix('@') {
                Some("") => {}
                Some(o) => opts.push(o),
                None => params.push(w),
            }
        }
        if params.is_empty() || (params.len() < 3 && !params[0].starts_with('.')) {
            return Err("malformed line (expected TYPE FROM TO)".into());
        }
        let kw = params[0];
        if kw.starts_with('.') {
            let Some(d) = directive(kw) else {
                return Err(format!("unknown directive \"{kw}\""));
            };
            if let Directive::Include = d {
                if params.len() < 2 {
                    return Err(format!("Directive \"{kw}\" must have a path argument"));
                }
                return Ok(Line::Include(
                    params[1..].iter().map(|s| s.to_string()).collect(),
                ));
            }
            let mut w = Vec::new();
            let warning = self.filters.apply(&d, kw, &params[1..], &opts, &mut w)?;
            for m in w.into_iter().chain(warning) {
                self.warnings.push(format!("{file_s}:{line}: {m}"));
            }
            return Ok(Line::Skip);
        }
        let lower = kw.to_ascii_lowercase();
        let (is_regex, type_name) = match lower.strip_prefix("regex_") {
            Some(t) => (true, t),
            None => (false, lower.as_str()),
        };
        let kind = match rule_kind(type_name) {
            Ok(Some(k)) if !(is_regex && k == MapKind::ReverseMap) => k,
            Ok(_) => {
                self.warnings.push(format!(
                    "{file_s}:{line}: {kw} rules are not supported by tshost yet; line skipped"
                ));
                return Ok(Line::Skip);
            }
            Err(()) => return Err(format!("unknown mapping type '{kw}'")),
        };
        let forward = matches!(kind, MapKind::Map | MapKind::MapWithRecvPort);
        // @plugin=PATH starts a plugin of the rule's chain; each @pparam=VALUE goes to the plugin
        // before it (ATS's remap_load_plugin: those before the first @plugin go to the first).
        let mut plugins: Vec<PluginSpec> = Vec::new();
        let mut early_params: Vec<String> = Vec::new();
        let mut filter_opts: Vec<&str> = Vec::new();
        for o in &opts {
            let lo = o.to_ascii_lowercase();
            let name = lo.split('=').next().unwrap_or("");
            let value = o.split_once('=').map(|(_, v)| v).unwrap_or("");
            match name {
                "plugin" if value.is_empty() => {
                    return Err(format!("Can't find remap plugin file name in \"@{o}\""))
                }
                "plugin" => plugins.push(PluginSpec {
                    path: value.to_string(),
                    params: Vec::new(),
                }),
                "pparam" if value.is_empty() => {}
                "pparam" => match plugins.last_mut() {
                    Some(p) => p.params.push(value.to_string()),
                    None => early_params.push(value.to_string()),
                },
                _ if is_filter_option(o) => filter_opts.push(o),
                "mapid" | "strategy" | "map_with_referer" => self.warn_once(
                    &format!("@{name}"),
                    format!("{file_s}:{line}: option @{name} is not supported by tshost; ignored"),
                ),
                _ => self.warn_once(
                    &format!("@{lo}"),
                    format!("{file_s}:{line}: ignoring invalid remap option '@{o}'"),
                ),
            }
        }
        if let Some(first) = plugins.first_mut() {
            early_params.append(&mut first.params);
            first.params = early_params;
        } else if !early_params.is_empty() {
            self.warn_once(
                "pparam",
                format!("{file_s}:{line}: @pparam without a @plugin; ignored"),
            );
        }
        if !plugins.is_empty() && !forward {
            self.warnings.push(format!(
                "{file_s}:{line}: remap plugins run for map rules only (as ATS); @plugin ignored"
            ));
            plugins.clear();
        }
        // The active named filters, then the rule's own (ATS's process_filter_opt).
        let mut filters: Vec<AclFilter> = self.filters.active().cloned().collect();
        if !filter_opts.is_empty() {
            let mut own = AclFilter::default();
            let mut w = Vec::new();
            own.add_args(&filter_opts, &mut w)?;
            for m in w {
                self.warnings.push(format!("{file_s}:{line}: {m}"));
            }
            filters.push(own);
        }
        if !filters.is_empty() && !forward {
            self.warnings.push(format!(
                "{file_s}:{line}: ACL filters are checked for map rules only (as ATS); not for this {kw} rule"
            ));
            filters.clear();
        }
        if params.len() > 3 {
            self.warn_once(
                "tag",
                format!(
                    "{file_s}:{line}: extra argument '{}' (rule tag) is not used by tshost; ignored",
                    params[3]
                ),
            );
        }

        // FROM. A trailing "//" marks a "unique" rule in ATS; it is not part of the path.
        let mut from_s = params[1];
        if from_s.len() > 2 && from_s.ends_with("//") {
            from_s = &from_s[..from_s.len() - 2];
        }
        let from = split_url(from_s).ok_or_else(|| format!("malformed From URL: {from_s}"))?;
        let to = split_url(params[2]).ok_or_else(|| format!("malformed To URL: {}", params[2]))?;
        let from_scheme = from.scheme.unwrap_or("http").to_ascii_lowercase();
        let to_scheme = to.scheme.unwrap_or("").to_ascii_lowercase();
        let web = |s: &str| matches!(s, "http" | "https" | "ws" | "wss");
        let tunnel = from_scheme == "tunnel" && to_scheme == "tunnel";
        if tunnel && (kind != MapKind::Map || is_regex) {
            return Err("tunnel:// rules are map rules".into());
        }
        if tunnel && (from.port.is_none() || to.port.is_none()) {
            return Err("a tunnel:// URL needs a port".into());
        }
        if !tunnel
            && (from_scheme == "tunnel"
                || from_scheme == "file"
                || (to_scheme == "tunnel" && web(&from_scheme)))
        {
            self.warnings.push(format!(
                "{file_s}:{line}: {from_scheme}:// -> {to_scheme}:// rules are not supported by tshost yet; line skipped"
            ));
            return Ok(Line::Skip);
        }
        if !tunnel && (!web(&from_scheme) || !web(&to_scheme)) {
            return Err("only http, https, ws, wss, and tunnel remappings are supported".into());
        }
        if matches!(from_scheme.as_str(), "ws" | "wss")
            && !matches!(to_scheme.as_str(), "ws" | "wss")
        {
            return Err("WS or WSS can only be mapped out to WS or WSS.".into());
        }
        if from.host.is_empty() {
            if !forward {
                return Err("remap source in reverse mappings requires a hostname".into());
            }
            if !from_s.starts_with('/') {
                return Err("relative remappings must begin with a /".into());
            }
            if is_regex {
                return Err(format!("{kw} needs a host regex in its From URL"));
            }
        }
        if to.host.is_empty() {
            return Err("The remap destinations require a hostname".into());
        }
        let port = |p: Option<&str>, scheme: &str, which: &str| -> Result<u16, String> {
            match p {
                None => Ok(default_port(scheme)),
                Some(p) => match p.parse::<u16>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!("invalid port '{p}' in the {which} URL")),
                },
            }
        };
        for (what, u) in [("From", &from), ("To", &to)] {
            if u.path.contains(['?', '#']) {
                self.warn_once(
                    &format!("query {what}"),
                    format!("{file_s}:{line}: the query or fragment of a {what} URL is not used in remapping; ignored"),
                );
            }
        }
        let from_host = from.host.to_ascii_lowercase();
        let host_regex = if is_regex {
            Some(HostRegex::new(&from_host, to.host)?)
        } else {
            None
        };
        let to_path = to.path.split(['?', '#']).next().unwrap_or("");
        Ok(Line::Rule(Box::new(RemapRule {
            kind,
            from: UrlPattern {
                port: port(from.port, &from_scheme, "From")?,
                scheme: from_scheme,
                host: from_host,
                path_prefix: from.path.to_string(),
            },
            to: Target::new(
                to_scheme.clone(),
                to.host.to_string(),
                port(to.port, &to_scheme, "To")?,
                to_path.to_string(),
            ),
            line,
            id: 0,
            from_text: printed_url(from_s),
            to_text: printed_url(params[2]),
            plugins,
            file: file.clone(),
            host_regex,
            filters,
            ip_allow_check: self.filters.ip_allow,
        })))
    }

    /// Read one file's text (remap.config or one it includes).
    fn text(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let file: Arc<Path> = Arc::from(path);
        for (line, raw) in logical_lines(text) {
            let t = raw.trim_matches(|c: char| c.is_ascii_whitespace());
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let err = |reason: String| ConfigError {
                path: path.to_path_buf(),
                line,
                reason,
            };
            match self.line(&file, line, t).map_err(err)? {
                Line::Skip => {}
                Line::Include(names) => {
                    for name in names {
                        self.include(&name).map_err(|e| match e {
                            Nested::Here(reason) => err(reason),
                            Nested::Inner(e) => e,
                        })?;
                    }
                }
                Line::Rule(r) => self.add(*r).map_err(err)?,
            }
        }
        Ok(())
    }

    fn add(&mut self, mut r: RemapRule) -> Result<(), String> {
        let f = &r.from;
        // Rules without a host share one path index, whatever their scheme and port; regex
        // rules are a list in ATS, never duplicates.
        if r.host_regex.is_none() {
            let key = if f.host.is_empty() {
                (
                    r.kind,
                    String::new(),
                    String::new(),
                    0,
                    f.path_prefix.clone(),
                )
            } else {
                (
                    r.kind,
                    f.host.clone(),
                    f.scheme.clone(),
                    f.port,
                    f.path_prefix.clone(),
                )
            };
            let here = format!("{}:{}", r.file.display(), r.line);
            if let Some(first) = self.seen.get(&key) {
                let first = match first.strip_prefix(&format!("{}:", r.file.display())) {
                    Some(l) => format!("line {l}"),
                    None => first.clone(),
                };
                return Err(format!(
                    "duplicate rule: {first} already maps this scheme, host, port and path"
                ));
            }
            self.seen.insert(key, here);
        }
        r.id = self.rules.len();
        self.rules.push(r);
        Ok(())
    }

    /// `.include NAME`: a file, or every file of a directory in name order (ATS: scandir with
    /// alphasort, subdirectories skipped); relative to the configuration directory.
    fn include(&mut self, name: &str) -> Result<(), Nested> {
        let path = self.config_dir.join(name);
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| Nested::Here(format!("failed to open {}: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| !p.is_dir())
                .collect();
            entries.sort();
            for p in entries {
                self.include_file(&p)?;
            }
            Ok(())
        } else {
            self.include_file(&path)
        }
    }

    fn include_file(&mut self, path: &Path) -> Result<(), Nested> {
        let canon = std::fs::canonicalize(path)
            .map_err(|e| Nested::Here(format!("{}: {e}", path.display())))?;
        if self.stack.contains(&canon) {
            return Err(Nested::Here(format!(
                ".include loop: {} is already being read",
                path.display()
            )));
        }
        let text = read_text(path).map_err(Nested::Inner)?.ok_or_else(|| {
            Nested::Here(format!("{}: No such file or directory", path.display()))
        })?;
        self.stack.push(canon);
        let r = self.text(path, &text).map_err(Nested::Inner);
        self.stack.pop();
        r
    }
}

/// An `.include`'s failure: about the `.include` line itself, or an error inside the file.
enum Nested {
    Here(String),
    Inner(ConfigError),
}

/// A file's text (None: missing); invalid UTF-8 is an error naming the line.
fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map(Some).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            ConfigError {
                path: path.to_path_buf(),
                line: 1 + e.as_bytes()[..valid]
                    .iter()
                    .filter(|&&c| c == b'\n')
                    .count(),
                reason: "invalid UTF-8".into(),
            }
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            path: path.to_path_buf(),
            line: 0,
            reason: format!("cannot read: {e}"),
        }),
    }
}

/// The logical lines of a remap.config: `(first physical line, text)`, `\`-newline joined.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, l) in text.split('\n').enumerate() {
        let (start, mut acc) = cur.take().unwrap_or((i + 1, String::new()));
        match l.strip_suffix('\\') {
            Some(body) => {
                acc.push_str(body);
                acc.push_str("  ");
                cur = Some((start, acc));
            }
            None => {
                acc.push_str(l);
                out.push((start, acc));
            }
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

impl RemapTable {
    /// Parse remap.config text; errors name `path` (or the included file). Relative `.include`s
    /// are read from `path`'s directory. Returns the table and the warnings.
    pub fn parse(text: &str, path: &Path) -> Result<(RemapTable, Vec<String>), ConfigError> {
        let mut p = Parser {
            warnings: Vec::new(),
            warned: Vec::new(),
            rules: Vec::new(),
            seen: HashMap::new(),
            filters: Filters::default(),
            config_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            stack: std::fs::canonicalize(path).into_iter().collect(),
        };
        p.text(path, text)?;
        let has = |k: &[MapKind]| p.rules.iter().any(|r| k.contains(&r.kind));
        let table = RemapTable {
            has_recv_port: has(&[MapKind::MapWithRecvPort]),
            has_redirect: has(&[MapKind::Redirect, MapKind::RedirectTemporary]),
            ip_allow_off: p.rules.iter().any(|r| !r.ip_allow_check),
            rules: p.rules,
        };
        Ok((table, p.warnings))
    }

    /// Load remap.config (missing: an empty table); warnings are logged.
    pub fn load(path: &Path) -> Result<RemapTable, ConfigError> {
        let Some(text) = read_text(path)? else {
            return Ok(RemapTable::default());
        };
        let (t, warnings) = RemapTable::parse(&text, path)?;
        for w in warnings {
            crate::warning!("{w}");
        }
        Ok(t)
    }
}

// The parser's tests, apart: they are as long as the parser.
#[cfg(test)]
mod tests;
