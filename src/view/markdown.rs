//! The small, safe part of Markdown that scenario descriptions and
//! FIDELITY.md use: paragraphs, bulleted and numbered lists, `code`,
//! **bold**, *emphasis* and [links](https://example.org). Parsed into a
//! tree here; the playground builds yew nodes from it (never HTML text, so
//! a scenario file cannot inject markup) and the static pages escaped HTML
//! ([`to_html`]). Links other than http(s) and mailto are plain text.
//! (Measured against pulldown-cmark: this is a few KB of wasm where the
//! crate is tens.)

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph(String),
    List { ordered: bool, items: Vec<String> },
}

/// Inline markup of one paragraph or list item.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    /// A link to a safe URL.
    Link {
        url: String,
        label: Vec<Inline>,
    },
    /// A link whose URL is not http(s) or mailto: its label only.
    Unlinked(Vec<Inline>),
}

/// A list item's marker and the text after it: `- x`, `* x`, `1. x`.
fn list_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| t[digits..].strip_prefix(". ")).flatten().map(|rest| (true, rest))
}

pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut para = String::new();
    let flush = |para: &mut String, out: &mut Vec<Block>| {
        if !para.is_empty() {
            out.push(Block::Paragraph(std::mem::take(para)));
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            continue;
        }
        if let Some((ordered, rest)) = list_item(line) {
            flush(&mut para, &mut out);
            match out.last_mut() {
                Some(Block::List { ordered: o, items }) if *o == ordered => items.push(rest.to_string()),
                _ => out.push(Block::List { ordered, items: vec![rest.to_string()] }),
            }
            continue;
        }
        // An indented line right after a list item continues it.
        if para.is_empty()
            && line.starts_with(char::is_whitespace)
            && let Some(Block::List { items, .. }) = out.last_mut()
            && let Some(item) = items.last_mut()
        {
            item.push(' ');
            item.push_str(line.trim());
            continue;
        }
        if !para.is_empty() {
            para.push(' ');
        }
        para.push_str(line.trim());
    }
    flush(&mut para, &mut out);
    out
}

fn safe_url(url: &str) -> bool {
    ["https://", "http://", "mailto:"].iter().any(|p| url.starts_with(p))
}

/// The inline markup of one paragraph or list item.
pub fn inline(text: &str) -> Vec<Inline> {
    let mut nodes = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let emit = |plain: &mut String, nodes: &mut Vec<Inline>| {
        if !plain.is_empty() {
            nodes.push(Inline::Text(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '`'
            && let Some(end) = after.find('`')
        {
            emit(&mut plain, &mut nodes);
            nodes.push(Inline::Code(after[..end].to_string()));
            rest = &after[end + 1..];
            continue;
        }
        if let Some(inner) = rest.strip_prefix("**")
            && let Some(end) = inner.find("**")
        {
            emit(&mut plain, &mut nodes);
            nodes.push(Inline::Strong(inline(&inner[..end])));
            rest = &inner[end + 2..];
            continue;
        }
        if c == '*'
            && after.starts_with(|n: char| !n.is_whitespace())
            && let Some(end) = after.find('*')
        {
            emit(&mut plain, &mut nodes);
            nodes.push(Inline::Em(inline(&after[..end])));
            rest = &after[end + 1..];
            continue;
        }
        if c == '['
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let label = inline(&after[..close]);
            let url = &after[close + 2..close + 2 + end];
            emit(&mut plain, &mut nodes);
            nodes.push(if safe_url(url) {
                Inline::Link { url: url.to_string(), label }
            } else {
                Inline::Unlinked(label)
            });
            rest = &after[close + 3 + end..];
            continue;
        }
        plain.push(c);
        rest = after;
    }
    emit(&mut plain, &mut nodes);
    nodes
}

/// `text` with `&`, `<`, `>` and `"` escaped, for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn inline_html(out: &mut String, nodes: &[Inline]) {
    for n in nodes {
        match n {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape(t));
                out.push_str("</code>");
            }
            Inline::Strong(inner) => {
                out.push_str("<strong>");
                inline_html(out, inner);
                out.push_str("</strong>");
            }
            Inline::Em(inner) => {
                out.push_str("<em>");
                inline_html(out, inner);
                out.push_str("</em>");
            }
            Inline::Link { url, label } => {
                out.push_str(&format!(r#"<a href="{}" target="_blank" rel="noopener noreferrer">"#, escape(url)));
                inline_html(out, label);
                out.push_str("</a>");
            }
            Inline::Unlinked(label) => inline_html(out, label),
        }
    }
}

/// `text` as escaped HTML: the same elements the playground renders.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    for b in blocks(text) {
        match b {
            Block::Paragraph(p) => {
                out.push_str("<p>");
                inline_html(&mut out, &inline(&p));
                out.push_str("</p>");
            }
            Block::List { ordered, items } => {
                let tag = if ordered { "ol" } else { "ul" };
                out.push_str(&format!("<{tag}>"));
                for i in items {
                    out.push_str("<li>");
                    inline_html(&mut out, &inline(&i));
                    out.push_str("</li>");
                }
                out.push_str(&format!("</{tag}>"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_escaped_html_and_unsafe_links_plain_text() {
        let text = "The **router** keeps `<stale>` entries; see [the docs](https://example.org/?a=1&b=2).\n\n\
                    - one *two*\n  continued\n- [x](javascript:void)\n\n1. first\n2. second";
        assert_eq!(
            to_html(text),
            "<p>The <strong>router</strong> keeps <code>&lt;stale&gt;</code> entries; see \
             <a href=\"https://example.org/?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer\">the docs</a>.</p>\
             <ul><li>one <em>two</em> continued</li><li>x</li></ul><ol><li>first</li><li>second</li></ol>"
        );
    }
}
