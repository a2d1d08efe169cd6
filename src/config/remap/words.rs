//! remap.config's words as ATS's Tokenizer splits a line (`" \t"` with ALLOW_SPACES): spaces and
//! tabs separate words, except inside quotes (`"` or `'`, each toggling), which stay in the word:
//! `@pparam=X:"two words"` is one word, quotes and all (the plugin sees them).
#![forbid(unsafe_code)]

/// The words of `line`.
pub fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        if c == '"' || c == '\'' {
            quoted = !quoted;
        }
        let delimiter = !quoted && (c == ' ' || c == '\t');
        match (delimiter, start) {
            (true, Some(s)) => {
                out.push(&line[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn quotes_keep_spaces_in_one_word_and_stay_in_it() {
        assert_eq!(
            words("map  http://a/\thttp://b/ @pparam=X:\"two words\" @pparam='a b'c d"),
            [
                "map",
                "http://a/",
                "http://b/",
                "@pparam=X:\"two words\"",
                "@pparam='a b'c",
                "d"
            ]
        );
        assert_eq!(words("  "), Vec::<&str>::new());
        // An unclosed quote runs to the end of the line, as in ATS.
        assert_eq!(words("a \"b c"), ["a", "\"b c"]);
    }
}
