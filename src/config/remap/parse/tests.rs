//! remap.config's parser, line by line and file by file.

use super::*;

fn table(text: &str) -> (RemapTable, Vec<String>) {
    RemapTable::parse(text, Path::new("/etc/ts/remap.config")).unwrap()
}

fn err(text: &str) -> String {
    RemapTable::parse(text, Path::new("/etc/ts/remap.config"))
        .unwrap_err()
        .to_string()
}

#[test]
fn parses_rules_with_defaults() {
    let (t, w) = table(
        "# comment\n\
         \n\
         map http://www.Example.com/ http://origin.internal:8080/app/\n\
         \tMAP https://secure.example.com:8443/api https://10.0.0.1/v2 \n\
         reverse_map http://origin.internal:8080/app/ http://www.example.com/\n\
         map /static/ http://static.internal/\n\
         map ws://ws.example.com/ wss://ws.internal/\n\
         map www.noscheme.com/x http://o/\n",
    );
    assert!(w.is_empty(), "{w:?}");
    let r = &t.rules;
    assert_eq!(r.len(), 6);
    assert_eq!(
        r[0],
        RemapRule {
            kind: MapKind::Map,
            from: UrlPattern {
                scheme: "http".into(),
                host: "www.example.com".into(),
                port: 80,
                path_prefix: "".into()
            },
            to: Target::new("http".into(), "origin.internal".into(), 8080, "app/".into()),
            line: 3,
            id: 0,
            from_text: "http://www.Example.com/".into(),
            to_text: "http://origin.internal:8080/app/".into(),
            plugins: Vec::new(),
            file: Arc::from(Path::new("/etc/ts/remap.config")),
            host_regex: None,
            filters: Vec::new(),
            ip_allow_check: true,
        }
    );
    assert_eq!(
        (r[1].from.port, r[1].from.path_prefix.as_str()),
        (8443, "api")
    );
    assert_eq!(
        (
            r[1].to.scheme.as_str(),
            r[1].to.port,
            r[1].to.path_prefix.as_str()
        ),
        ("https", 443, "v2")
    );
    assert_eq!(r[2].kind, MapKind::ReverseMap);
    assert_eq!(t.reverse_rules().count(), 1);
    assert_eq!(
        (
            r[3].from.host.as_str(),
            r[3].from.scheme.as_str(),
            r[3].from.port
        ),
        ("", "http", 80)
    );
    assert_eq!((r[4].from.port, r[4].to.port), (80, 443));
    assert_eq!(
        (
            r[5].from.scheme.as_str(),
            r[5].from.host.as_str(),
            r[5].from.path_prefix.as_str()
        ),
        ("http", "www.noscheme.com", "x")
    );
}

#[test]
fn continuation_lines_and_line_numbers() {
    let (t, _) =
        table("map http://a.com/ \\\n   http://b.com/\n\nmap http://c.com/ http://d.com/\n");
    assert_eq!(t.rules[0].line, 1);
    assert_eq!(t.rules[0].to.host, "b.com");
    assert_eq!(t.rules[1].line, 4);
    let e = err("map http://a.com/ \\\n http://b.com/\nbogus x y\n");
    assert_eq!(e, "/etc/ts/remap.config:3: unknown mapping type 'bogus'");
}

#[test]
fn unsupported_types_are_skipped_with_a_warning() {
    let (t, w) = table(
        "map_with_referer http://a/ http://b/ x\n\
         regex_reverse_map http://(.*).example.com/ http://o/\n\
         map http://t.example.com/ tunnel://o:443/\n\
         regex_map_with_referer http://a/ http://b/ x\n\
         map http://ok/ http://o/\n",
    );
    assert_eq!(t.rules.len(), 1);
    assert_eq!(w.len(), 4, "{w:?}");
    assert!(
        w[0].contains("remap.config:1: map_with_referer rules are not supported"),
        "{w:?}"
    );
    assert!(w[1].contains(":2: regex_reverse_map rules"), "{w:?}");
    assert!(
        w[2].contains(":3: http:// -> tunnel:// rules are not supported"),
        "{w:?}"
    );
    assert!(w[3].contains(":4: regex_map_with_referer"), "{w:?}");
}

#[test]
fn tunnel_rules_map_a_server_name_and_port_to_a_destination() {
    let (t, w) = table(
        "map tunnel://t.example.com:443/ tunnel://o.test:4443/\n\
         map / http://any/\n",
    );
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        t.tunnel_target("T.example.com", 443),
        Some(("o.test", 4443))
    );
    assert_eq!(t.tunnel_target("t.example.com", 444), None);
    // A rule without a host does not take tunnels.
    assert_eq!(t.tunnel_target("other.test", 443), None);
    assert!(err("map tunnel://t.example.com/ tunnel://o:1/\n").contains("needs a port"));
    assert!(err("redirect tunnel://t:1/ tunnel://o:1/\n").contains("map rules"));
}

#[test]
fn redirect_regex_and_recv_port_rules() {
    let (t, w) = table(
        "redirect http://a.test/old/ http://new.test/base/\n\
         REDIRECT_TEMPORARY http://b.test:8080/ http://t.test:8080/x\n\
         regex_map http://(.*)\\.RX\\.test/ http://$1.o.test/\n\
         regex_redirect http://([a-z]+)-(\\d+)\\.rr\\.test/ https://$2.$1.example.com/p/\n\
         map_with_recv_port http://any.test:18501/ http://o/recv/\n\
         regex_map_with_recv_port http://r(.)\\.test:18501/ http://o$1/\n",
    );
    assert!(w.is_empty(), "{w:?}");
    let kinds: Vec<_> = t.rules.iter().map(|r| r.kind).collect();
    use MapKind::*;
    assert_eq!(
        kinds,
        [
            Redirect,
            RedirectTemporary,
            Map,
            Redirect,
            MapWithRecvPort,
            MapWithRecvPort
        ]
    );
    assert!(t.has_recv_port && t.has_redirect);
    // The regex is the lower-cased host.
    assert_eq!(
        t.rules[2].host_regex.as_ref().unwrap().re.as_str(),
        "(?-u)(.*)\\.rx\\.test"
    );
    assert!(t.rules[0].host_regex.is_none());
    // Regex rules are never duplicates.
    table("regex_map http://(a)/ http://o/\nregex_map http://(a)/ http://o/\n");
    let (plain, _) = table("map http://a/ http://b/\n");
    assert!(!plain.has_recv_port && !plain.has_redirect);
}

#[test]
fn filters_go_to_the_rules_written_while_active() {
    let (t, w) = table(
        ".definefilter deny_put @action=deny @method=PUT\n\
         map http://a/ http://o/\n\
         .activatefilter deny_put\n\
         map http://b/ http://o/ @action=allow @src_ip=10.0.0.0/8\n\
         redirect http://c/ http://o/\n\
         .deactivatefilter deny_put\n\
         map http://d/ http://o/ @internal\n\
         .deletefilter deny_put\n",
    );
    let names =
        |i: usize| -> Vec<&str> { t.rules[i].filters.iter().map(|f| f.name.as_str()).collect() };
    assert!(names(0).is_empty());
    assert_eq!(names(1), ["deny_put", ""]);
    assert_eq!(t.rules[1].filters[1].src_ip.len(), 1);
    assert!(names(2).is_empty(), "redirect rules take no filters");
    assert!(
        w.iter()
            .any(|w| w.contains(":5: ACL filters are checked for map rules only")),
        "{w:?}"
    );
    assert_eq!(names(3), [""]);
    assert!(t.rules[3].filters[0].internal);
}

#[test]
fn include_reads_files_and_directories_and_refuses_loops() {
    let dir = std::env::temp_dir().join(format!("tshost-remap-inc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("conf.d/sub")).unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    w(
        "remap.config",
        "map http://a/ http://o/\n.include one.config conf.d\nmap http://z/ http://o/\n",
    );
    w(
        "one.config",
        ".definefilter f @action=deny\n.activatefilter f\nmap http://b/ http://o/\n",
    );
    w("conf.d/20.config", "map http://d/ http://o/\n");
    w("conf.d/10.config", "map http://c/ http://o/\n");
    w("conf.d/sub/x.config", "bogus\n");
    let t = RemapTable::load(&dir.join("remap.config")).unwrap();
    let hosts: Vec<_> = t.rules.iter().map(|r| r.from.host.as_str()).collect();
    assert_eq!(hosts, ["a", "b", "c", "d", "z"]);
    // The filter activated in the included file stays active after it (as ATS).
    assert_eq!(t.rules[4].filters.len(), 1);
    assert!(t.rules[1].file.ends_with("one.config"));
    assert_eq!(t.rules[2].line, 1);
    // Errors name the included file and line.
    w("one.config", "\nmap http://b/\n");
    let e = RemapTable::load(&dir.join("remap.config"))
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("one.config:2: malformed line (expected TYPE FROM TO)"),
        "{e}"
    );
    // A file that includes itself, directly or not.
    w("one.config", ".include two.config\n");
    w("two.config", ".include remap.config\n");
    let e = RemapTable::load(&dir.join("remap.config"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("two.config:1: .include loop: "), "{e}");
    assert!(e.ends_with("remap.config is already being read"), "{e}");
    w("one.config", ".include missing.config\n");
    let e = RemapTable::load(&dir.join("remap.config"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("one.config:1: ") && e.contains("missing.config: No such file"),
        "{e}"
    );
    w("remap.config", ".include\n");
    let e = RemapTable::load(&dir.join("remap.config"))
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("remap.config:1: Directive \".include\" must have a path argument"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn options_warn_once_by_name() {
    let (t, w) = table(
        "map http://a/ http://b/ @mapid=1 @Frob\n\
         map http://c/ http://d/ @mapid=2 @frob @\n\
         map http://e/ http://f/ tag\n",
    );
    assert_eq!(t.rules.len(), 3);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains(":1: option @mapid is not supported"), "{w:?}");
    assert!(
        w[1].contains(":1: ignoring invalid remap option '@Frob'"),
        "{w:?}"
    );
    assert!(w[2].contains(":3: extra argument 'tag'"), "{w:?}");
}

#[test]
fn plugin_chains_take_their_pparams_as_ats_does() {
    let (t, w) = table(
        "map http://a/ http://b/ @pparam=early @plugin=one.so @pparam=x @PParam=y \\\n  @Plugin=/abs/two.so @pparam=z\n\
         map http://c/ http://d/ @pparam=lonely\n\
         reverse_map http://b/ http://a/ @plugin=one.so\n",
    );
    let spec = |p: &str, params: &[&str]| PluginSpec {
        path: p.into(),
        params: params.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        t.rules[0].plugins,
        [
            spec("one.so", &["early", "x", "y"]),
            spec("/abs/two.so", &["z"])
        ]
    );
    assert_eq!(
        (t.rules[0].from_text.as_str(), t.rules[0].to_text.as_str()),
        ("http://a/", "http://b/")
    );
    // As ATS prints them for argv: the path's '/' added when the URL has none.
    let (printed, _) = table("map http://myhost.test https://o.test:8443 @plugin=x.so\n");
    assert_eq!(
        (
            printed.rules[0].from_text.as_str(),
            printed.rules[0].to_text.as_str()
        ),
        ("http://myhost.test/", "https://o.test:8443/")
    );
    assert!(t.rules[1].plugins.is_empty() && t.rules[2].plugins.is_empty());
    assert_eq!((t.rules[1].id, t.rules[2].id), (1, 2));
    assert!(
        w.iter()
            .any(|w| w.contains(":3: @pparam without a @plugin")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains(":4: remap plugins run for map rules only")),
        "{w:?}"
    );
}

#[test]
fn errors_name_file_line_and_reason() {
    let p = "/etc/ts/remap.config";
    for (text, want) in [
        (
            "map http://a/ http://b/ @plugin= @pparam=x\n",
            "1: Can't find remap plugin file name in \"@plugin=\"",
        ),
        (
            "\nmap http://a/ http://b/ @action=maybe\n",
            "2: Unknown argument \"action=maybe\"",
        ),
        (
            "map http://a/ http://b/ @src_ip=10.0.0.300\n",
            "1: Unable to parse IP value in src_ip=10.0.0.300",
        ),
        (
            ".activatefilter x\n",
            "1: Undefined filter \"x\" in directive \".activatefilter\"",
        ),
        (
            "regex_map http://(a/ http://b/\n",
            "1: could not process regex mapping config line",
        ),
        (
            "regex_map http://(a)/ http://$2/\n",
            "1: could not process regex mapping config line: substitution id [2]",
        ),
        (
            "redirect /x http://b/\n",
            "1: remap source in reverse mappings requires a hostname",
        ),
        (".frobnicate\n", "1: unknown directive \".frobnicate\""),
        (
            "map http://a/\n",
            "1: malformed line (expected TYPE FROM TO)",
        ),
        (
            "mapp http://a/ http://b/\n",
            "1: unknown mapping type 'mapp'",
        ),
        (
            "map ftp://a/ http://b/\n",
            "1: only http, https, ws, wss, and tunnel remappings are supported",
        ),
        (
            "map http://a/ b/\n",
            "1: only http, https, ws, wss, and tunnel remappings are supported",
        ),
        (
            "map ws://a/ http://b/\n",
            "1: WS or WSS can only be mapped out to WS or WSS.",
        ),
        (
            "reverse_map /x http://b/\n",
            "1: remap source in reverse mappings requires a hostname",
        ),
        (
            "map http:///x http://b/\n",
            "1: relative remappings must begin with a /",
        ),
        (
            "map http://a/ http:///x\n",
            "1: The remap destinations require a hostname",
        ),
        (
            "map http://a:0/ http://b/\n",
            "1: invalid port '0' in the From URL",
        ),
        (
            "map http://a/ http://b:70000/\n",
            "1: invalid port '70000' in the To URL",
        ),
        (
            "map 1http://a/ http://b/\n",
            "1: malformed From URL: 1http://a/",
        ),
        (
            "map http://a/x http://b/\nmap http://A:80/x http://c/\n",
            "2: duplicate rule: line 1 already maps",
        ),
        ("map /x http://b/\nmap /x http://c/\n", "2: duplicate rule"),
    ] {
        let e = err(text);
        assert!(e.starts_with(&format!("{p}:{want}")), "{text:?}: {e}");
    }
    // The same FROM may be used by map and reverse_map.
    table("map http://a/ http://b/\nreverse_map http://a/ http://b/\n");
}

#[test]
fn load_missing_file_is_empty() {
    let t = RemapTable::load(Path::new("/nonexistent/tshost/remap.config")).unwrap();
    assert!(t.rules.is_empty());
    assert!(t.lookup("http", "h", 80, "/").is_none());
}

#[test]
fn a_quote_that_swallows_spaces_into_a_url_makes_no_url() {
    // Found by the fuzz smoke: `http://o'` opened a quote that took the rest of the line into
    // the TO URL's host.
    let text = "map http://a.test/ http://o' @in_ip=127.0.0.1 @internal\n";
    assert!(RemapTable::parse(text, Path::new("remap.config")).is_err());
    // A quote alone too: written back with more words after it, it would take them in.
    let text = "redirect http://r.test/old/ https://n.test'base/\n";
    assert!(RemapTable::parse(text, Path::new("remap.config")).is_err());
}
