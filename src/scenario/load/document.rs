//! Splitting the file into its YAML documents.
//!
//! The file is split here rather than by iterating
//! `serde_norway::Deserializer::from_str(text)`. That iterator does report
//! positions relative to the whole file, but it does not say where each
//! document starts, a comment-only preamble makes no document, and after a
//! YAML syntax error it yields failed documents forever, so nothing after
//! the first broken document could be checked. A document marker (`---` or
//! `...` at column 0, followed by a blank or the line's end) always ends a
//! document in YAML, even inside a block scalar, so splitting at those lines
//! is exact. Each document is then parsed on its own text alone (a
//! document preceded by an empty line per line before it would make
//! parsing a file of many documents cost the square of its length); the
//! parser's line numbers, in positions and in the context its errors
//! quote, are moved by the lines before it ([`Source::file_line`],
//! [`Source::file_message`]) to be the file's.

use super::locate::Locator;
use super::report::Pos;

/// One non-empty YAML document of the file.
pub struct Source {
    /// The document's own lines. Line breaks are normalised to `\n`.
    yaml: String,
    /// How many lines of the file come before `yaml`.
    before: usize,
    /// 1-based line of the document's first line with content.
    pub first_line: usize,
    /// Just after the document's last content.
    end: Pos,
    /// Where each block-style key of the document is, by field path.
    pub locator: Locator,
    /// JSON text: a plain scalar (number, `true`, `false`, `null`) is never
    /// read as a string ([`serde_norway::Deserializer::from_json_str`]).
    pub json: bool,
}

impl Source {
    pub fn deserializer(&self) -> serde_norway::Deserializer<'_> {
        if self.json {
            serde_norway::Deserializer::from_json_str(&self.yaml)
        } else {
            serde_norway::Deserializer::from_str(&self.yaml)
        }
    }

    /// The file's line for the parser's line `line` (1-based) of this document.
    pub fn file_line(&self, line: usize) -> usize {
        line + self.before
    }

    /// A parser message with the place it quotes as its context (libyaml
    /// ends a syntax error with `..., while parsing a flow sequence at line
    /// L column C`) moved to the file's line. Only that trailing place: a
    /// value the message quotes from the user's YAML stays as written.
    pub fn file_message(&self, message: &str) -> String {
        let moved = message.rfind(" at line ").and_then(|i| {
            let (line, column) = message[i + " at line ".len()..].split_once(" column ")?;
            let (line, _) = (line.parse::<usize>().ok()?, column.parse::<usize>().ok()?);
            Some(format!("{} at line {} column {column}", &message[..i], self.file_line(line)))
        });
        moved.unwrap_or_else(|| message.to_string())
    }

    /// The start of the document: the place for problems with the whole of it.
    pub fn start(&self) -> Pos {
        Pos { line: self.first_line, column: 1 }
    }

    /// `at`, kept within the document. libyaml puts errors about an
    /// unexpected end on the line after the input's last; and an error
    /// without a mark of its own would otherwise point at the file's start.
    pub fn clamp(&self, at: Pos) -> Pos {
        if at.line > self.end.line {
            self.end
        } else if at.line < self.first_line {
            self.start()
        } else {
            at
        }
    }

    /// Where `path` (or its nearest located ancestor) is written.
    pub fn at(&self, path: &str) -> Pos {
        self.locator.nearest(path).unwrap_or_else(|| self.start())
    }

    /// The first character YAML forbids (control characters other than tab),
    /// which the parser would report without a usable position.
    pub fn forbidden_char(&self) -> Option<(Pos, char)> {
        self.yaml.split('\n').enumerate().find_map(|(index, line)| {
            let (column, c) = line.chars().enumerate().find(|&(_, c)| !is_yaml_printable(c))?;
            Some((Pos { line: self.file_line(index + 1), column: column + 1 }, c))
        })
    }
}

/// The file's documents with content, in order. Documents holding nothing
/// but blanks, comments and directives (as between `---` and `---`) are left out.
pub fn split(text: &str) -> Vec<Source> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = split_lines(text);
    let mut sources = Vec::new();
    let mut start = 0;
    for (index, line) in lines.iter().enumerate() {
        if index > start && is_document_marker(line) {
            sources.extend(source(&lines, start, index));
            start = index;
        }
    }
    sources.extend(source(&lines, start, lines.len()));
    sources
}

/// The document made of `lines[start..end]`, if it has content.
fn source(lines: &[&str], start: usize, end: usize) -> Option<Source> {
    let own: Vec<String> = lines[start..end].iter().map(|line| without_markup(line)).collect();
    let first = own.iter().position(|line| has_content(line))?;
    let last = own.iter().rposition(|line| has_content(line))?;
    let end = Pos { line: start + last + 1, column: own[last].chars().count() + 1 };
    let yaml = own.join("\n");
    let locator = Locator::scan(&yaml, start);
    Some(Source { yaml, before: start, first_line: start + first + 1, end, locator, json: false })
}

/// The line with a document marker or directive blanked out, keeping every
/// other character in its column (`--- {a: 1}` is a document whose content
/// starts on the marker's line).
fn without_markup(line: &str) -> String {
    if is_document_marker(line) {
        format!("   {}", &line[3..])
    } else if line.starts_with('%') {
        // `%YAML 1.2`, `%TAG ...`: they only change how later text is read in
        // ways vipsim's documents never rely on.
        String::new()
    } else {
        line.to_string()
    }
}

fn is_document_marker(line: &str) -> bool {
    (line.starts_with("---") || line.starts_with("..."))
        && line[3..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
}

fn has_content(line: &str) -> bool {
    let trimmed = line.trim_start_matches([' ', '\t']);
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// Lines as YAML 1.1 (libyaml) counts them: `\r\n`, `\r`, `\n`, and the
/// Unicode breaks NEL, LS and PS all end a line.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            lines.push(&text[start..index]);
            start = index + c.len_utf8();
            if c == '\r' && chars.next_if(|&(_, next)| next == '\n').is_some() {
                start += 1;
            }
        }
    }
    lines.push(&text[start..]);
    lines
}

/// YAML 1.1's printable characters (libyaml rejects the others on reading).
fn is_yaml_printable(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}'
        | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &str) -> Vec<usize> {
        split(text).iter().map(|s| s.first_line).collect()
    }

    #[test]
    fn documents_start_at_their_first_content_line() {
        assert_eq!(lines_of("a: 1\n---\nb: 2\n"), [1, 3]);
        assert_eq!(lines_of("# intro\n\n---\n# c\nb: 2\n---\n---\n...\n"), [5]);
        assert_eq!(lines_of("--- {a: 1}\n--- x\n"), [1, 2]);
        assert_eq!(lines_of("a: |\n  x\n----\n---\nb: 1"), [1, 5]);
        assert_eq!(lines_of(""), Vec::<usize>::new());
        assert_eq!(lines_of("%YAML 1.2\n---\na: 1\n"), [3]);
    }

    #[test]
    fn every_line_break_counts_as_libyaml_counts_it() {
        assert_eq!(split_lines("a\r\nb\rc\u{85}d\u{2028}e\n"), ["a", "b", "c", "d", "e", ""]);
        assert_eq!(lines_of("a: 1\r\n---\r\nb: 2"), [1, 3]);
    }

    #[test]
    fn parser_positions_are_file_positions() {
        let sources = split("a: 1\n---\n\nb: [\n");
        let error = <serde_norway::Value as serde::Deserialize>::deserialize(sources[1].deserializer()).unwrap_err();
        assert_eq!(error.location().map(|l| sources[1].file_line(l.line())), Some(5));
        // The context a syntax error quotes moves too (the opening `[`).
        let sources = split("a: 1\n---\n\nb: [1\n\nc: 2\n");
        let error = <serde_norway::Value as serde::Deserialize>::deserialize(sources[1].deserializer()).unwrap_err();
        let message = sources[1].file_message(&error.to_string());
        assert!(message.ends_with("while parsing a flow sequence at line 4 column 4"), "{message}");
        // A place written inside the message (a quoted value) is not a mark.
        assert_eq!(
            sources[1].file_message("invalid value: string \"see at line 3\", expected a port"),
            "invalid value: string \"see at line 3\", expected a port"
        );
    }

    #[test]
    fn positions_stay_within_their_document() {
        let sources = split("a: [1,\n\n# done\n---\nb: 1\n");
        let end = Pos { line: 1, column: 7 };
        assert_eq!(sources[0].clamp(Pos { line: 4, column: 1 }), end);
        let inside = Pos { line: 1, column: 3 };
        assert_eq!(sources[0].clamp(inside), inside);
        assert_eq!(sources[1].clamp(Pos { line: 1, column: 1 }), Pos { line: 5, column: 1 });
    }

    #[test]
    fn control_characters_are_found_with_their_place() {
        let sources = split("a: 1\n---\nb: 2\nc: x\u{1}\n");
        assert_eq!(sources[0].forbidden_char(), None);
        assert_eq!(sources[1].forbidden_char(), Some((Pos { line: 4, column: 5 }, '\u{1}')));
    }
}
