//! Build script: compiles the small C file that holds ATS's variadic functions, and generates
//! `include/ts/ts.h` and `include/tshost.h` with cbindgen from the declarations in `src/sys/` and the
//! exports in `src/api/`.
//!
//! The generated headers are committed; CI regenerates them and fails if they differ.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The variadic functions defined in src/api/varargs.c.
const VARIADIC: &[&str] = &[
    "TSDebug",
    "TSDebugSpecific",
    "TSStatus",
    "TSNote",
    "TSWarning",
    "TSError",
    "TSFatal",
    "TSAlert",
    "TSEmergency",
    "TSTextLogObjectWrite",
];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src/api");
    println!("cargo:rerun-if-changed=src/sys");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    // Variadic ATS functions (TSDebug, TSError, ...) cannot be defined in stable Rust.
    // Link the archive whole so that every symbol lands in the binary and the cdylib even
    // though no Rust code calls it.
    cc::Build::new()
        .file("src/api/varargs.c")
        .flag_if_supported("-fvisibility=default")
        .warnings(true)
        .cargo_metadata(false)
        .compile("tshost_varargs");
    let out = std::env::var("OUT_DIR").unwrap();
    println!("cargo:rustc-link-search=native={out}");
    println!("cargo:rustc-link-lib=static:+whole-archive=tshost_varargs");

    // The binary exports every TS* symbol dynamically, so that plugins it dlopens resolve
    // against it (as traffic_server does).
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic");

    // rustc's version script for the cdylib exports only Rust items; add the C ones.
    let map = format!("{out}/varargs.map");
    let names = VARIADIC
        .iter()
        .map(|n| format!("{n};"))
        .collect::<Vec<_>>()
        .join(" ");
    fs::write(&map, format!("{{ global: {names} }};\n")).unwrap();
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={map}");
    generate_headers(&root);
}

/// Names of the types declared in a Rust source file (`pub enum X`, `pub struct X`, `pub type X`).
fn declared_types(src: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in src.lines() {
        let l = line.trim_start();
        for kw in ["pub enum ", "pub struct ", "pub union ", "pub type "] {
            if let Some(rest) = l.strip_prefix(kw) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

fn base_config(root: &Path) -> cbindgen::Config {
    let mut cfg = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    cfg.language = cbindgen::Language::C;
    cfg
}

/// The .rs files under `dir`, its subdirectories' included (a family split into a folder, e.g.
/// src/api/hdrs/). A folder's mod.rs holds no exports, only what its files share.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().map(|e| e == "rs").unwrap_or(false) {
            out.push(p);
        }
    }
    out
}

fn generate_headers(root: &Path) {
    let api = root.join("src/api");
    let sys = root.join("src/sys");
    let mut sources = rust_files(&sys);
    sources.extend(rust_files(&api));
    sources.sort();

    // ts.h: the declarations in src/sys and the exports in src/api, but the embedding API.
    // The declarations: every file of src/sys/types/ (split by section of ts.h; its mod.rs
    // declares nothing).
    let mut type_files = rust_files(&sys.join("types"));
    type_files.sort();
    let types_src: String = type_files
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let mut cfg = base_config(root);
    let mut include: BTreeSet<String> = BTreeSet::new();
    for name in declared_types(&types_src) {
        // `XRaw` is the plain-int form of enum `X` that extern fns take (C enums arrive as
        // integers and are checked, never transmuted): spell it `X` in the header.
        if let Some(base) = name.strip_suffix("Raw") {
            cfg.export.rename.insert(name.clone(), base.to_string());
            cfg.export.exclude.push(name);
        } else {
            include.insert(name);
        }
    }
    cfg.export.include = include.into_iter().collect();
    let mut b = cbindgen::Builder::new().with_config(cfg);
    // mod.rs would make cbindgen load every submodule a second time.
    for s in sources.iter().filter(|p| {
        !p.ends_with("embed.rs") && !p.ends_with("mod.rs") && !p.ends_with("sys/remap.rs")
    }) {
        b = b.with_src(s);
    }
    let mut text = Vec::new();
    b.generate().expect("generate ts.h").write(&mut text);
    let text = alias_enumerators(&String::from_utf8(text).expect("ts.h is UTF-8"));
    let text = tag_self_referential_structs(&text);
    let path = root.join("include/ts/ts.h");
    if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        fs::write(&path, text).expect("write include/ts/ts.h");
    }

    // remap.h: the remap plugin interface, on top of ts.h.
    generate_remap_header(root, &sys, &types_src);

    // tshost.h: the embedding and test-harness API, on top of ts.h.
    let mut cfg = base_config(root);
    cfg.header = Some(
        "/* tshost.h: embed tshost in a C program and unit-test plugins without sockets.\n * Generated by cbindgen from src/api/embed.rs; do not edit. */"
            .into(),
    );
    cfg.after_includes = None;
    cfg.trailer = None;
    cfg.sys_includes = vec!["ts/ts.h".into()];
    cfg.includes = vec![];
    let embed_types = fs::read_to_string(api.join("embed.rs")).unwrap_or_default();
    cfg.export.include = declared_types(&embed_types);
    for name in declared_types(&types_src) {
        if let Some(base) = name.strip_suffix("Raw") {
            cfg.export.rename.insert(name.clone(), base.to_string());
        }
        cfg.export.exclude.push(name);
    }
    cbindgen::Builder::new()
        .with_config(cfg)
        .with_src(api.join("embed.rs"))
        .generate()
        .expect("generate tshost.h")
        .write_to_file(root.join("include/tshost.h"));
}

/// An enumerator that repeats another's value (`TS_SSL_VERIFY_SERVER_HOOK =
/// TS_SSL_SERVER_VERIFY_HOOK` in ATS's apidefs.h) is a `#define` in tshost's header (Rust enums
/// cannot repeat a value): spelled as the enumerator it repeats, not as a number, so that in C++
/// it has the enum's type (a plugin passes it where a `TSHttpHookID` is expected). Its doc comment
/// names the enumerator: "Alias of `TARGET` (N)".
fn alias_enumerators(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut target: Option<String> = None;
    for line in header.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("* Alias of `") {
            target = rest.split('`').next().map(str::to_string);
        }
        match (&target, line.strip_prefix("#define ")) {
            (Some(t), Some(def)) => {
                let name = def.split(' ').next().unwrap_or("");
                out.push_str(&format!("#define {name} {t}\n"));
                target = None;
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A struct that points to its own type (ATS's `struct TSFetchUrlParams`, a linked list) needs a
/// tag in C: cbindgen writes `typedef struct { ... X *next; } X;`, where `X` is not declared yet
/// inside the braces. Such a struct becomes `typedef struct X { ... struct X *next; } X;`.
fn tag_self_referential_structs(header: &str) -> String {
    let lines: Vec<&str> = header.lines().collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "typedef struct {" {
            i += 1;
            continue;
        }
        let Some(end) = (i + 1..lines.len()).find(|&j| lines[j].starts_with('}')) else {
            break;
        };
        let name = lines[end]
            .trim_start_matches('}')
            .trim()
            .trim_end_matches(';')
            .to_string();
        let own = format!("  {name} *");
        if !name.is_empty() && (i + 1..end).any(|j| lines[j].starts_with(&own)) {
            out[i] = format!("typedef struct {name} {{");
            for (j, line) in out.iter_mut().enumerate().take(end).skip(i + 1) {
                if lines[j].starts_with(&own) {
                    *line = format!("  struct {}", &lines[j][2..]);
                }
            }
        }
        i = end + 1;
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The entry points a remap plugin defines (tshost calls them), as ATS 9.2's remap.h declares
/// them: cbindgen only writes what tshost defines, so they are the header's trailer.
const REMAP_ENTRY_POINTS: &str = r#"
#ifdef __cplusplus
extern "C" {
#endif

/* The entry points a remap plugin implements; TSRemapInit and TSRemapDoRemap are required. */

/* Called once, when the plugin is loaded. TS_ERROR (with a message in errbuf) stops the load. */
tsapi TSReturnCode TSRemapInit(TSRemapInterface *api_info, char *errbuf, int errbuf_size);
/* Called before remap.config is loaded again (a reload). */
tsapi void TSRemapPreConfigReload(void);
/* Called after remap.config was loaded again, with how it went for this plugin. */
tsapi void TSRemapPostConfigReload(TSRemapReloadStatus reloadStatus);
/* Called for each request of a rule that names the plugin, at remap time. */
tsapi TSRemapStatus TSRemapDoRemap(void *ih, TSHttpTxn rh, TSRemapRequestInfo *rri);
/* Called when the plugin is unloaded. */
tsapi void TSRemapDone(void);
/* Called for each rule that names the plugin: argv[0] and argv[1] are the rule's FROM and TO URLs,
   then its @pparam values. TS_ERROR (with a message in errbuf) refuses the rule. */
tsapi TSReturnCode TSRemapNewInstance(int argc, char *argv[], void **ih, char *errbuf, int errbuf_size);
/* Called when a rule's instance goes (a reload, or stop). */
tsapi void TSRemapDeleteInstance(void *);
/* Called, for the first plugin of the rule, when the origin's response arrives. */
tsapi void TSRemapOSResponse(void *ih, TSHttpTxn rh, int os_response_type);

#ifdef __cplusplus
}
#endif
"#;

/// include/ts/remap.h from src/sys/remap.rs.
fn generate_remap_header(root: &Path, sys: &Path, ts_types_src: &str) {
    let mut cfg = base_config(root);
    cfg.header = Some(
        "/* ts/remap.h: the Apache Traffic Server 9.2 remap plugin interface as tshost supports it.\n * Generated by cbindgen from src/sys/remap.rs (build.rs, cbindgen.toml); do not edit.\n * ABI-identical to ATS 9.2's ts/remap.h. */"
            .into(),
    );
    cfg.after_includes = None;
    cfg.trailer = Some(REMAP_ENTRY_POINTS.into());
    cfg.sys_includes = vec!["ts/ts.h".into()];
    cfg.includes = vec![];
    let remap_src = fs::read_to_string(sys.join("remap.rs")).expect("src/sys/remap.rs");
    cfg.export.include = declared_types(&remap_src);
    for name in declared_types(ts_types_src) {
        if let Some(base) = name.strip_suffix("Raw") {
            cfg.export.rename.insert(name.clone(), base.to_string());
        }
        cfg.export.exclude.push(name);
    }
    cbindgen::Builder::new()
        .with_config(cfg)
        .with_src(sys.join("remap.rs"))
        .generate()
        .expect("generate remap.h")
        .write_to_file(root.join("include/ts/remap.h"));
}
