//! plugin.config, parsed exactly the way ATS 9.2's `plugin_init()` (proxy/Plugin.cc) parses it.
//!
//! ATS reads the file with `ink_file_fd_readline(fd, sizeof(line) - 1, line)` into `char line[1024]`.
//! That reader stores at most `bufsz - 1` bytes, so one "line" holds at most **1022 bytes including
//! its `\n`**; the rest of a longer physical line is parsed as another line (which keeps, here, the
//! physical line number it came from). Each line is a C string, so a NUL byte ends its content.
//!
//! Per line: skip SP/HT/LF/CR; blank or `#` → ignored. Then tokens (at most [`MAX_PLUGIN_ARGS`]):
//! * `"...`: everything up to the next `"` (no escapes); unterminated → to the end of the line,
//!   including its `\n`. Text right after the closing quote starts a new token.
//! * otherwise up to SP/HT/LF/CR or `#`; if it stops at `#` or at the end, ATS writes no NUL, so the
//!   token keeps the `#`, everything after it, and the newline.
//! * the 64-token check happens before skipping whitespace: after the 64th token, if that token was
//!   closed by a delimiter (whitespace, or its closing quote), the "Exceeded max number of args"
//!   warning is issued (argv[0] shown as written, before `$` expansion).
//!
//! Then every token (argv[0] included) that starts with `$` is looked up as a record name; an
//! unknown one is kept verbatim and warned about.
#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// `MAX_PLUGIN_ARGS` in proxy/Plugin.h.
pub const MAX_PLUGIN_ARGS: usize = 64;

/// Bytes one read of `ink_file_fd_readline(fd, 1023, line)` can return (`\n` included).
pub const MAX_LINE_CHUNK: usize = 1022;

const FILE_NAME: &str = "plugin.config";

/// One plugin line of plugin.config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginLine {
    /// 1-based physical line number (a split continuation keeps the number of its physical line).
    pub line: usize,
    /// Raw bytes after `$` expansion; argv[0] is the token as written (expanded if it was `$name`).
    /// With exactly [`MAX_PLUGIN_ARGS`] tokens ATS passes `argc == 64` but overwrites `argv[63]`
    /// with NULL: see [`PluginLine::c_argv`].
    pub argv: Vec<Vec<u8>>,
}

impl PluginLine {
    /// The `argc` ATS passes to `TSPluginInit`.
    pub fn argc(&self) -> usize {
        self.argv.len()
    }

    /// The argv slots ATS hands to `TSPluginInit`, `argc + 1` entries, `None` meaning NULL: the
    /// tokens followed by a NULL, except that with 64 tokens slot 63 is NULL too (ATS writes
    /// `argv[MAX_PLUGIN_ARGS - 1] = nullptr` while leaving `argc` at 64).
    pub fn c_argv(&self) -> Vec<Option<&[u8]>> {
        let mut v: Vec<Option<&[u8]>> = self.argv.iter().map(|a| Some(a.as_slice())).collect();
        if v.len() >= MAX_PLUGIN_ARGS {
            v[MAX_PLUGIN_ARGS - 1] = None;
        }
        v.push(None);
        v
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseOutput {
    pub plugins: Vec<PluginLine>,
    /// "plugin.config line N: <ATS warning text>", in file order.
    pub warnings: Vec<String>,
}

/// SP, HT, LF, CR (`ParseRules::is_wslfcr`).
fn is_wslfcr(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Split `text` the way the ATS line reader does: pieces of at most [`MAX_LINE_CHUNK`] bytes,
/// each ending after a `\n` when there is one within reach. Yields (physical line number, piece).
fn chunks(text: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while pos < text.len() {
        let start = pos;
        while pos < text.len() && pos - start < MAX_LINE_CHUNK {
            let c = text[pos];
            pos += 1;
            if c == b'\n' {
                break;
            }
        }
        out.push((line, &text[start..pos]));
        if text[pos - 1] == b'\n' {
            line += 1;
        }
    }
    out
}

/// Tokenise one line buffer (already cut at its first NUL). Returns the tokens and whether the
/// 64-argument warning fires.
fn tokenize(buf: &[u8]) -> (Vec<&[u8]>, bool) {
    let len = buf.len();
    let mut p = 0;
    let mut argv: Vec<&[u8]> = Vec::new();
    loop {
        if argv.len() >= MAX_PLUGIN_ARGS {
            return (argv, true);
        }
        while p < len && is_wslfcr(buf[p]) {
            p += 1;
        }
        if p == len || buf[p] == b'#' {
            return (argv, false);
        }
        if buf[p] == b'"' {
            p += 1;
            let start = p;
            while p < len && buf[p] != b'"' {
                p += 1;
            }
            argv.push(&buf[start..p]);
            if p == len {
                return (argv, false);
            }
            p += 1; // the closing quote becomes the NUL
        } else {
            let start = p;
            while p < len && !is_wslfcr(buf[p]) && buf[p] != b'#' {
                p += 1;
            }
            if p == len || buf[p] == b'#' {
                // No NUL is written: the token runs to the end of the buffer.
                argv.push(&buf[start..]);
                return (argv, false);
            }
            argv.push(&buf[start..p]);
            p += 1; // the delimiter becomes the NUL
        }
    }
}

/// Parse plugin.config. `lookup` resolves a record name (without the `$`) to its expanded text
/// (STRING as is, INT/COUNTER as `%ld`, FLOAT as `%f`), or None when there is no such record.
pub fn parse_plugin_config(text: &[u8], lookup: &dyn Fn(&str) -> Option<String>) -> ParseOutput {
    let mut out = ParseOutput::default();
    for (line, chunk) in chunks(text) {
        // The buffer is a C string: an embedded NUL ends it.
        let buf = match chunk.iter().position(|&c| c == 0) {
            Some(n) => &chunk[..n],
            None => chunk,
        };
        let first = buf.iter().position(|&c| !is_wslfcr(c));
        match first {
            None => continue,
            Some(i) if buf[i] == b'#' => continue,
            Some(_) => {}
        }
        let (tokens, exceeded) = tokenize(buf);
        if exceeded {
            out.warnings.push(format!(
                "{FILE_NAME} line {line}: Exceeded max number of args ({MAX_PLUGIN_ARGS}) for plugin: [{}]",
                String::from_utf8_lossy(tokens[0])
            ));
        }
        let mut argv = Vec::with_capacity(tokens.len());
        for tok in tokens {
            if let Some(name) = tok.strip_prefix(b"$") {
                let value = std::str::from_utf8(name).ok().and_then(lookup);
                match value {
                    Some(v) => {
                        argv.push(v.into_bytes());
                        continue;
                    }
                    None => out.warnings.push(format!(
                        "{FILE_NAME} line {line}: unable to find parameter {}",
                        String::from_utf8_lossy(name)
                    )),
                }
            }
            argv.push(tok.to_vec());
        }
        out.plugins.push(PluginLine { line, argv });
    }
    out
}

/// `ink_filepath_make(plugin_dir, argv0)`: an absolute argv0 is used verbatim; otherwise
/// `plugin_dir + "/" + argv0`, the `/` not doubled when plugin_dir already ends with one. An empty
/// plugin_dir yields argv0 unchanged. No search path, no extension added.
pub fn resolve_plugin_path(plugin_dir: &Path, argv0: &[u8]) -> PathBuf {
    let dir = plugin_dir.as_os_str().as_bytes();
    if argv0.first() == Some(&b'/') || dir.is_empty() {
        return PathBuf::from(OsStr::from_bytes(argv0));
    }
    let mut p = Vec::with_capacity(dir.len() + 1 + argv0.len());
    p.extend_from_slice(dir);
    if dir.last() != Some(&b'/') {
        p.push(b'/');
    }
    p.extend_from_slice(argv0);
    PathBuf::from(OsStr::from_bytes(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_records(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &[u8]) -> ParseOutput {
        parse_plugin_config(text, &no_records)
    }

    fn argv(p: &PluginLine) -> Vec<String> {
        p.argv
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap())
            .collect()
    }

    #[test]
    fn simple_lines_in_order_with_line_numbers() {
        let out = parse(b"a.so x y\n\nb.so\n");
        assert!(out.warnings.is_empty());
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(out.plugins[0].line, 1);
        assert_eq!(argv(&out.plugins[0]), ["a.so", "x", "y"]);
        assert_eq!(out.plugins[1].line, 3);
        assert_eq!(argv(&out.plugins[1]), ["b.so"]);
    }

    #[test]
    fn leading_whitespace_and_blank_lines() {
        let out = parse(b"   \t\r\n \t  a.so\t\targ  \r\n\r\n\t\n");
        assert_eq!(out.plugins.len(), 1);
        assert_eq!(out.plugins[0].line, 2);
        assert_eq!(argv(&out.plugins[0]), ["a.so", "arg"]);
    }

    #[test]
    fn comment_lines_ignored() {
        let out = parse(b"# a.so\n   # b.so x\n\t#\nc.so\n");
        assert_eq!(out.plugins.len(), 1);
        assert_eq!(out.plugins[0].line, 4);
        assert_eq!(argv(&out.plugins[0]), ["c.so"]);
    }

    #[test]
    fn comment_after_whitespace() {
        let out = parse(b"a.so # c d\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so"]);
        let out = parse(b"a.so x\t#c\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "x"]);
    }

    #[test]
    fn hash_glued_to_token_keeps_rest_of_line_and_newline() {
        // The [observed] quirk: one argument including the trailing newline.
        let out = parse(b"a.so x#y  trailing # comment\nb.so\n");
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(
            out.plugins[0].argv[1],
            b"x#y  trailing # comment\n".to_vec()
        );
        assert_eq!(out.plugins[0].argv.len(), 2);
        // Glued to argv[0] as well.
        let out = parse(b"a.so#x\n");
        assert_eq!(out.plugins[0].argv, vec![b"a.so#x\n".to_vec()]);
    }

    #[test]
    fn unquoted_token_at_end_of_file_without_newline() {
        let out = parse(b"a.so last");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "last"]);
        let out = parse(b"a.so last\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "last"]);
    }

    #[test]
    fn quoted_tokens_keep_spaces_and_hash() {
        let out = parse(b"a.so \"a # b\" \"\" \"x\ty\"\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "a # b", "", "x\ty"]);
    }

    #[test]
    fn quote_has_no_escapes() {
        let out = parse(b"a.so \"a\\\" b\"\n");
        // `"a\"` is a token `a\`; a quote inside an unquoted token is literal: `b"`.
        assert_eq!(argv(&out.plugins[0]), ["a.so", "a\\", "b\""]);
    }

    #[test]
    fn text_after_closing_quote_starts_new_token() {
        let out = parse(b"a.so \"a\"b \"c\"\"d\"\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "a", "b", "c", "d"]);
    }

    #[test]
    fn unterminated_quote_runs_to_end_including_newline() {
        let out = parse(b"a.so \"abc def # x\nb.so\n");
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(argv(&out.plugins[0]), ["a.so", "abc def # x\n"]);
        assert_eq!(argv(&out.plugins[1]), ["b.so"]);
        let out = parse(b"a.so \"abc");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "abc"]);
    }

    #[test]
    fn quoted_argv0() {
        let out = parse(b"\"my plugin.so\" x\n");
        assert_eq!(argv(&out.plugins[0]), ["my plugin.so", "x"]);
    }

    fn line_with(n: usize, tail: &str) -> Vec<u8> {
        let mut s = String::from("x.so");
        for i in 1..n {
            s.push_str(&format!(" a{i}"));
        }
        s.push_str(tail);
        s.into_bytes()
    }

    #[test]
    fn exactly_64_tokens_followed_by_newline_warns() {
        let out = parse(&line_with(64, "\n"));
        assert_eq!(
            out.warnings,
            ["plugin.config line 1: Exceeded max number of args (64) for plugin: [x.so]"]
        );
        let p = &out.plugins[0];
        assert_eq!(p.argc(), 64);
        assert_eq!(p.argv[63], b"a63".to_vec());
        let c = p.c_argv();
        assert_eq!(c.len(), 65);
        assert_eq!(c[62], Some(&b"a62"[..]));
        assert_eq!(c[63], None);
        assert_eq!(c[64], None);
    }

    #[test]
    fn exactly_64_tokens_at_eof_does_not_warn() {
        let out = parse(&line_with(64, ""));
        assert!(out.warnings.is_empty());
        assert_eq!(out.plugins[0].argc(), 64);
        // ... nor when the 64th token ends at a glued '#'.
        let out = parse(&line_with(64, "#c\n"));
        assert!(out.warnings.is_empty());
        assert_eq!(out.plugins[0].argv[63], b"a63#c\n".to_vec());
    }

    #[test]
    fn closed_quote_as_64th_token_warns_even_at_eof() {
        let mut l = line_with(63, " \"q\"");
        let out = parse(&l);
        assert_eq!(out.warnings.len(), 1);
        assert_eq!(out.plugins[0].argv[63], b"q".to_vec());
        l.truncate(l.len() - 1); // unterminated: no warning
        let out = parse(&l);
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn more_than_64_tokens_truncated_with_warning() {
        let out = parse(&line_with(70, "\nnext.so\n"));
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].starts_with("plugin.config line 1: Exceeded max number of args (64)")
        );
        assert_eq!(out.plugins[0].argc(), 64);
        assert_eq!(out.plugins[1].line, 2);
        assert_eq!(argv(&out.plugins[1]), ["next.so"]);
    }

    #[test]
    fn sixty_three_tokens_no_warning() {
        let out = parse(&line_with(63, "  \n"));
        assert!(out.warnings.is_empty());
        assert_eq!(out.plugins[0].argc(), 63);
        assert_eq!(out.plugins[0].c_argv()[63], None);
    }

    #[test]
    fn record_expansion() {
        let lookup = |name: &str| match name {
            "proxy.config.http.cache.http" => Some("1".to_string()),
            "proxy.config.s" => Some("hello world".to_string()),
            _ => None,
        };
        let text =
            b"a.so $proxy.config.http.cache.http $no.such.record \"$proxy.config.s\" x$y $\n";
        let out = parse_plugin_config(text, &lookup);
        assert_eq!(
            argv(&out.plugins[0]),
            ["a.so", "1", "$no.such.record", "hello world", "x$y", "$"]
        );
        assert_eq!(
            out.warnings,
            [
                "plugin.config line 1: unable to find parameter no.such.record",
                "plugin.config line 1: unable to find parameter ",
            ]
        );
    }

    #[test]
    fn argv0_is_expanded_too() {
        let lookup = |name: &str| (name == "p").then(|| "real.so".to_string());
        let out = parse_plugin_config(b"$p arg\n", &lookup);
        assert_eq!(argv(&out.plugins[0]), ["real.so", "arg"]);
    }

    #[test]
    fn expansion_warning_has_line_number() {
        let out = parse(b"# c\na.so $nope\n");
        assert_eq!(
            out.warnings,
            ["plugin.config line 2: unable to find parameter nope"]
        );
    }

    #[test]
    fn long_line_is_split_into_another_line() {
        // 1022 bytes per piece: "a.so " + filler, the rest becomes its own line.
        let mut l = b"a.so ".to_vec();
        l.extend(std::iter::repeat_n(b'x', MAX_LINE_CHUNK - 5));
        l.extend_from_slice(b"b.so tail\nc.so\n");
        let out = parse(&l);
        assert_eq!(out.plugins.len(), 3);
        assert_eq!(out.plugins[0].line, 1);
        assert_eq!(out.plugins[0].argv[1].len(), MAX_LINE_CHUNK - 5);
        assert_eq!(out.plugins[1].line, 1);
        assert_eq!(argv(&out.plugins[1]), ["b.so", "tail"]);
        assert_eq!(out.plugins[2].line, 2);
        assert_eq!(argv(&out.plugins[2]), ["c.so"]);
    }

    #[test]
    fn line_of_exactly_1022_bytes_with_newline_is_not_split() {
        let mut l = b"a.so ".to_vec();
        l.extend(std::iter::repeat_n(b'y', MAX_LINE_CHUNK - 6));
        l.push(b'\n');
        assert_eq!(l.len(), MAX_LINE_CHUNK);
        l.extend_from_slice(b"b.so\n");
        let out = parse(&l);
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(out.plugins[1].line, 2);
        // One byte longer: the '\n' alone spills over and is a blank line.
        let mut l = b"a.so ".to_vec();
        l.extend(std::iter::repeat_n(b'y', MAX_LINE_CHUNK - 5));
        l.extend_from_slice(b"\nb.so\n");
        let out = parse(&l);
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(out.plugins[0].argv[1].len(), MAX_LINE_CHUNK - 5);
        assert_eq!(out.plugins[1].line, 2);
    }

    #[test]
    fn split_continuation_of_a_comment_is_parsed() {
        let mut l = b"#".to_vec();
        l.extend(std::iter::repeat_n(b' ', MAX_LINE_CHUNK - 1));
        l.extend_from_slice(b"hidden.so\n");
        let out = parse(&l);
        assert_eq!(out.plugins.len(), 1);
        assert_eq!(out.plugins[0].line, 1);
        assert_eq!(argv(&out.plugins[0]), ["hidden.so"]);
    }

    #[test]
    fn nul_byte_ends_the_line_buffer() {
        let out = parse(b"a.so x\0y z\nb.so\n");
        assert_eq!(out.plugins.len(), 2);
        assert_eq!(argv(&out.plugins[0]), ["a.so", "x"]);
        assert_eq!(argv(&out.plugins[1]), ["b.so"]);
        let out = parse(b"\0a.so\n");
        assert!(out.plugins.is_empty());
    }

    #[test]
    fn crlf_line_endings() {
        let out = parse(b"a.so x\r\nb.so\r\n");
        assert_eq!(argv(&out.plugins[0]), ["a.so", "x"]);
        assert_eq!(argv(&out.plugins[1]), ["b.so"]);
        assert_eq!(out.plugins[1].line, 2);
    }

    #[test]
    fn non_utf8_bytes_pass_through() {
        let out = parse(b"a.so \xff\xfe\n");
        assert_eq!(out.plugins[0].argv[1], vec![0xff, 0xfe]);
    }

    #[test]
    fn empty_input() {
        let out = parse(b"");
        assert!(out.plugins.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn resolve_paths() {
        let d = Path::new("/usr/lib/trafficserver/modules");
        assert_eq!(
            resolve_plugin_path(d, b"x.so"),
            PathBuf::from("/usr/lib/trafficserver/modules/x.so")
        );
        assert_eq!(
            resolve_plugin_path(Path::new("/plugins/"), b"x.so"),
            PathBuf::from("/plugins/x.so")
        );
        assert_eq!(
            resolve_plugin_path(d, b"/abs/y.so"),
            PathBuf::from("/abs/y.so")
        );
        assert_eq!(
            resolve_plugin_path(d, b"sub/z.so"),
            PathBuf::from("/usr/lib/trafficserver/modules/sub/z.so")
        );
        assert_eq!(
            resolve_plugin_path(Path::new(""), b"x.so"),
            PathBuf::from("x.so")
        );
        // No normalisation of "./" or "//" inside argv0, no extension added.
        assert_eq!(
            resolve_plugin_path(d, b"./x"),
            PathBuf::from("/usr/lib/trafficserver/modules/./x")
        );
        assert_eq!(
            resolve_plugin_path(Path::new("/"), b"x.so"),
            PathBuf::from("/x.so")
        );
    }
}
