//! Collecting diagnostics, and turning serde errors into located ones.

use super::document::Source;
use super::suggest::closest;
use crate::scenario::Diagnostic;
use crate::scenario::spec::{STEP_WITH_TWO_ACTIONS, STEP_WITHOUT_ACTION};

/// A 1-based position in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Errors and warnings found so far, in the order they were found.
pub struct Report {
    file: String,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    pub fn new(file: &str) -> Report {
        Report { file: file.to_string(), errors: Vec::new(), warnings: Vec::new() }
    }

    pub fn error(&mut self, at: Pos, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = self.diagnostic(at, path, message.into());
        self.errors.push(diagnostic);
        self.errors.last_mut().expect("just pushed")
    }

    pub fn warn(&mut self, at: Pos, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = self.diagnostic(at, path, message.into());
        self.warnings.push(diagnostic);
        self.warnings.last_mut().expect("just pushed")
    }

    /// Records a failed deserialization of `source`.
    pub fn deserialize_error(&mut self, source: &Source, error: &serde_norway::Error) {
        let raw_path = error.path().unwrap_or(".").to_string();
        let path = display_path(&raw_path);
        let location = error.location();
        let mut message = error.to_string();
        if let Some(location) = &location {
            remove_location(&mut message, location);
        }
        let message = source.file_message(&message);
        let message = strip_path_prefix(&message, &raw_path);
        let explanation = explain(message);
        // serde_norway names the mapping being read; an error about one of
        // its keys is reported at that key.
        let path = match &explanation.key {
            Some(key) if path.is_empty() => key.clone(),
            Some(key) => format!("{path}.{key}"),
            None => path.to_string(),
        };
        let at = match location {
            Some(l) if explanation.precise => {
                source.clamp(Pos { line: source.file_line(l.line()), column: l.column() })
            }
            _ => source.at(&path),
        };
        self.error(at, &path, explanation.message).suggest(explanation.suggestion.as_deref());
    }

    fn diagnostic(&self, at: Pos, path: &str, message: String) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: at.line,
            column: at.column,
            path: path.to_string(),
            message,
            suggestion: None,
        }
    }
}

impl Diagnostic {
    pub(crate) fn suggest(&mut self, name: Option<&str>) {
        self.suggestion = name.map(str::to_string);
    }
}

/// serde_norway's path without its placeholders: `.` for the root and
/// `?` for a place it could not name (a YAML syntax error mid-value).
fn display_path(raw: &str) -> &str {
    let mut path = raw;
    while let Some(parent) = path.strip_suffix(".?") {
        path = parent;
    }
    if path == "." || path == "?" { "" } else { path }
}

/// serde_norway ends messages with ` at line L column C` (or ` at position
/// N` at the very start); the diagnostic carries the position itself. A
/// YAML syntax error may name a second place (its context) after it, which
/// stays, moved to the file's line ([`Source::file_message`]).
fn remove_location(message: &mut String, location: &serde_norway::Location) {
    for suffix in [
        format!(" at line {} column {}", location.line(), location.column()),
        format!(" at position {}", location.index()),
    ] {
        if let Some(start) = message.find(&suffix) {
            message.replace_range(start..start + suffix.len(), "");
            return;
        }
    }
}

/// serde_norway prefixes messages with its own idea of the path (the parent
/// of an unknown field, the field itself for a bad value); the diagnostic's
/// path replaces it.
fn strip_path_prefix<'m>(message: &'m str, path: &str) -> &'m str {
    let Some((head, rest)) = message.split_once(": ") else {
        return message;
    };
    let names_an_ancestor = path == head || path.strip_prefix(head).is_some_and(|tail| tail.starts_with(['.', '[']));
    if names_an_ancestor { rest } else { message }
}

/// Real Kubernetes fields that change who reaches what, which vipsim does
/// not model: an error that says so, rather than "unknown field" (the
/// fields that do not change traffic are accepted with a warning, see
/// `IGNORED_FIELDS`).
const UNMODELLED_FIELDS: &[(&str, &str)] = &[
    ("loadBalancerSourceRanges", "it limits which client addresses reach the load balancer"),
    ("publishNotReadyAddresses", "it publishes endpoints before their pods are ready"),
    ("externalName", "it makes the Service a DNS alias"),
    ("hostNetwork", "it runs the pod in its node's network namespace"),
    ("hostPort", "it opens the container's port on its node's address"),
];

/// serde's message in an author's words.
struct Explanation {
    message: String,
    suggestion: Option<String>,
    /// False when serde's position is known to be vague (a step's shape is
    /// checked when its mapping ends): the path is located in the text
    /// instead.
    precise: bool,
    /// The key of the mapping the error is about (an unknown field, a
    /// step's second action), appended to the path.
    key: Option<String>,
}

impl Explanation {
    fn new(message: String, suggestion: Option<&str>) -> Explanation {
        Explanation { message, suggestion: suggestion.map(str::to_string), precise: true, key: None }
    }

    fn at_key(self, key: &str) -> Explanation {
        Explanation { key: Some(key.to_string()), ..self }
    }
}

/// Rewrites serde's wording for the mistakes authors make, with a
/// suggestion where a valid name is near.
fn explain(message: &str) -> Explanation {
    if let Some((field, expected)) = unknown("field", message) {
        if let Some((_, what)) = UNMODELLED_FIELDS.iter().find(|(name, _)| *name == field) {
            let message = format!(
                "`{field}` is a Kubernetes field vipsim does not model ({what}): remove it to run the scenario without it"
            );
            return Explanation::new(message, None).at_key(field);
        }
        let near = closest(field, expected.iter().copied());
        let message = match (near, expected.is_empty()) {
            (Some(_), _) => format!("unknown field `{field}`"),
            (None, true) => format!("unknown field `{field}`: this object has no fields"),
            (None, false) => format!("unknown field `{field}`, expected one of {}", expected.join(" | ")),
        };
        return Explanation::new(message, near).at_key(field);
    }
    if let Some((value, expected)) = unknown("variant", message) {
        let near = closest(value, expected.iter().copied());
        return Explanation::new(format!("unknown value `{value}`, expected {}", expected.join(" | ")), near);
    }
    // A step's shape, checked as it is read: serde places these where the
    // step's mapping ends; the diagnostic names the step, or the key of its
    // second action (the last name the message quotes).
    if message == STEP_WITHOUT_ACTION {
        return Explanation { precise: false, ..Explanation::new(message.to_string(), None) };
    }
    if message.starts_with(STEP_WITH_TWO_ACTIONS) {
        let second = message.split('`').nth(3).unwrap_or_default();
        return Explanation { precise: false, ..Explanation::new(message.to_string(), None) }.at_key(second);
    }
    Explanation::new(message.to_string(), None)
}

/// Parses serde's `unknown field `x`, expected one of `a`, `b`` (or
/// `expected `a` or `b``, or `there are no fields`) into the unknown name
/// and the expected ones.
fn unknown<'m>(what: &str, message: &'m str) -> Option<(&'m str, Vec<&'m str>)> {
    let rest = message.strip_prefix("unknown ")?.strip_prefix(what)?.strip_prefix(" `")?;
    // The name is the user's and may hold anything, so split at the last marker.
    if let Some(end) = rest.rfind("`, expected ") {
        let expected = rest[end + "`, expected ".len()..].split('`').skip(1).step_by(2).collect();
        return Some((&rest[..end], expected));
    }
    let end = rest.rfind("`, there are no ")?;
    Some((&rest[..end], Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_parsed_from_serde_messages() {
        assert_eq!(
            unknown("field", "unknown field `rol`, expected one of `name`, `role`"),
            Some(("rol", vec!["name", "role"]))
        );
        assert_eq!(unknown("field", "unknown field `a`, expected `b` or `c`"), Some(("a", vec!["b", "c"])));
        assert_eq!(unknown("field", "unknown field `x`, expected `y`"), Some(("x", vec!["y"])));
        assert_eq!(
            unknown("variant", "unknown variant `a`, expected`, x`, expected `b`"),
            Some(("a`, expected`, x", vec!["b"]))
        );
        assert_eq!(unknown("field", "unknown field `x`, there are no fields"), Some(("x", vec![])));
        assert_eq!(unknown("field", "invalid type: map"), None);
    }

    #[test]
    fn paths_lose_their_placeholders() {
        assert_eq!(display_path("."), "");
        assert_eq!(display_path("?"), "");
        assert_eq!(display_path("spec.hosts[1].?"), "spec.hosts[1]");
        assert_eq!(display_path("spec.hosts[1].role"), "spec.hosts[1].role");
    }

    #[test]
    fn only_a_path_prefix_is_stripped() {
        assert_eq!(strip_path_prefix("spec.hosts[1]: unknown field `rol`", "spec.hosts[1].rol"), "unknown field `rol`");
        assert_eq!(strip_path_prefix("spec.duration: bad", "spec.duration"), "bad");
        assert_eq!(strip_path_prefix("spec.dur: bad", "spec.duration"), "spec.dur: bad");
        assert_eq!(strip_path_prefix("unknown field `a: b`", "a: b"), "unknown field `a: b`");
    }
}
