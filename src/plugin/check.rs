//! `tshost plugin-check X.so`: before a deployment, whether a plugin library would load in tshost,
//! without loading it. Its ELF dynamic symbols are read (with the `object` crate): the functions
//! it defines say what kind of plugin it is (TSPluginInit: global, TSRemapInit: remap), and every
//! symbol it needs must come from somewhere in the process it would load into: tshost's own
//! exports (the TS API, libtscore's functions), the libraries tshost links, the system libraries
//! tshost opens for plugins (`hostlibs.rs`), or the plugin's own DT_NEEDED libraries. A weak
//! undefined symbol is optional.
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use object::read::elf::{Dyn, ElfFile64};
use object::{Object, ObjectSymbol};

/// What a library defines and needs.
struct Elf {
    defined: HashSet<String>,
    /// Undefined symbols: (name, weak).
    undefined: Vec<(String, bool)>,
    needed: Vec<String>,
    runpath: Vec<PathBuf>,
}

fn read(path: &Path) -> Result<Elf, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = ElfFile64::<object::Endianness>::parse(&*data)
        .map_err(|e| format!("{}: not a 64-bit ELF shared object ({e})", path.display()))?;
    let mut elf = Elf {
        defined: HashSet::new(),
        undefined: Vec::new(),
        needed: Vec::new(),
        runpath: Vec::new(),
    };
    for sym in file.dynamic_symbols() {
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() {
            continue;
        }
        if sym.is_undefined() {
            elf.undefined.push((name.to_string(), sym.is_weak()));
        } else if sym.is_global() {
            elf.defined.insert(name.to_string());
        }
    }
    let endian = file.endian();
    let sections = file.elf_section_table();
    if let Ok(Some((entries, link))) = sections.dynamic(endian, &*data) {
        if let Ok(strings) = sections.strings(endian, &*data, link) {
            for d in entries {
                let text = || {
                    let val: u64 = d.d_val(endian);
                    let off = u32::try_from(val).ok()?;
                    let s = strings.get(off).ok()?;
                    Some(String::from_utf8_lossy(s).into_owned())
                };
                let tag: u64 = d.d_tag(endian);
                match tag as u32 {
                    object::elf::DT_NEEDED => elf.needed.extend(text()),
                    object::elf::DT_RUNPATH | object::elf::DT_RPATH => {
                        let origin = path.parent().unwrap_or(Path::new("."));
                        for p in text().unwrap_or_default().split(':') {
                            let p = p.replace("$ORIGIN", &origin.to_string_lossy());
                            elf.runpath.push(PathBuf::from(p));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(elf)
}

/// The file of a library's soname, searched as the dynamic loader would (runpath, then
/// LD_LIBRARY_PATH, then the system's directories).
fn find_library(soname: &str, runpath: &[PathBuf]) -> Option<PathBuf> {
    if soname.contains('/') {
        return Some(PathBuf::from(soname));
    }
    let env: Vec<PathBuf> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    let system = [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
        "/usr/local/lib",
    ];
    runpath
        .iter()
        .cloned()
        .chain(env)
        .chain(system.iter().map(PathBuf::from))
        .map(|d| d.join(soname))
        .find(|p| p.is_file())
}

/// Every symbol defined by `libs` (sonames) and the libraries they need, searched from
/// `runpath`; the sonames that were not found, and the ATS API symbols those libraries import
/// (strong ones: ATS's libtscppapi needs the TS API from the process as its plugin does).
fn provided_by(
    libs: &[String],
    runpath: &[PathBuf],
    into: &mut HashSet<String>,
) -> (Vec<String>, Vec<String>) {
    let mut seen: HashSet<String> = HashSet::new();
    let mut todo: Vec<String> = libs.to_vec();
    let mut missing = Vec::new();
    let mut imports = Vec::new();
    // Bounded: each soname is read once.
    while let Some(lib) = todo.pop() {
        if !seen.insert(lib.clone()) {
            continue;
        }
        match find_library(&lib, runpath).map(|p| read(&p)) {
            Some(Ok(elf)) => {
                into.extend(elf.defined);
                todo.extend(elf.needed);
                imports.extend(
                    elf.undefined
                        .into_iter()
                        .filter(|(n, weak)| !weak && is_ats(n))
                        .map(|(n, _)| n),
                );
            }
            _ => missing.push(lib),
        }
    }
    (missing, imports)
}

/// Whether the library at `path` calls `symbol` (an undefined dynamic symbol of that name); false
/// when it cannot be read.
pub fn imports(path: &Path, symbol: &str) -> bool {
    read(path).is_ok_and(|e| e.undefined.iter().any(|(n, _)| n == symbol))
}

/// Features tshost turns on only for plugins that use them: transaction milestones are stamped
/// once a plugin that imports TSHttpTxnMilestoneGet is loaded.
pub fn enable_features_for(path: &Path) {
    if imports(path, "TSHttpTxnMilestoneGet") {
        crate::txn::milestones::enable();
    }
}

/// The verdict on one plugin.
#[derive(Debug)]
pub struct Report {
    pub global: bool,
    pub remap: bool,
    /// Symbols of the TS API (and ATS's libraries) tshost does not export.
    pub missing_api: Vec<String>,
    /// Other symbols no library in reach defines.
    pub missing_other: Vec<String>,
    /// DT_NEEDED libraries that were not found.
    pub missing_libs: Vec<String>,
    /// How many ATS API symbols it needs.
    pub api_needed: usize,
}

impl Report {
    pub fn ok(&self) -> bool {
        (self.global || self.remap)
            && self.missing_api.is_empty()
            && self.missing_other.is_empty()
            && self.missing_libs.is_empty()
    }
}

/// Whether a symbol is ATS's (the C API, or a libtscore/libtscpputil C++ name tshost may export).
fn is_ats(name: &str) -> bool {
    name.starts_with("TS")
        || name.starts_with("_ZN2ts")
        || name.starts_with("_ZNK2ts")
        || name.starts_with("_Z") && name.contains("ats_")
        || name.starts_with("ats_")
        || name.starts_with("ink_")
        || name.starts_with("_Z") && name.contains("ink_")
}

/// Check `plugin` against the process of the tshost binary at `host` (its exports and the
/// libraries it links) and the libraries it opens for plugins (`host_libs`).
pub fn check(plugin: &Path, host: &Path, host_libs: &[&str]) -> Result<Report, String> {
    let p = read(plugin)?;
    let h = read(host)?;
    let mut provided = h.defined.clone();
    let _ = provided_by(&h.needed, &h.runpath, &mut provided);
    let libs: Vec<String> = host_libs.iter().map(|s| s.to_string()).collect();
    let _ = provided_by(&libs, &[], &mut provided);
    let (missing_libs, lib_imports) = provided_by(&p.needed, &p.runpath, &mut provided);
    let mut report = Report {
        global: p.defined.contains("TSPluginInit"),
        remap: p.defined.contains("TSRemapInit"),
        missing_api: Vec::new(),
        missing_other: Vec::new(),
        missing_libs,
        api_needed: 0,
    };
    for (name, weak) in &p.undefined {
        let ats = is_ats(name);
        report.api_needed += ats as usize;
        if *weak || provided.contains(name) {
            continue;
        }
        if ats {
            report.missing_api.push(name.clone());
        } else {
            report.missing_other.push(name.clone());
        }
    }
    // What the plugin's own libraries need from the process (libtscppapi's TS calls).
    let mut lib_imports: Vec<String> = lib_imports
        .into_iter()
        .filter(|n| !p.undefined.iter().any(|(u, _)| u == n))
        .collect();
    lib_imports.sort();
    lib_imports.dedup();
    report.api_needed += lib_imports.len();
    for name in lib_imports {
        if !provided.contains(&name) && !report.missing_api.contains(&name) {
            report.missing_api.push(name);
        }
    }
    report.missing_api.sort();
    report.missing_other.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ats_names_are_told_from_the_rest() {
        assert!(is_ats("TSHttpTxnMilestoneGet"));
        assert!(is_ats("_ZN2ts5svtoiENS_8TextViewEPS0_i"));
        assert!(is_ats("ats_ip_ntop"));
        assert!(!is_ats("SSL_get_servername"));
        assert!(!is_ats("_ZNSt6chrono3_V212system_clock3nowEv"));
    }

    #[test]
    fn a_file_that_is_not_elf_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("tshost-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("not.so");
        std::fs::write(&f, b"hello").unwrap();
        let e = read(&f).err().unwrap();
        assert!(e.contains("not.so: not a 64-bit ELF"), "{e}");
        assert!(read(&dir.join("absent.so")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
