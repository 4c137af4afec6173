//! Where keys are written, for diagnostics about values that parsed fine but
//! are wrong (a duplicate host name, an address outside the LAN). The YAML
//! parser only reports positions in errors, so this is a line scanner that
//! follows block-style structure by indentation: `key:` lines and `- ` list
//! items, the way Kubernetes manifests and scenarios are written. Inside
//! flow collections (`{host: a, cmd: x}`) and multi-line scalars it records
//! nothing, and a lookup falls back to the nearest enclosing key that it did
//! record. It never fails: on text it cannot follow it just knows less.

use super::report::Pos;
use std::collections::BTreeMap;

/// Positions of keys (`spec.hosts[2].ip`) and list items (`spec.hosts[2]`).
#[derive(Debug, Default)]
pub struct Locator {
    positions: BTreeMap<String, Pos>,
}

impl Locator {
    /// The keys of `yaml`, a document that starts after `before` lines of its file.
    pub fn scan(yaml: &str, before: usize) -> Locator {
        let mut scanner = Scanner::default();
        for (index, line) in yaml.split('\n').enumerate() {
            scanner.line(before + index + 1, line);
        }
        Locator { positions: scanner.positions }
    }

    pub fn find(&self, path: &str) -> Option<Pos> {
        self.positions.get(path).copied()
    }

    /// The position of `path`, or else of its nearest recorded ancestor.
    pub fn nearest(&self, path: &str) -> Option<Pos> {
        let mut path = path;
        loop {
            if let Some(pos) = self.find(path) {
                return Some(pos);
            }
            path = parent(path)?;
        }
    }
}

/// `a.b[2]` -> `a.b` -> `a` -> none.
fn parent(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        return path.rfind('[').map(|i| &path[..i]);
    }
    path.rfind('.').map(|i| &path[..i])
}

/// An open block collection: its column and path.
#[derive(Debug)]
struct Frame {
    column: usize,
    path: String,
    /// For a list, the index of its current item.
    item: Option<usize>,
}

impl Frame {
    fn child_path(&self) -> String {
        match self.item {
            Some(index) => format!("{}[{index}]", self.path),
            None => self.path.clone(),
        }
    }
}

/// A key or list item whose value starts on a later line.
#[derive(Debug)]
struct Pending {
    column: usize,
    path: String,
    /// A key's list may start at the key's own column (`ports:` / `- port: 80`).
    is_key: bool,
}

#[derive(Debug, Default)]
struct Scanner {
    frames: Vec<Frame>,
    pending: Option<Pending>,
    /// Inside a block scalar (`|`, `>`): lines indented deeper than this are its text.
    block_scalar_above: Option<usize>,
    /// Unclosed `{`/`[` of a flow collection spanning lines.
    flow_depth: usize,
    positions: BTreeMap<String, Pos>,
}

impl Scanner {
    fn line(&mut self, number: usize, line: &str) {
        let content = line.trim_start_matches(' ');
        let mut column = line.len() - content.len();
        if let Some(indent) = self.block_scalar_above {
            if content.trim().is_empty() || column > indent {
                return;
            }
            self.block_scalar_above = None;
        }
        if self.flow_depth > 0 {
            self.flow_depth = flow_balance(self.flow_depth, content);
            return;
        }
        if content.is_empty() || content.starts_with('#') {
            return;
        }
        let mut rest = content;
        self.close(column, is_item(rest));
        while is_item(rest) {
            let item = self.enter_item(column);
            self.record(&item, number, column);
            let after_dash = &rest[1..];
            let value = after_dash.trim_start_matches(' ');
            let dash_column = column;
            column += 1 + after_dash.len() - value.len();
            rest = value;
            if is_empty_value(rest) {
                self.pending = Some(Pending { column: dash_column, path: item, is_key: false });
                return;
            }
            if !is_item(rest) && split_key(rest).is_none() {
                self.after_value(dash_column, rest);
                return;
            }
        }
        if let Some((key, value)) = split_key(rest) {
            let parent = self.enter_map(column);
            let path = if parent.is_empty() { key } else { format!("{parent}.{key}") };
            self.record(&path, number, column);
            if is_empty_value(value) {
                self.pending = Some(Pending { column, path, is_key: true });
            } else {
                self.after_value(column, value);
            }
        }
    }

    /// Closes the collections a line at `column` is outside of.
    fn close(&mut self, column: usize, is_item: bool) {
        while let Some(top) = self.frames.last() {
            // A list at its parent key's column ends at the next non-item line there.
            let ended = top.column > column || (top.column == column && top.item.is_some() && !is_item);
            if !ended {
                break;
            }
            self.frames.pop();
        }
        if let Some(pending) = &self.pending {
            let nested = column > pending.column || (column == pending.column && is_item && pending.is_key);
            if !nested {
                self.pending = None;
            }
        }
    }

    /// A list item at `column`: the next item of the open list there, or the
    /// first of a new list. Returns the item's path.
    fn enter_item(&mut self, column: usize) -> String {
        if let Some(top) = self.frames.last_mut()
            && top.column == column
            && let Some(index) = &mut top.item
        {
            *index += 1;
            return top.child_path();
        }
        let path = self.new_collection_path();
        let frame = Frame { column, path, item: Some(0) };
        let item = frame.child_path();
        self.frames.push(frame);
        item
    }

    /// A key at `column`: in the open mapping there, or a new one. Returns
    /// the mapping's path.
    fn enter_map(&mut self, column: usize) -> String {
        if let Some(top) = self.frames.last()
            && top.column == column
            && top.item.is_none()
        {
            self.pending = None;
            return top.path.clone();
        }
        let path = self.new_collection_path();
        self.frames.push(Frame { column, path: path.clone(), item: None });
        path
    }

    /// The path of a collection that starts here: the value of the pending
    /// key or item, else (right after `- `) the current list item.
    fn new_collection_path(&mut self) -> String {
        match self.pending.take() {
            Some(pending) => pending.path,
            None => self.frames.last().map(Frame::child_path).unwrap_or_default(),
        }
    }

    /// Notes a value that spans the following lines.
    fn after_value(&mut self, owner_column: usize, value: &str) {
        let value = skip_properties(value);
        if value.starts_with(['|', '>']) {
            self.block_scalar_above = Some(owner_column);
        } else if value.starts_with(['{', '[']) {
            self.flow_depth = flow_balance(0, value);
        }
    }

    fn record(&mut self, path: &str, line: usize, column: usize) {
        self.positions.entry(path.to_string()).or_insert(Pos { line, column: column + 1 });
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Nothing on the line after a key or dash but perhaps an anchor, a tag or a comment.
fn is_empty_value(value: &str) -> bool {
    let value = skip_properties(value);
    value.is_empty() || value.starts_with('#')
}

/// Skips a node's anchor (`&name`) and tag (`!tag`), which precede its value.
fn skip_properties(value: &str) -> &str {
    let mut value = value.trim_start();
    while value.starts_with(['&', '!']) {
        value = value.find(' ').map_or("", |space| value[space..].trim_start());
    }
    value
}

/// Splits `key: value` (plain, single- or double-quoted key) at the colon
/// that ends the key: one followed by a blank or the end of the line.
fn split_key(text: &str) -> Option<(String, &str)> {
    if text.starts_with(['{', '[', '?', '#', '&', '*', '!', '|', '>']) {
        return None;
    }
    let (key, after) = match text.chars().next()? {
        quote @ ('"' | '\'') => {
            let close = text[1..].find(quote)? + 1;
            (text[1..close].to_string(), &text[close + 1..])
        }
        _ => {
            let colon = text
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| text[i + 1..].is_empty() || text[i + 1..].starts_with([' ', '\t']))?;
            let key = text[..colon].trim_end();
            if key.contains(" #") {
                return None;
            }
            (key.to_string(), &text[colon..])
        }
    };
    let value = after.strip_prefix(':')?;
    (value.is_empty() || value.starts_with([' ', '\t'])).then(|| (key, value.trim_start()))
}

/// The nesting depth after `text`, starting from `depth`, counting brackets
/// outside quotes.
fn flow_balance(mut depth: usize, text: &str) -> usize {
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth = depth.saturating_sub(1),
            (None, '#') if depth == 0 => break,
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = "\
apiVersion: vipsim/v1
metadata:
  name: demo
  description: |
    text: not a key
    - nor an item
spec:
  hosts:
  - name: lb-0
    role: client
  -   name: gw
      neighbor:
        model: cisco
  switch: {macAging: 300s,
    name: sw}
  timeline:
    - at: 1s
      run: { host: lb-0, cmd: \"curl\" }
    -
      at: 2s
    - - nested
      - name: deep
  'quoted key': 1
  \"double\": 2 # comment
";

    fn at(line: usize, column: usize) -> Option<Pos> {
        Some(Pos { line, column })
    }

    #[test]
    fn finds_block_keys_and_items() {
        let l = Locator::scan(SCENARIO, 0);
        assert_eq!(l.find("apiVersion"), at(1, 1));
        assert_eq!(l.find("metadata.name"), at(3, 3));
        assert_eq!(l.find("metadata.description.text"), None);
        assert_eq!(l.find("spec.hosts"), at(8, 3));
        assert_eq!(l.find("spec.hosts[0]"), at(9, 3));
        assert_eq!(l.find("spec.hosts[0].name"), at(9, 5));
        assert_eq!(l.find("spec.hosts[0].role"), at(10, 5));
        assert_eq!(l.find("spec.hosts[1].name"), at(11, 7));
        assert_eq!(l.find("spec.hosts[1].neighbor.model"), at(13, 9));
        assert_eq!(l.find("spec.switch"), at(14, 3));
        assert_eq!(l.find("spec.timeline[0].at"), at(17, 7));
        assert_eq!(l.find("spec.timeline[0].run"), at(18, 7));
        assert_eq!(l.find("spec.timeline[1].at"), at(20, 7));
        assert_eq!(l.find("spec.timeline[2][1].name"), at(22, 9));
        assert_eq!(l.find("spec.quoted key"), at(23, 3));
        assert_eq!(l.find("spec.double"), at(24, 3));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let l = Locator::scan(SCENARIO, 0);
        assert_eq!(l.nearest("spec.timeline[0].run.host"), at(18, 7));
        assert_eq!(l.nearest("spec.switch.name"), at(14, 3));
        assert_eq!(l.nearest("nothing.here[3]"), None);
    }

    #[test]
    fn kubernetes_lists_at_their_key_column() {
        let l =
            Locator::scan("spec:\n  ports:\n  - port: 80\n  - port: 81\n    name: b\n  selector:\n    app: web\n", 0);
        assert_eq!(l.find("spec.ports[1].name"), at(5, 5));
        assert_eq!(l.find("spec.selector.app"), at(7, 5));
    }

    #[test]
    fn keys_split_at_the_right_colon() {
        assert_eq!(split_key("image: nginx:1.27"), Some(("image".into(), "nginx:1.27")));
        assert_eq!(split_key("vipsim/hold: \"true\""), Some(("vipsim/hold".into(), "\"true\"")));
        assert_eq!(split_key("key:"), Some(("key".into(), "")));
        assert_eq!(split_key("url: http://x"), Some(("url".into(), "http://x")));
        assert_eq!(split_key("\"a: b\": c"), Some(("a: b".into(), "c")));
        assert_eq!(split_key("just text"), None);
        assert_eq!(split_key("http://x"), None);
        assert_eq!(split_key("'unclosed: x"), None);
    }
}
