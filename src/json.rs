//! Reading JSON text: links, progress files, hand-ins, saved drafts,
//! `kubectl patch -p` and jsonpath filter literals.
//!
//! All of it goes through the YAML parser the scenario loader already
//! carries (JSON is YAML), in serde_norway's JSON mode, where a plain scalar
//! (a number, `true`, `false`, `null`) is never taken for a string. The
//! browser's wasm then carries one parser and one deserializer per type,
//! not a second set for serde_json (issue 17: 20 KB gzip).
//!
//! Where a learner sees the error a Go program gives for text that is not
//! JSON (the API server refusing a patch), [`go_syntax_error`] checks the
//! text first, as Go's `encoding/json` does, with its words.

use serde::de::DeserializeOwned;

/// `T` from JSON text, with serde_norway's message (and line and column)
/// when it is not JSON or not a `T`.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, serde_norway::Error> {
    T::deserialize(serde_norway::Deserializer::from_json_str(text))
}

/// `T` from UTF-8 JSON bytes (a decompressed link or hand-in).
pub fn read_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    read(text).map_err(|e| e.to_string())
}

/// Where Go's JSON scanner is in the value it reads (scanner.go's
/// `parseObjectKey`, `parseObjectValue`, `parseArrayValue`).
#[derive(Clone, Copy)]
enum Within {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The scanner's step functions (scanner.go's `state*`), one variant each.
#[derive(Clone, Copy)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    /// In a `\u` escape, after this many hex digits.
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// In `true`, `false` or `null`, the next byte expected at `at`.
    Literal {
        word: &'static str,
        at: usize,
    },
}

/// Go's `encoding/json` nesting limit (scanner.go `maxNestingDepth`).
const MAX_DEPTH: usize = 10_000;

/// What Go's `encoding/json` says of `text` before it decodes anything
/// (`checkValid` over the scanner, encoding/json/scanner.go, Go 1.24), or
/// `None` when it is JSON. The API server decodes patches with
/// sigs.k8s.io/json, a fork with the same scanner and words:
/// `invalid character 's' looking for beginning of object key string`,
/// `unexpected end of JSON input`.
pub fn go_syntax_error(text: &str) -> Option<String> {
    let mut scan = Scanner { state: State::BeginValue, within: Vec::new(), end_top: false };
    for &c in text.as_bytes() {
        if let Err(e) = scan.step(c) {
            return Some(e);
        }
    }
    // At the end, Go feeds one space: a number or literal ends there (or
    // fails there: `tru` is "invalid character ' ' in literal true
    // (expecting 'e')").
    if scan.end_top {
        return None;
    }
    match scan.step(b' ') {
        Err(e) => Some(e),
        Ok(()) if scan.end_top => None,
        Ok(()) => Some("unexpected end of JSON input".into()),
    }
}

struct Scanner {
    state: State,
    within: Vec<Within>,
    end_top: bool,
}

impl Scanner {
    fn step(&mut self, c: u8) -> Result<(), String> {
        let space = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        let error = |context: &str| Err(format!("invalid character {} {context}", quote_char(c)));
        match self.state {
            State::BeginValue => {
                if space {
                    return Ok(());
                }
                self.state = match c {
                    b'{' => return self.push(c, Within::ObjectKey, State::BeginStringOrEmpty),
                    b'[' => return self.push(c, Within::ArrayValue, State::BeginValueOrEmpty),
                    b'"' => State::InString,
                    b'-' => State::Neg,
                    b'0' => State::Zero,
                    b'1'..=b'9' => State::One,
                    b't' => State::Literal { word: "true", at: 1 },
                    b'f' => State::Literal { word: "false", at: 1 },
                    b'n' => State::Literal { word: "null", at: 1 },
                    _ => return error("looking for beginning of value"),
                };
                Ok(())
            }
            State::BeginValueOrEmpty => {
                if space {
                    return Ok(());
                }
                self.state = if c == b']' { State::EndValue } else { State::BeginValue };
                self.step(c)
            }
            State::BeginStringOrEmpty => {
                if space {
                    return Ok(());
                }
                if c == b'}' {
                    if let Some(top) = self.within.last_mut() {
                        *top = Within::ObjectValue;
                    }
                    self.state = State::EndValue;
                } else {
                    self.state = State::BeginString;
                }
                self.step(c)
            }
            State::BeginString => {
                if space {
                    return Ok(());
                }
                if c != b'"' {
                    return error("looking for beginning of object key string");
                }
                self.state = State::InString;
                Ok(())
            }
            State::EndValue => {
                let Some(&top) = self.within.last() else {
                    self.state = State::EndTop;
                    self.end_top = true;
                    return self.step(c);
                };
                if space {
                    return Ok(());
                }
                match (top, c) {
                    (Within::ObjectKey, b':') => {
                        *self.within.last_mut().expect("top") = Within::ObjectValue;
                        self.state = State::BeginValue;
                    }
                    (Within::ObjectKey, _) => return error("after object key"),
                    (Within::ObjectValue, b',') => {
                        *self.within.last_mut().expect("top") = Within::ObjectKey;
                        self.state = State::BeginString;
                    }
                    (Within::ObjectValue, b'}') | (Within::ArrayValue, b']') => self.pop(),
                    (Within::ObjectValue, _) => return error("after object key:value pair"),
                    (Within::ArrayValue, b',') => self.state = State::BeginValue,
                    (Within::ArrayValue, _) => return error("after array element"),
                }
                Ok(())
            }
            State::EndTop => {
                if space {
                    Ok(())
                } else {
                    error("after top-level value")
                }
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    0..0x20 => return error("in string literal"),
                    _ => {}
                }
                Ok(())
            }
            State::InStringEsc => {
                self.state = match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => State::InString,
                    b'u' => State::InStringEscU(0),
                    _ => return error("in string escape code"),
                };
                Ok(())
            }
            State::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return error("in \\u hexadecimal character escape");
                }
                self.state = if n == 3 { State::InString } else { State::InStringEscU(n + 1) };
                Ok(())
            }
            State::Neg => {
                self.state = match c {
                    b'0' => State::Zero,
                    b'1'..=b'9' => State::One,
                    _ => return error("in numeric literal"),
                };
                Ok(())
            }
            State::One if c.is_ascii_digit() => Ok(()),
            State::One | State::Zero => {
                self.state = match c {
                    b'.' => State::Dot,
                    b'e' | b'E' => State::E,
                    _ => return self.end_value(c),
                };
                Ok(())
            }
            State::Dot => {
                if !c.is_ascii_digit() {
                    return error("after decimal point in numeric literal");
                }
                self.state = State::Dot0;
                Ok(())
            }
            State::Dot0 => match c {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::E if matches!(c, b'+' | b'-') => {
                self.state = State::ESign;
                Ok(())
            }
            State::E | State::ESign => {
                if !c.is_ascii_digit() {
                    return error("in exponent of numeric literal");
                }
                self.state = State::E0;
                Ok(())
            }
            State::E0 => {
                if c.is_ascii_digit() {
                    Ok(())
                } else {
                    self.end_value(c)
                }
            }
            State::Literal { word, at } => {
                let expected = word.as_bytes()[at];
                if c != expected {
                    return error(&format!("in literal {word} (expecting {})", quote_char(expected)));
                }
                self.state = if at + 1 == word.len() { State::EndValue } else { State::Literal { word, at: at + 1 } };
                Ok(())
            }
        }
    }

    fn end_value(&mut self, c: u8) -> Result<(), String> {
        self.state = State::EndValue;
        self.step(c)
    }

    fn push(&mut self, c: u8, within: Within, next: State) -> Result<(), String> {
        self.within.push(within);
        self.state = next;
        if self.within.len() > MAX_DEPTH {
            return Err(format!("invalid character {} exceeded max depth", quote_char(c)));
        }
        Ok(())
    }

    fn pop(&mut self) {
        self.within.pop();
        if self.within.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }
}

/// Go's `strconv.Quote` of a string (`%q`), as kubectl and the API
/// server quote text in their messages.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `quoteChar` (scanner.go): the byte as a character literal, the
/// byte read as the code point of the same number (Go's `string(c)`), as
/// `strconv.Quote` escapes it.
fn quote_char(c: u8) -> String {
    let inner = match c {
        b'\'' => "\\'".to_string(),
        b'"' => "\"".to_string(),
        b'\\' => "\\\\".to_string(),
        0x07 => "\\a".into(),
        0x08 => "\\b".into(),
        0x0c => "\\f".into(),
        b'\n' => "\\n".into(),
        b'\r' => "\\r".into(),
        b'\t' => "\\t".into(),
        0x0b => "\\v".into(),
        0..0x20 | 0x7f => format!("\\x{c:02x}"),
        // C1 controls, the no-break space and the soft hyphen: not
        // printable to Go's `unicode.IsPrint`.
        0x80..=0xa0 | 0xad => format!("\\u{c:04x}"),
        _ => char::from(c).to_string(),
    };
    format!("'{inner}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go 1.24's `json.Valid`/`json.Unmarshal` words for each kind of
    /// mistake, as `encoding/json`'s scanner_test.go and a Go playground
    /// print them.
    #[test]
    fn go_words_for_text_that_is_not_json() {
        let cases = [
            ("{spec:{replicas:3}}", "invalid character 's' looking for beginning of object key string"),
            ("{not json", "invalid character 'n' looking for beginning of object key string"),
            ("{\"spec\":", "unexpected end of JSON input"),
            ("", "unexpected end of JSON input"),
            ("   ", "unexpected end of JSON input"),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            ("{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair"),
            ("[1 2]", "invalid character '2' after array element"),
            ("{\"a\":1}}", "invalid character '}' after top-level value"),
            ("{\"a\":'x'}", "invalid character '\\'' looking for beginning of value"),
            ("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')"),
            ("tru", "invalid character ' ' in literal true (expecting 'e')"),
            ("{\"a\":nul}", "invalid character '}' in literal null (expecting 'l')"),
            ("{\"a\":fals}", "invalid character '}' in literal false (expecting 'e')"),
            ("{\"a\":-}", "invalid character '}' in numeric literal"),
            ("{\"a\":1.}", "invalid character '}' after decimal point in numeric literal"),
            ("{\"a\":1e}", "invalid character '}' in exponent of numeric literal"),
            ("{\"a\":01}", "invalid character '1' after object key:value pair"),
            ("{\"a\":\"\\x\"}", "invalid character 'x' in string escape code"),
            ("{\"a\":\"\\u12g4\"}", "invalid character 'g' in \\u hexadecimal character escape"),
            ("{\"a\":\"x\ty\"}", "invalid character '\\t' in string literal"),
            ("{\"a\":1,}", "invalid character '}' looking for beginning of object key string"),
            ("[1,]", "invalid character ']' looking for beginning of value"),
            ("{\"a\":é}", "invalid character 'Ã' looking for beginning of value"),
        ];
        for (text, words) in cases {
            assert_eq!(go_syntax_error(text).as_deref(), Some(words), "{text:?}");
        }
    }

    #[test]
    fn json_passes() {
        for text in [
            "{}",
            " { } ",
            "[]",
            "{\"spec\":{\"replicas\":3,\"x\":[1,-2.5e+3,0.5E1,true,false,null,\"a\\\"\\u00e9\\n\"]}}",
            "3",
            "\"s\"",
            "{\n\t\"a\": [ ]\n}\n",
        ] {
            assert_eq!(go_syntax_error(text), None, "{text:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(go_syntax_error(&deep).as_deref(), Some("invalid character '[' exceeded max depth"));
    }

    /// Text serde_json wrote reads back through the YAML parser in JSON
    /// mode as the same value, strings that look like other things and
    /// escapes included.
    #[test]
    fn json_read_through_the_yaml_parser() {
        let value = serde_json::json!({
            "s": "yes", "n": "3", "null": "null", "e": "é \" \\ \n \t \u{1} /", "i": -7, "u": 18446744073709551615u64,
            "f": 0.25, "b": true, "z": null, "a": [[], {}, "x: y", "- z", "# not a comment", "{", "%TAG"],
            "long": "x".repeat(5000),
        });
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(read::<serde_json::Value>(&text).unwrap(), value);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(read::<serde_json::Value>(&pretty).unwrap(), value);
        // A bare number is no string in JSON mode.
        assert!(read::<String>("3").is_err());
    }

    /// Enums as serde_json writes them (a unit variant as its name, one
    /// with data as a map with the name as its one key) read back; a map
    /// with no key or two keys is no variant.
    #[test]
    fn enums_written_by_serde_json_read_back() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        enum E {
            Unit,
            New(String),
            Tuple(u8, u8),
            Struct { a: Option<u32> },
        }
        let all = vec![E::Unit, E::New("x".into()), E::Tuple(1, 2), E::Struct { a: Some(3) }, E::Struct { a: None }];
        let text = serde_json::to_string(&all).unwrap();
        assert_eq!(read::<Vec<E>>(&text).unwrap(), all);
        for bad in [r#"{}"#, r#"{"New": "x", "Unit": null}"#, r#"{"Nope": 1}"#] {
            assert!(read::<E>(bad).is_err(), "{bad}");
        }
    }
}
