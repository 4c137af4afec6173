//! YAML as `kubectl -o yaml` prints it: the object's JSON turned into YAML
//! by `sigs.k8s.io/yaml`, i.e. go-yaml v2's emitter. What makes it
//! recognisable is reproduced: keys in go-yaml's "natural" order, sequences
//! not indented under their key, `""`/`"80"`/`"True"`/timestamps quoted
//! because they would read back as something else, `'...'` where a plain
//! scalar is not allowed, `|` blocks for multi-line strings, and long
//! values folded at column 80.

use crate::sort::Sort;
use serde_json::Value;
use std::cmp::Ordering;

/// go-yaml's `best_width`: a value is folded at the first space past it.
const BEST_WIDTH: usize = 80;
/// go-yaml's `best_indent`.
const INDENT: usize = 2;

/// The YAML document for `v` (kubectl prints no `---`).
pub fn to_yaml(v: &Value) -> String {
    let mut e = Emitter::default();
    match v {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0),
        other => {
            e.value_inline(other, 0);
            e.newline();
        }
    }
    e.out
}

#[derive(Default)]
struct Emitter {
    out: String,
    /// Characters written on the current line (libyaml's `column`).
    column: usize,
}

impl Emitter {
    fn push(&mut self, c: char) {
        self.out.push(c);
        self.column = if c == '\n' { 0 } else { self.column + 1 };
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }

    fn newline(&mut self) {
        self.push('\n');
    }

    /// Starts a continuation line of a folded scalar.
    fn indent_line(&mut self, indent: usize) {
        self.newline();
        self.push_str(&" ".repeat(indent));
    }

    /// A block mapping whose keys sit at column `indent`; the first key is
    /// written where the cursor is (after `- ` in a sequence).
    fn mapping(&mut self, m: &serde_json::Map<String, Value>, indent: usize) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.stable_sort_by(|a, b| natural_cmp(a, b));
        for (i, k) in keys.into_iter().enumerate() {
            if i > 0 || self.column < indent {
                self.push_str(&" ".repeat(indent - self.column.min(indent)));
            }
            self.scalar(k, indent + INDENT, false);
            self.push(':');
            match &m[k] {
                Value::Object(inner) if !inner.is_empty() => {
                    self.newline();
                    self.mapping(inner, indent + INDENT);
                }
                // Sequences in a mapping are not indented (go-yaml's indentless sequences).
                Value::Array(items) if !items.is_empty() => {
                    self.newline();
                    self.sequence(items, indent);
                }
                other => {
                    self.push(' ');
                    self.value_inline(other, indent + INDENT);
                    self.newline();
                }
            }
        }
    }

    /// A block sequence with its dashes at column `indent`.
    fn sequence(&mut self, items: &[Value], indent: usize) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || self.column < indent {
                self.push_str(&" ".repeat(indent - self.column.min(indent)));
            }
            self.push_str("- ");
            match item {
                Value::Object(m) if !m.is_empty() => self.mapping(m, indent + INDENT),
                Value::Array(a) if !a.is_empty() => self.sequence(a, indent + INDENT),
                other => {
                    self.value_inline(other, indent + INDENT);
                    self.newline();
                }
            }
        }
    }

    /// A scalar or an empty collection on the current line; continuation
    /// lines (folding, `|` blocks) are indented to `indent`.
    fn value_inline(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Null => self.push_str("null"),
            Value::Bool(b) => self.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.push_str(&n.to_string()),
            Value::String(s) => self.scalar(s, indent, true),
            Value::Array(_) => self.push_str("[]"),
            Value::Object(_) => self.push_str("{}"),
        }
    }

    /// A string in the style go-yaml picks. Keys (`allow_breaks` false)
    /// are never folded and never written as blocks.
    fn scalar(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        match style(s, !allow_breaks) {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single_quoted(s, indent, allow_breaks),
            Style::Double => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.indent_line(indent);
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                self.push(c);
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.push('\'');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i > 0 && i + 1 < chars.len() && chars[i + 1] != ' ';
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.indent_line(indent);
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.push('\'');
                }
                self.push(c);
                spaces = false;
            }
        }
        self.push('\'');
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.push('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if let Some(esc) = escape(c) {
                self.push_str(&esc);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < chars.len() {
                    self.indent_line(indent);
                    // A space starting the next line would be eaten: escape it.
                    if chars[i + 1] == ' ' {
                        self.push('\\');
                    }
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                self.push(c);
                spaces = false;
            }
        }
        self.push('"');
    }

    /// `|` block: the chomping indicator says how the string ends.
    fn literal(&mut self, s: &str, indent: usize) {
        let chomp = if !s.ends_with('\n') {
            "-"
        } else if s == "\n" || s.ends_with("\n\n") {
            "+"
        } else {
            ""
        };
        // Leading blanks would be taken for indentation: state it instead.
        let hint = if s.starts_with([' ', '\n']) { INDENT.to_string() } else { String::new() };
        self.push_str(&format!("|{hint}{chomp}"));
        // The caller's newline ends the last line.
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            self.newline();
            if !line.is_empty() {
                self.push_str(&" ".repeat(indent));
                self.push_str(line);
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// go-yaml's choice: plain unless the string would read back as another
/// type (then double-quoted), or the emitter's analysis forbids plain
/// (then single-quoted, or double-quoted when that is not allowed either).
fn style(s: &str, simple_key: bool) -> Style {
    let a = analyze(s);
    let wanted = if s.contains('\n') {
        Style::Literal
    } else if resolves_as_string(s) {
        Style::Plain
    } else {
        Style::Double
    };
    match wanted {
        Style::Plain if !a.block_plain_allowed || (s.is_empty() && simple_key) => {
            if a.single_quoted_allowed {
                Style::Single
            } else {
                Style::Double
            }
        }
        Style::Literal if !a.block_allowed || simple_key => Style::Double,
        other => other,
    }
}

struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar`, for block context.
fn analyze(s: &str) -> Analysis {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Analysis { block_plain_allowed: true, single_quoted_allowed: true, block_allowed: false };
    }
    let mut indicators = s.starts_with("---") || s.starts_with("...");
    let (mut special, mut line_breaks) = (false, false);
    let (mut leading, mut trailing_space, mut trailing_break) = (false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_by_blank = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_blank = chars.get(i + 1).is_none_or(|n| matches!(n, ' ' | '\t' | '\n' | '\r'));
        let last = i + 1 == chars.len();
        if i == 0 {
            indicators |= matches!(
                c,
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`'
            ) || (matches!(c, '?' | ':' | '-') && followed_by_blank);
        } else {
            indicators |= (c == ':' && followed_by_blank) || (c == '#' && preceded_by_blank);
        }
        special |= !printable(c);
        if c == ' ' {
            leading |= i == 0;
            trailing_space |= last;
            break_space |= prev_break;
            (prev_space, prev_break) = (true, false);
        } else if c == '\n' || c == '\r' {
            line_breaks = true;
            leading |= i == 0;
            trailing_break |= last;
            space_break |= prev_space;
            (prev_space, prev_break) = (false, true);
        } else {
            (prev_space, prev_break) = (false, false);
        }
        preceded_by_blank = matches!(c, ' ' | '\t' | '\n' | '\r');
    }
    let plain = !(leading || trailing_space || trailing_break || break_space || space_break || special || line_breaks);
    Analysis {
        block_plain_allowed: plain && !indicators,
        single_quoted_allowed: !(break_space || space_break || special),
        block_allowed: !(trailing_space || space_break || special),
    }
}

fn printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || (c as u32) >= 0x10000
}

/// The escape go-yaml writes for `c` in a double-quoted scalar.
fn escape(c: char) -> Option<String> {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{a0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        c if printable(c) && c != '\u{feff}' => return None,
        c if (c as u32) <= 0xff => return Some(format!("\\x{:02X}", c as u32)),
        c if (c as u32) <= 0xffff => return Some(format!("\\u{:04X}", c as u32)),
        c => return Some(format!("\\U{:08X}", c as u32)),
    };
    Some(format!("\\{short}"))
}

/// Whether go-yaml's `resolve` reads the unquoted text back as a string
/// (not null, a YAML 1.1 bool, a number, a timestamp or a base-60 float).
fn resolves_as_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE", "n",
        "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
        ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
    ];
    if SPECIAL.contains(&s) {
        return false;
    }
    match s.as_bytes()[0] {
        b'0'..=b'9' | b'+' | b'-' | b'.' => {
            let plain = s.replace('_', "");
            !(is_timestamp(s) || is_go_int(&plain) || is_yaml_float(&plain) || is_base60_float(s))
        }
        _ => true,
    }
}

/// `strconv.ParseInt(s, 0, 64)` (or ParseUint) would succeed.
fn is_go_int(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (radix, body) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    !body.is_empty() && u64::from_str_radix(body, radix).is_ok()
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// `1:20`, `-1:30:00.5`: YAML 1.1 sexagesimal numbers.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut parts = int.split(':');
    let head = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    head.starts_with(|c: char| c.is_ascii_digit())
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !rest.is_empty()
        && rest.iter().all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) && p < &"60")
        && frac.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

/// go-yaml's timestamp formats: `2006-1-2`, and with `T`/`t`/space and a time.
fn is_timestamp(s: &str) -> bool {
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let d: Vec<&str> = date.split('-').collect();
    let num = |t: &str, max: usize| !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit());
    if d.len() != 3 || d[0].len() != 4 || !num(d[0], 4) || !num(d[1], 2) || !num(d[2], 2) {
        return false;
    }
    let Some(time) = time else { return true };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, ""),
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let t: Vec<&str> = hms.split(':').collect();
    let zone_ok =
        zone.is_empty() || zone == "Z" || zone[1..].split(':').map(|p| num(p, 2)).collect::<Vec<_>>() == [true, true];
    t.len() == 3 && t.iter().all(|p| num(p, 2)) && frac.bytes().all(|b| b.is_ascii_digit()) && zone_ok
}

/// go-yaml's `keyList.Less`: runs of digits compare as numbers, and a
/// non-letter sorts before a letter.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        let number = |r: &[char]| -> (u64, usize) {
            let n = r[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let v = r[i..i + n].iter().fold(0u64, |v, c| v.wrapping_mul(10).wrapping_add(*c as u64 - '0' as u64));
            (v, i + n)
        };
        let ((an, ai), (bn, bi)) = (number(&ar), number(&br));
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_style_document() {
        let v = json!({
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}], "clusterIPs": ["10.32.0.76"],
                     "selector": {"app": "echo"}, "type": "LoadBalancer"},
            "apiVersion": "v1",
            "metadata": {"creationTimestamp": "2026-01-01T00:00:00Z", "annotations": {"vipsim/hold": "true"}},
            "status": {"loadBalancer": {}, "conditions": [{"message": "", "status": "True"}]}
        });
        assert_eq!(
            to_yaml(&v),
            "apiVersion: v1\nmetadata:\n  annotations:\n    vipsim/hold: \"true\"\n  creationTimestamp: \"2026-01-01T00:00:00Z\"\n\
             spec:\n  clusterIPs:\n  - 10.32.0.76\n  ports:\n  - port: 80\n    protocol: TCP\n    targetPort: 8080\n\
             \x20 selector:\n    app: echo\n  type: LoadBalancer\nstatus:\n  conditions:\n  - message: \"\"\n    status: \"True\"\n\
             \x20 loadBalancer: {}\n"
        );
    }

    #[test]
    fn quoting_rules() {
        let cases = [
            ("10.32.0.76", "10.32.0.76"),
            ("8080", "\"8080\""),
            ("No", "\"No\""),
            ("1.5", "\"1.5\""),
            ("0x1F", "\"0x1F\""),
            ("2026-01-01", "\"2026-01-01\""),
            ("2026-01-01T00:00:25.879000Z", "\"2026-01-01T00:00:25.879000Z\""),
            ("1:20", "\"1:20\""),
            ("^eth[0-9]+", "^eth[0-9]+"),
            ("[\"a\"]", "'[\"a\"]'"),
            ("- x", "'- x'"),
            ("a: b", "'a: b'"),
            ("it's", "it's"),
            ("*", "'*'"),
            (" lead", "' lead'"),
            ("tab\there", "\"tab\\there\""),
            ("cilium.io/IPAMRequestSatisfied", "cilium.io/IPAMRequestSatisfied"),
        ];
        for (s, want) in cases {
            assert_eq!(to_yaml(&json!({ "k": s })), format!("k: {want}\n"), "{s}");
        }
        assert_eq!(to_yaml(&json!({ "k": "a\nb\n" })), "k: |\n  a\n  b\n");
        assert_eq!(to_yaml(&json!({ "k": "a\nb" })), "k: |-\n  a\n  b\n");
    }

    #[test]
    fn long_values_fold_at_column_80() {
        let msg = "There are no enabled CiliumLoadBalancerIPPools that match this service and some more words";
        let out = to_yaml(&json!({ "status": { "conditions": [{ "message": msg }] } }));
        assert_eq!(
            out,
            "status:\n  conditions:\n  - message: There are no enabled CiliumLoadBalancerIPPools that match this service\n      and some more words\n"
        );
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["ipFamilyPolicy", "ipFamilies", "clusterIPs", "clusterIP", "port10", "port9", "_x", "A"];
        keys.stable_sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, ["_x", "A", "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "port9", "port10"]);
    }

    #[test]
    fn nested_sequences_and_empty_collections() {
        let v = json!({"a": [[1, 2], []], "b": [{"c": [], "d": {}}]});
        assert_eq!(to_yaml(&v), "a:\n- - 1\n  - 2\n- []\nb:\n- c: []\n  d: {}\n");
    }
}
