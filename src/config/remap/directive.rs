//! remap.config's filter directives (ATS's `parse_define_directive` & co, RemapConfig.cc): the
//! named filters and which of them are active. `.include` is read by the parser (parse.rs).
//!
//! `.definefilter NAME @opt...` (also `.deffilter`, `.defflt`) defines a filter, or adds the
//! options to the one of that name; `.activatefilter NAME` (`.usefilter`, `.activefilter`,
//! `.useflt`) makes every rule written after it take the filter, in activation order, before its
//! own; `.deactivatefilter NAME` (`.unusefilter`, `.unactivefilter`, `.deuseflt`, `.unuseflt`)
//! stops that; `.deletefilter NAME` (`.delfilter`, `.delflt`) forgets it. Names compare
//! case-insensitively; the state carries across `.include`d files, as in ATS. `ip_allow` as the
//! NAME of `.activatefilter`/`.deactivatefilter` switches the ip_allow.yaml method check of the
//! rules written after it (and a rule without it lets a client whose ip_allow rule denies every
//! method connect, to be answered 403 per request: ATS's accept_check_p).
#![forbid(unsafe_code)]

use super::acl::AclFilter;

/// The named filters: the active ones first, in activation order, then the others; and whether
/// the rules written now take the ip_allow.yaml check.
pub struct Filters {
    list: Vec<(AclFilter, bool)>,
    pub ip_allow: bool,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            list: Vec::new(),
            ip_allow: true,
        }
    }
}

/// What a directive line is.
pub enum Directive {
    Define,
    Delete,
    Activate,
    Deactivate,
    Include,
}

pub fn directive(word: &str) -> Option<Directive> {
    Some(match word {
        ".definefilter" | ".deffilter" | ".defflt" => Directive::Define,
        ".deletefilter" | ".delfilter" | ".delflt" => Directive::Delete,
        ".usefilter" | ".activefilter" | ".activatefilter" | ".useflt" => Directive::Activate,
        ".unusefilter" | ".deactivatefilter" | ".unactivefilter" | ".deuseflt" | ".unuseflt" => {
            Directive::Deactivate
        }
        ".include" => Directive::Include,
        _ => return None,
    })
}

impl Filters {
    fn position(&self, name: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|(f, _)| f.name.eq_ignore_ascii_case(name))
    }

    /// The filters a rule written now starts with.
    pub fn active(&self) -> impl Iterator<Item = &AclFilter> {
        self.list.iter().filter(|(_, a)| *a).map(|(f, _)| f)
    }

    /// A filter directive: `kw` its word, `params` the words after it, `opts` its `@` options
    /// (without the `@`). Errors are ATS's texts; `Ok(Some(text))` is a warning.
    pub fn apply(
        &mut self,
        d: &Directive,
        kw: &str,
        params: &[&str],
        opts: &[&str],
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, String> {
        let Some(&name) = params.first() else {
            return Err(format!("Directive \"{kw}\" must have name argument"));
        };
        match d {
            Directive::Define => {
                if opts.is_empty() {
                    return Err(format!("Directive \"{kw}\" must have filter parameter(s)"));
                }
                if let Some(o) = opts.iter().find(|o| !super::acl::is_filter_option(o)) {
                    return Err(format!("\"@{o}\" is not a filter option"));
                }
                match self.position(name) {
                    Some(i) => self.list[i].0.add_args(opts, warnings)?,
                    None => {
                        let mut f = AclFilter {
                            name: name.to_string(),
                            ..AclFilter::default()
                        };
                        f.add_args(opts, warnings)?;
                        self.list.push((f, false));
                    }
                }
            }
            Directive::Delete => {
                if let Some(i) = self.position(name) {
                    self.list.remove(i);
                }
            }
            Directive::Activate | Directive::Deactivate => {
                let on = matches!(d, Directive::Activate);
                if name == "ip_allow" {
                    self.ip_allow = on;
                    return Ok(None);
                }
                let Some(i) = self.position(name) else {
                    return Err(format!("Undefined filter \"{name}\" in directive \"{kw}\""));
                };
                if self.list[i].1 != on {
                    let e = self.list.remove(i);
                    let at = if on {
                        self.list.iter().take_while(|(_, a)| *a).count()
                    } else {
                        self.list.len()
                    };
                    self.list.insert(at, (e.0, on));
                }
            }
            Directive::Include => unreachable!("read by the parser"),
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: &mut Filters, kw: &str, params: &[&str], opts: &[&str]) -> Result<(), String> {
        let d = directive(kw).unwrap();
        f.apply(&d, kw, params, opts, &mut Vec::new()).map(|_| ())
    }

    fn active(f: &Filters) -> Vec<String> {
        f.active().map(|f| f.name.clone()).collect()
    }

    #[test]
    fn activation_order_and_deletion() {
        let mut f = Filters::default();
        run(
            &mut f,
            ".definefilter",
            &["a"],
            &["action=deny", "method=PUT"],
        )
        .unwrap();
        run(&mut f, ".deffilter", &["B"], &["src_ip=10.0.0.1"]).unwrap();
        assert!(active(&f).is_empty());
        run(&mut f, ".activatefilter", &["b"], &[]).unwrap();
        run(&mut f, ".useflt", &["A"], &[]).unwrap();
        assert_eq!(active(&f), ["B", "a"]);
        run(&mut f, ".deactivatefilter", &["B"], &[]).unwrap();
        assert_eq!(active(&f), ["a"]);
        // Defining again adds to the filter.
        run(&mut f, ".definefilter", &["a"], &["method=POST"]).unwrap();
        assert_eq!(f.active().next().unwrap().methods, ["PUT", "POST"]);
        run(&mut f, ".deletefilter", &["A"], &[]).unwrap();
        assert!(active(&f).is_empty());
        run(&mut f, ".deletefilter", &["nothing"], &[]).unwrap();
        assert!(f.ip_allow);
        run(&mut f, ".deactivatefilter", &["ip_allow"], &[]).unwrap();
        assert!(!f.ip_allow);
        run(&mut f, ".activatefilter", &["ip_allow"], &[]).unwrap();
        assert!(f.ip_allow);
    }

    #[test]
    fn errors_are_ats_texts() {
        let mut f = Filters::default();
        for (kw, params, opts, want) in [
            (
                ".definefilter",
                &[][..],
                &["action=deny"][..],
                "Directive \".definefilter\" must have name argument",
            ),
            (
                ".definefilter",
                &["x"],
                &[],
                "Directive \".definefilter\" must have filter parameter(s)",
            ),
            (
                ".definefilter",
                &["x"],
                &["plugin=a.so"],
                "\"@plugin=a.so\" is not a filter option",
            ),
            (
                ".activatefilter",
                &["nope"],
                &[],
                "Undefined filter \"nope\" in directive \".activatefilter\"",
            ),
        ] {
            assert_eq!(run(&mut f, kw, params, opts).unwrap_err(), want);
        }
    }
}
