//! Kubernetes' JSONPath templates (`kubectl get -o jsonpath=...`, custom
//! columns, `--sort-by`, CRD printer columns), after client-go's
//! `util/jsonpath`: literal text between `{...}` actions; in an action a
//! path (`.a.b`, `$`, `@`, `..a`, `[n]`, `[a:b]`, `[*]`, `['k']`, `[0,2]`,
//! `[?(@.k=="v")]`), a string literal (`{"\n"}`), or `{range path}` ...
//! `{end}`. An action's results are printed space-separated: strings as
//! they are, numbers and booleans as text, maps and lists as compact JSON.
//! Missing keys print nothing (kubectl's `--allow-missing-template-keys`
//! default); a bad index is an error.

use crate::json::go_quote;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Path(Vec<Step>),
    Range(Vec<Step>),
    End,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Root,
    Field(String),
    Wildcard,
    /// `..`: the current values and all their descendants.
    Descend,
    Index(Vec<Slice>),
    Keys(Vec<String>),
    Filter(Filter),
}

/// `[start:end:step]`; a plain index `n` is `n:n+1` (kept apart for the error text).
#[derive(Clone, Debug, PartialEq)]
struct Slice {
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    single: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct Filter {
    left: Operand,
    op: Option<(String, Operand)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Path(Vec<Step>),
    Literal(Value),
}

impl Template {
    /// Parses a template; the error reads like client-go's parser errors.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut nodes = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                nodes.push(Node::Text(rest[..open].to_string()));
            }
            let close = action_end(&rest[open..]).ok_or("unclosed action")?;
            nodes.push(parse_action(rest[open + 1..open + close].trim())?);
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            nodes.push(Node::Text(rest.to_string()));
        }
        let ranges = nodes.iter().filter(|n| matches!(n, Node::Range(_))).count();
        let ends = nodes.iter().filter(|n| matches!(n, Node::End)).count();
        if ranges != ends {
            return Err(if ranges > ends { "not in range, nothing to end".into() } else { "unexpected {end}".into() });
        }
        Ok(Template { nodes })
    }

    /// kubectl's relaxed form for custom columns and `--sort-by`:
    /// `.a.b`, `a.b` and `{.a.b}` all mean `{.a.b}`.
    pub fn parse_relaxed(text: &str) -> Result<Template, String> {
        let t = text.trim();
        let inner = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
        let path =
            if inner.starts_with('.') || inner.starts_with('$') { inner.to_string() } else { format!(".{inner}") };
        Template::parse(&format!("{{{path}}}"))
    }

    /// Runs the template on `data`.
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let mut out = String::new();
        walk(&self.nodes, data, data, &mut out)?;
        Ok(out)
    }

    /// The values of the template's first path (for sorting and CRD columns).
    pub fn find(&self, data: &Value) -> Result<Vec<Value>, String> {
        match self.nodes.iter().find_map(|n| if let Node::Path(p) = n { Some(p) } else { None }) {
            Some(path) => Ok(eval(path, data, data)?.into_iter().cloned().collect()),
            None => Ok(Vec::new()),
        }
    }
}

/// The index of the `}` closing the action that starts at `s[0]`, past quoted strings.
fn action_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '}' => return Some(i),
            None => {}
        }
    }
    None
}

fn parse_action(a: &str) -> Result<Node, String> {
    if a == "end" {
        return Ok(Node::End);
    }
    if let Some(path) = a.strip_prefix("range ") {
        return Ok(Node::Range(parse_path(path.trim())?));
    }
    if a.starts_with('"') {
        return unquote(a).map(Node::Text);
    }
    Ok(Node::Path(parse_path(a)?))
}

/// Go's `strconv.Unquote` for the escapes templates use.
fn unquote(s: &str) -> Result<String, String> {
    let inner = s
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|_| s.len() >= 2)
        .ok_or_else(|| format!("unterminated quoted string: {s}"))?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(c @ ('\\' | '"' | '\'')) => out.push(c),
            Some(other) => return Err(format!("invalid syntax: unknown escape \\{other} in {s}")),
            None => return Err(format!("invalid syntax: {s}")),
        }
    }
    Ok(out)
}

fn parse_path(s: &str) -> Result<Vec<Step>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    match chars.first() {
        Some('$') => {
            steps.push(Step::Root);
            i = 1;
        }
        Some('@') => i = 1,
        _ => {}
    }
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                steps.push(Step::Descend);
                i += 1;
            }
            '.' => {
                let (name, next) = field_name(&chars, i + 1);
                i = next;
                match name.as_str() {
                    "" => {}
                    "*" => steps.push(Step::Wildcard),
                    _ => steps.push(Step::Field(name)),
                }
            }
            '[' => {
                let close = bracket_end(&chars, i).ok_or("unterminated array")?;
                let inner: String = chars[i + 1..close].iter().collect();
                steps.push(parse_bracket(inner.trim())?);
                i = close + 1;
            }
            c if c.is_alphanumeric() => {
                let (word, _) = field_name(&chars, i);
                return Err(format!("unrecognized identifier {word}"));
            }
            c => return Err(format!("unrecognized character in action: U+{:04X} '{c}'", c as u32)),
        }
    }
    Ok(steps)
}

/// A field name up to the next separator; `\.` keeps a dot in the name.
fn field_name(chars: &[char], mut i: usize) -> (String, usize) {
    let mut name = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                name.push(chars[i + 1]);
                i += 2;
            }
            '.' | '[' | ']' | ' ' | '(' | ')' | '=' | '!' | '<' | '>' | ',' => break,
            c => {
                name.push(c);
                i += 1;
            }
        }
    }
    (name, i)
}

/// The `]` matching the `[` at `open`, past quotes and nested brackets.
fn bracket_end(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote = None;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if let Some(f) = inner.strip_prefix('?') {
        let body =
            f.trim().strip_prefix('(').and_then(|b| b.strip_suffix(')')).ok_or("unterminated filter")?.to_string();
        return parse_filter(body.trim()).map(Step::Filter);
    }
    if inner.starts_with(['\'', '"']) {
        let keys = inner.split(',').map(|k| k.trim().trim_matches(['\'', '"']).to_string()).collect();
        return Ok(Step::Keys(keys));
    }
    inner.split(',').map(|p| parse_slice(p.trim())).collect::<Result<_, _>>().map(Step::Index)
}

fn parse_slice(p: &str) -> Result<Slice, String> {
    let num = |t: &str| -> Result<Option<i64>, String> {
        let t = t.trim();
        if t.is_empty() { Ok(None) } else { t.parse().map(Some).map_err(|_| format!("invalid array index {t}")) }
    };
    let parts: Vec<&str> = p.split(':').collect();
    match parts.as_slice() {
        [one] => {
            let start = num(one)?.ok_or_else(|| format!("invalid array index {p}"))?;
            Ok(Slice { start: Some(start), end: None, step: None, single: true })
        }
        [a, b] => Ok(Slice { start: num(a)?, end: num(b)?, step: None, single: false }),
        [a, b, c] => Ok(Slice { start: num(a)?, end: num(b)?, step: num(c)?, single: false }),
        _ => Err(format!("invalid array index {p}")),
    }
}

fn parse_filter(body: &str) -> Result<Filter, String> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((l, r)) = body.split_once(op) {
            return Ok(Filter { left: parse_operand(l.trim())?, op: Some((op.to_string(), parse_operand(r.trim())?)) });
        }
    }
    Ok(Filter { left: parse_operand(body)?, op: None })
}

fn parse_operand(s: &str) -> Result<Operand, String> {
    if s.starts_with('@') || s.starts_with('$') || s.starts_with('.') {
        return parse_path(s).map(Operand::Path);
    }
    if s.len() >= 2 && (s.starts_with('"') && s.ends_with('"') || s.starts_with('\'') && s.ends_with('\'')) {
        return Ok(Operand::Literal(Value::String(s[1..s.len() - 1].to_string())));
    }
    // Any other operand is a JSON literal (a number, `true`, `false`...).
    let literal = match crate::json::go_syntax_error(s) {
        None => crate::json::read::<Value>(s).ok(),
        Some(_) => None,
    };
    literal.map(Operand::Literal).ok_or_else(|| format!("unrecognized filter operand {s}"))
}

fn walk(nodes: &[Node], root: &Value, cur: &Value, out: &mut String) -> Result<(), String> {
    let mut i = 0;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Text(t) => out.push_str(t),
            Node::Path(path) => {
                let texts: Vec<String> = eval(path, root, cur)?.into_iter().map(print_value).collect();
                out.push_str(&texts.join(" "));
            }
            Node::Range(path) => {
                let end = matching_end(nodes, i);
                for item in eval(path, root, cur)? {
                    walk(&nodes[i + 1..end], root, item, out)?;
                }
                i = end;
            }
            Node::End => {}
        }
        i += 1;
    }
    Ok(())
}

fn matching_end(nodes: &[Node], range: usize) -> usize {
    let mut depth = 0;
    for (i, n) in nodes.iter().enumerate().skip(range) {
        match n {
            Node::Range(_) => depth += 1,
            Node::End => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    nodes.len()
}

fn eval<'a>(path: &[Step], root: &'a Value, cur: &'a Value) -> Result<Vec<&'a Value>, String> {
    let mut values = vec![cur];
    for step in path {
        values = match step {
            Step::Root => vec![root],
            Step::Field(name) => values.into_iter().filter_map(|v| v.get(name)).collect(),
            Step::Keys(keys) => values.into_iter().flat_map(|v| keys.iter().filter_map(move |k| v.get(k))).collect(),
            Step::Wildcard => values.into_iter().flat_map(children).collect(),
            Step::Descend => values.into_iter().flat_map(descendants).collect(),
            Step::Index(slices) => {
                let mut out = Vec::new();
                for v in values {
                    for s in slices {
                        out.extend(index(v, s)?);
                    }
                }
                out
            }
            Step::Filter(f) => {
                let mut out = Vec::new();
                for v in values {
                    let Value::Array(items) = v else {
                        return Err(format!("{} is not array or slice and cannot be filtered", go_type(v)));
                    };
                    for item in items {
                        if f.matches(root, item)? {
                            out.push(item);
                        }
                    }
                }
                out
            }
        };
    }
    Ok(values)
}

fn children(v: &Value) -> Vec<&Value> {
    match v {
        Value::Object(m) => m.values().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn descendants(v: &Value) -> Vec<&Value> {
    let mut out = vec![v];
    for c in children(v) {
        out.extend(descendants(c));
    }
    out
}

/// client-go's `evalArray`, bounds errors included.
fn index<'a>(v: &'a Value, s: &Slice) -> Result<Vec<&'a Value>, String> {
    let Value::Array(items) = v else {
        return Err(format!("{} is not array or slice", go_type(v)));
    };
    let len = items.len() as i64;
    let mut start = s.start.unwrap_or(0);
    if start < 0 {
        start = start.saturating_add(len);
    }
    let end = match (s.single, s.end) {
        (true, _) => start.saturating_add(1),
        (false, Some(e)) if e < 0 => e.saturating_add(len),
        (false, Some(e)) => e,
        (false, None) => len,
    };
    // Asking for no elements is allowed whatever the bounds.
    if start == end {
        return Ok(Vec::new());
    }
    if start >= len || start < 0 {
        return Err(format!("array index out of bounds: index {start}, length {len}"));
    }
    if end > len || end < 0 {
        return Err(format!("array index out of bounds: index {}, length {len}", end.saturating_sub(1)));
    }
    if start > end {
        return Err(format!("starting index {start} is greater than ending index {end}"));
    }
    let step = s.step.filter(|st| *st > 0).unwrap_or(1) as usize;
    Ok(items[start as usize..end as usize].iter().step_by(step).collect())
}

impl Filter {
    fn matches(&self, root: &Value, item: &Value) -> Result<bool, String> {
        let left = operand_values(&self.left, root, item)?;
        let Some((op, right)) = &self.op else { return Ok(!left.is_empty()) };
        let right = operand_values(right, root, item)?;
        let (Some(l), Some(r)) = (left.first(), right.first()) else { return Ok(false) };
        Ok(compare(l, op, r))
    }
}

fn operand_values(o: &Operand, root: &Value, item: &Value) -> Result<Vec<Value>, String> {
    match o {
        Operand::Path(p) => Ok(eval(p, root, item)?.into_iter().cloned().collect()),
        Operand::Literal(v) => Ok(vec![v.clone()]),
    }
}

fn compare(l: &Value, op: &str, r: &Value) -> bool {
    let ord = match (l, r) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        "==" => l == r || ord == Some(std::cmp::Ordering::Equal),
        "!=" => !(l == r || ord == Some(std::cmp::Ordering::Equal)),
        "<" => ord == Some(std::cmp::Ordering::Less),
        ">" => ord == Some(std::cmp::Ordering::Greater),
        "<=" => ord.is_some_and(|o| o != std::cmp::Ordering::Greater),
        ">=" => ord.is_some_and(|o| o != std::cmp::Ordering::Less),
        _ => false,
    }
}

/// How `PrintResults` writes one value.
pub fn print_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Object(_) | Value::Array(_) => go_json(v),
        other => other.to_string(),
    }
}

/// Go's `json.Marshal`: compact, keys sorted, `<`, `>`, `&` escaped.
pub fn go_json(v: &Value) -> String {
    html_escape(&v.to_string())
}

/// Go's JSON encoder escapes these for HTML safety; they can only occur
/// inside strings, so replacing them in the text is exact.
pub fn html_escape(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The Go type name of an unstructured value, for error messages.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "map[string]interface {}",
        Value::Array(_) => "[]interface {}",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Null => "interface {}",
    }
}

/// Go's `%#v` of an unstructured value (kubectl dumps the object this way
/// when a template fails).
pub fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".into(),
        Value::String(s) => go_quote(s),
        Value::Object(m) => {
            let entries: Vec<String> = m.iter().map(|(k, v)| format!("{}:{}", go_quote(k), go_sharp_v(v))).collect();
            format!("map[string]interface {{}}{{{}}}", entries.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(go_sharp_v).collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc() -> Value {
        json!({
            "metadata": {"name": "web", "labels": {"app": "web", "app.kubernetes.io/name": "x"}},
            "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]},
            "status": {
                "conditions": [{"type": "cilium.io/IPAMRequestSatisfied", "status": "True"}],
                "loadBalancer": {"ingress": [{"ip": "192.0.2.10", "ipMode": "VIP"}]}
            }
        })
    }

    fn run(t: &str, v: &Value) -> Result<String, String> {
        Template::parse(t)?.execute(v)
    }

    #[test]
    fn story_c_condition_and_ingress() {
        let t = "{.status.conditions[0].type}={.status.conditions[0].status}";
        assert_eq!(run(t, &svc()).unwrap(), "cilium.io/IPAMRequestSatisfied=True");
        assert_eq!(run("{.status.loadBalancer.ingress[0].ip}", &svc()).unwrap(), "192.0.2.10");
    }

    #[test]
    fn wildcards_ranges_literals_and_filters() {
        let v = svc();
        assert_eq!(run("{.spec.ports[*].port}", &v).unwrap(), "80 443");
        assert_eq!(run("{range .spec.ports[*]}{.name}:{.port}{\"\\n\"}{end}", &v).unwrap(), "http:80\nhttps:443\n");
        assert_eq!(run("{.spec.ports[?(@.port==443)].name}", &v).unwrap(), "https");
        assert_eq!(
            run("{.status.conditions[?(@.type==\"cilium.io/IPAMRequestSatisfied\")].status}", &v).unwrap(),
            "True"
        );
        assert_eq!(run("{.metadata.labels.app\\.kubernetes\\.io/name}", &v).unwrap(), "x");
        assert_eq!(run("{.metadata.labels['app.kubernetes.io/name']}", &v).unwrap(), "x");
        assert_eq!(run("{.spec.ports[-1:].port}", &v).unwrap(), "443");
        assert_eq!(run("{..ip}", &v).unwrap(), "192.0.2.10");
        assert_eq!(run("{.metadata.labels}", &v).unwrap(), r#"{"app":"web","app.kubernetes.io/name":"x"}"#);
        assert_eq!(run("name: {.metadata.name}", &v).unwrap(), "name: web");
        assert_eq!(run("{.metadata.missing}", &v).unwrap(), "");
    }

    #[test]
    fn errors_read_like_client_go() {
        let v = svc();
        assert_eq!(run("{.spec.ports[5]}", &v).unwrap_err(), "array index out of bounds: index 5, length 2");
        assert_eq!(run("{.metadata[0]}", &v).unwrap_err(), "map[string]interface {} is not array or slice");
        assert_eq!(Template::parse("{.a").unwrap_err(), "unclosed action");
        assert_eq!(Template::parse("{metadata.name}").unwrap_err(), "unrecognized identifier metadata");
        assert_eq!(Template::parse("{end}").unwrap_err(), "unexpected {end}");
    }

    #[test]
    fn relaxed_paths_and_go_dumps() {
        let t = Template::parse_relaxed("metadata.name").unwrap();
        assert_eq!(t.execute(&svc()).unwrap(), "web");
        assert_eq!(
            go_sharp_v(&json!({"a": [1, "x"], "b": null})),
            r#"map[string]interface {}{"a":[]interface {}{1, "x"}, "b":interface {}(nil)}"#
        );
    }
}
