//! Go's `regexp.MatchString` for the short patterns Kubernetes objects
//! hold (a CiliumL2AnnouncementPolicy's `interfaces`): RE2 syntax, and a
//! match anywhere in the text unless `^`/`$` anchor it (`eth` matches
//! `eth0`). Only whether a match exists is asked, so a small backtracking
//! matcher does: literals, `.`, classes (`[a-z0-9]`, `[^...]`, `\d \w \s`
//! and their negations), groups (`(...)`, `(?:...)`), alternation, `^`,
//! `$` and the repetitions `* + ? {n} {n,} {n,m}` (lazy or not). Flags,
//! named groups, POSIX and Unicode classes and other escapes are refused
//! with the reason, rather than read wrongly.

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct GoRegex {
    alternatives: Vec<Vec<Node>>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Char(char),
    Any,
    Class { ranges: Vec<(char, char)>, negated: bool },
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

impl GoRegex {
    /// Compiles `pattern`, or says why not (Go's wording where Go refuses
    /// it too, vipsim's where Go would accept syntax vipsim does not read).
    pub fn new(pattern: &str) -> Result<GoRegex, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser { chars: &chars, at: 0 };
        let alternatives = parser.alternation()?;
        if parser.at < chars.len() {
            return Err(format!("error parsing regexp: unexpected ): `{pattern}`"));
        }
        Ok(GoRegex { alternatives })
    }

    /// `MatchString`: whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        (0..=s.len()).any(|start| self.alternatives.iter().any(|alt| matches(alt, &s, start, &mut |_| true)))
    }
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn alternation(&mut self) -> Result<Vec<Vec<Node>>, String> {
        let mut alternatives = vec![self.concatenation()?];
        while self.peek() == Some('|') {
            self.at += 1;
            alternatives.push(self.concatenation()?);
        }
        Ok(alternatives)
    }

    fn concatenation(&mut self) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            nodes.push(self.repetition(atom)?);
        }
        Ok(nodes)
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().expect("caller checked");
        self.at += 1;
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Any,
            '*' | '+' | '?' => {
                return Err(format!("error parsing regexp: missing argument to repetition operator: `{c}`"));
            }
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.at + 1) == Some(&':') {
                        self.at += 2;
                    } else {
                        return Err("vipsim does not read flags or named groups `(?...)` in this pattern".into());
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err("error parsing regexp: missing closing ): the group is not closed".into());
                }
                self.at += 1;
                Node::Group(inner)
            }
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            c => Node::Char(c),
        })
    }

    /// An escape after `\`; in a class, `\d` and friends become ranges.
    fn escape(&mut self, _in_class: bool) -> Result<Node, String> {
        let Some(c) = self.peek() else {
            return Err("error parsing regexp: trailing backslash at end of expression".into());
        };
        self.at += 1;
        let class = |ranges: &[(char, char)], negated| Node::Class { ranges: ranges.to_vec(), negated };
        const DIGIT: &[(char, char)] = &[('0', '9')];
        const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        const SPACE: &[(char, char)] = &[('\t', '\n'), ('\x0c', '\r'), (' ', ' ')];
        Ok(match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            't' => Node::Char('\t'),
            'n' => Node::Char('\n'),
            c if c.is_ascii_punctuation() => Node::Char(c),
            c => return Err(format!("vipsim does not read the escape `\\{c}` in this pattern")),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err("error parsing regexp: missing closing ]: the class is not closed".into());
            };
            if c == ']' && !first {
                self.at += 1;
                break;
            }
            first = false;
            if c == '[' && self.chars.get(self.at + 1) == Some(&':') {
                return Err("vipsim does not read POSIX classes `[:name:]` in this pattern".into());
            }
            self.at += 1;
            let low = if c == '\\' {
                match self.escape(true)? {
                    Node::Char(c) => c,
                    Node::Class { ranges: more, negated: false } => {
                        ranges.extend(more);
                        continue;
                    }
                    _ => return Err("vipsim does not read a negated class escape inside a class".into()),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&n| n != ']') {
                self.at += 1;
                let mut high = self.peek().expect("checked");
                self.at += 1;
                if high == '\\' {
                    match self.escape(true)? {
                        Node::Char(c) => high = c,
                        _ => return Err("error parsing regexp: invalid character class range".into()),
                    }
                }
                if high < low {
                    return Err(format!("error parsing regexp: invalid character class range: `{low}-{high}`"));
                }
                ranges.push((low, high));
            } else {
                ranges.push((low, low));
            }
        }
        Ok(Node::Class { ranges, negated })
    }

    fn repetition(&mut self, atom: Node) -> Result<Node, String> {
        let simple = match self.peek() {
            Some('*') => Some((0, None)),
            Some('+') => Some((1, None)),
            Some('?') => Some((0, Some(1))),
            _ => None,
        };
        let (min, max) = match (simple, self.peek()) {
            (Some(bounds), _) => {
                self.at += 1;
                bounds
            }
            (None, Some('{')) => match self.braces() {
                Some(bounds) => bounds,
                // Not a repetition: Go reads the brace as a literal.
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        // Laziness changes which match is found, not whether one is.
        if self.peek() == Some('?') {
            self.at += 1;
        }
        if matches!(self.peek(), Some('*' | '+')) {
            return Err("error parsing regexp: invalid nested repetition operator".into());
        }
        Ok(Node::Repeat { node: Box::new(atom), min, max })
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor (consumed), or `None`.
    fn braces(&mut self) -> Option<(u32, Option<u32>)> {
        let rest: String = self.chars[self.at..].iter().collect();
        let close = rest.find('}')?;
        let body = &rest[1..close];
        let (min, max) = match body.split_once(',') {
            None => {
                let n = body.parse().ok()?;
                (n, Some(n))
            }
            Some((low, "")) => (low.parse().ok()?, None),
            Some((low, high)) => (low.parse().ok()?, Some(high.parse().ok()?)),
        };
        self.at += rest[..=close].chars().count();
        Some((min, max))
    }
}

fn single(node: &Node, c: char) -> bool {
    match node {
        Node::Char(want) => *want == c,
        // Go's `.` does not match a newline without the `s` flag.
        Node::Any => c != '\n',
        Node::Class { ranges, negated } => ranges.iter().any(|&(low, high)| low <= c && c <= high) != *negated,
        _ => false,
    }
}

/// Whether `seq` matches `s` from `i` with `k` accepting where it ends.
fn matches(seq: &[Node], s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    let Some((node, rest)) = seq.split_first() else { return k(i) };
    match node {
        Node::Start => i == 0 && matches(rest, s, i, k),
        Node::End => i == s.len() && matches(rest, s, i, k),
        Node::Group(alternatives) => alternatives.iter().any(|alt| matches(alt, s, i, &mut |j| matches(rest, s, j, k))),
        Node::Repeat { node, min, max } => repeat(node, *min, *max, 0, rest, s, i, k),
        single_char => i < s.len() && single(single_char, s[i]) && matches(rest, s, i + 1, k),
    }
}

#[allow(clippy::too_many_arguments)]
fn repeat(
    node: &Node,
    min: u32,
    max: Option<u32>,
    count: u32,
    rest: &[Node],
    s: &[char],
    i: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if count >= min && matches(rest, s, i, k) {
        return true;
    }
    // One more, if allowed; a repetition that consumed nothing stops
    // (it would loop), once the minimum is met.
    max.is_none_or(|max| count < max)
        && matches(std::slice::from_ref(node), s, i, &mut |j| {
            (j != i || count < min) && repeat(node, min, max, count + 1, rest, s, j, k)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is(pattern: &str, text: &str) -> bool {
        GoRegex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(text)
    }

    /// Go's `regexp.MatchString` is unanchored (RE2 semantics, Go's
    /// `regexp` package documentation): `eth` and `th0` match `eth0`,
    /// `^th0` does not.
    #[test]
    fn unanchored_like_go() {
        for p in
            ["eth", "^eth", "eth0", "^eth0$", "^eth[0-9]+", "eth.*", "^eth\\d+$", "th0", "^(eth|ens)[0-9]+$", "e", ""]
        {
            assert!(is(p, "eth0"), "{p}");
        }
        for p in ["^th0", "ens", "^eth$", "^eth0.$", "^ens[0-9]+", "eth1", "^eth[1-9]", "bond0|ens3", "^(?:en|wl)"] {
            assert!(!is(p, "eth0"), "{p}");
        }
        assert!(is("^en[ops][0-9]+(s[0-9]+)?$", "enp1s0"));
        assert!(is("^eth[0-9]{1,2}$", "eth10"));
        assert!(!is("^eth[0-9]{2}$", "eth1"));
        assert!(is("^[^l]", "eth0") && !is("^[^e]", "eth0"));
        assert!(is("a{", "a{") && is("^x*$", ""));
    }

    #[test]
    fn refuses_what_go_refuses_and_what_vipsim_does_not_read() {
        assert!(GoRegex::new("(eth").unwrap_err().contains("missing closing )"));
        assert!(GoRegex::new("eth)").unwrap_err().contains("unexpected )"));
        assert!(GoRegex::new("[eth").unwrap_err().contains("missing closing ]"));
        assert!(GoRegex::new("*eth").unwrap_err().contains("missing argument to repetition operator"));
        assert!(GoRegex::new("(?i)ETH").unwrap_err().contains("does not read flags"));
        assert!(GoRegex::new("[[:alpha:]]").unwrap_err().contains("POSIX"));
        assert!(GoRegex::new("\\beth").unwrap_err().contains("escape"));
    }
}
