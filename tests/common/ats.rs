//! ATS 9.2.9's own source (the one Debian built its package from, fetched by
//! `tests/gold/run --print-source`) and its example plugins built against tshost's headers alone,
//! or against Debian's ts.h.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{crate_dir, include_dir, Header};

/// ATS's source tree (fetched once, kept under build/gold).
pub fn ats_source() -> PathBuf {
    static SRC: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SRC.get_or_init(|| {
        let out = Command::new("python3")
            .arg(crate_dir().join("tests/gold/run"))
            .arg("--print-source")
            .output()
            .expect("run tests/gold/run");
        assert!(
            out.status.success(),
            "fetching ATS's source failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let path = PathBuf::from(text.lines().last().expect("a path").trim());
        assert!(path.join("example/plugins/c-api").is_dir(), "{path:?}");
        path
    })
    .clone()
}

/// Build `example/plugins/c-api/<rel>` into `dir`, with tshost's `include/` the only place ts/
/// headers come from: the compiler's list of the headers it read names none of Debian's.
pub fn build_example(rel: &str, dir: &Path) -> PathBuf {
    build_ats_plugin(&format!("example/plugins/c-api/{rel}"), dir, Header::Ours)
}

/// Build `example/plugins/c-api/<rel>` into `dir` against `header`'s ts.h. With Debian's, the
/// ATS-internal headers Debian does not ship (`tscore/`, `tscpp/util/`) are tshost's stand-ins;
/// the compiler's list of the headers it read shows which ts.h it took.
pub fn build_example_with(rel: &str, dir: &Path, header: Header) -> PathBuf {
    build_ats_plugin(&format!("example/plugins/c-api/{rel}"), dir, header)
}

/// Build ATS's test plugin `tests/tools/plugins/<rel>` (what the gold tests load) into `dir`, as
/// [`build_example`] builds the examples.
pub fn build_test_plugin(rel: &str, dir: &Path) -> PathBuf {
    build_test_plugin_with(rel, dir, Header::Ours)
}

/// [`build_test_plugin`] against `header`'s ts.h.
pub fn build_test_plugin_with(rel: &str, dir: &Path, header: Header) -> PathBuf {
    build_ats_plugin(&format!("tests/tools/plugins/{rel}"), dir, header)
}

/// Build the plugin at `rel` in ATS's source into `dir` against `header`'s ts.h.
fn build_ats_plugin(rel: &str, dir: &Path, header: Header) -> PathBuf {
    let src = ats_source().join(rel);
    let cxx = rel.ends_with(".cc");
    let stem = Path::new(rel).file_stem().unwrap().to_str().unwrap();
    let tag = match header {
        Header::Ours => "",
        Header::Debian => "-debian",
    };
    let so = dir.join(format!("{stem}{tag}.so"));
    let deps = dir.join(format!("{stem}{tag}.d"));
    let includes = match header {
        Header::Ours => include_dir(),
        Header::Debian => {
            // Only the stand-ins: ts/ts.h then comes from /usr/include.
            let d = dir.join("include-internal");
            std::fs::create_dir_all(&d).unwrap();
            for sub in ["tscore", "tscpp"] {
                let link = d.join(sub);
                if !link.exists() {
                    std::os::unix::fs::symlink(include_dir().join(sub), &link).unwrap();
                }
            }
            d
        }
    };
    let mut cmd = Command::new(if cxx { "g++" } else { "gcc" });
    if cxx {
        cmd.arg("-std=c++17");
    }
    let out = cmd
        .args(["-shared", "-fPIC", "-g", "-MD", "-MF"])
        .arg(&deps)
        .arg("-I")
        .arg(&includes)
        // ATS's build-configuration header, as the gold tests' plugins get it.
        .arg("-I")
        .arg(crate_dir().join("tests/gold/include"))
        .arg("-o")
        .arg(&so)
        .arg(&src)
        .arg("-lcrypto")
        .output()
        .expect("run the compiler");
    assert!(
        out.status.success(),
        "{rel} did not build against {header:?}'s ts.h:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = std::fs::read_to_string(&deps).unwrap();
    let ours = include_dir().display().to_string();
    match header {
        Header::Ours => {
            assert!(read.contains(&format!("{ours}/ts/ts.h")), "{read}");
            for debian in ["/usr/include/ts/", "/usr/include/tscore/"] {
                assert!(!read.contains(debian), "{rel} read {debian}: {read}");
            }
        }
        Header::Debian => {
            assert!(read.contains("/usr/include/ts/ts.h"), "{read}");
            assert!(
                !read.contains(&format!("{ours}/ts/")),
                "{rel} read our ts/: {read}"
            );
        }
    }
    so
}
