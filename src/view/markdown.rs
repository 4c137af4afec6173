//! The small, safe part of Markdown that scenario descriptions and
//! FIDELITY.md use: paragraphs, bulleted and numbered lists, `code`,
//! **bold**, *emphasis* and [links](https://example.org). Parsed into a
//! tree here; the playground builds yew nodes from it (never HTML text, so
//! a scenario file cannot inject markup) and the static pages escaped HTML
//! ([`to_html`]). Links other than http(s) and mailto are plain text.
//! A paragraph or item may carry a reveal mark ([`reveal_at`]).
//! (Measured against pulldown-cmark: this is a few KB of wasm where the
//! crate is tens.)

use crate::time::{Duration, Instant};

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
    // Inside a list item until a blank line: CommonMark's "lazy
    // continuation" joins an unindented line to the item (translations
    // wrap their items that way).
    let mut in_item = false;
    let flush = |para: &mut String, out: &mut Vec<Block>| {
        if !para.is_empty() {
            out.push(Block::Paragraph(std::mem::take(para)));
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            in_item = false;
            continue;
        }
        if let Some((ordered, rest)) = list_item(line) {
            flush(&mut para, &mut out);
            match out.last_mut() {
                Some(Block::List { ordered: o, items }) if *o == ordered => items.push(rest.to_string()),
                _ => out.push(Block::List { ordered, items: vec![rest.to_string()] }),
            }
            in_item = true;
            continue;
        }
        // A line inside an item, or an indented line right after one, continues it.
        if para.is_empty()
            && (in_item || line.starts_with(char::is_whitespace))
            && let Some(Block::List { items, .. }) = out.last_mut()
            && let Some(item) = items.last_mut()
        {
            item.push(' ');
            item.push_str(line.trim());
            in_item = true;
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

/// A paragraph or list item that starts with `<!-- at 20s -->` is part of
/// the story the lesson reveals as the cursor passes that time, so the
/// lesson does not tell the ending before the learner watches it. (An HTML
/// comment: any other Markdown renderer shows the text and hides the mark.)
/// Returns the time and the text without the mark.
pub fn reveal_at(text: &str) -> (Option<Duration>, &str) {
    let t = text.trim_start();
    let Some(rest) = t.strip_prefix("<!--") else { return (None, text) };
    let Some(end) = rest.find("-->") else { return (None, text) };
    let mark = rest[..end].trim();
    match mark.strip_prefix("at ").map(|d| Duration::parse(d.trim())) {
        Some(Ok(d)) => (Some(d), rest[end + 3..].trim_start()),
        _ => (None, text),
    }
}

/// The reveal times of a text's paragraphs and list items, in order
/// (`None`: always shown): what must match between a lesson's languages.
pub fn reveal_marks(text: &str) -> Vec<Option<Duration>> {
    blocks(text)
        .iter()
        .flat_map(|b| match b {
            Block::Paragraph(p) => vec![reveal_at(p).0],
            Block::List { items, .. } => items.iter().map(|i| reveal_at(i).0).collect(),
        })
        .collect()
}

/// The shape of a text: its blocks' kinds and list lengths (`p`, `ol3`, `ul4`).
pub fn shape(text: &str) -> Vec<String> {
    blocks(text)
        .iter()
        .map(|b| match b {
            Block::Paragraph(_) => "p".to_string(),
            Block::List { ordered: true, items } => format!("ol{}", items.len()),
            Block::List { ordered: false, items } => format!("ul{}", items.len()),
        })
        .collect()
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
    to_html_until(text, None).0
}

/// A paragraph's or item's text without its reveal mark, and whether it is
/// still to come at `now` (`None`: the whole story is told).
pub fn later_than(text: &str, now: Option<Instant>) -> (bool, &str) {
    let (at, rest) = reveal_at(text);
    (matches!((at, now), (Some(at), Some(now)) if Instant::ZERO + at > now), rest)
}

/// [`to_html`] as the lesson shows it at `now`: what is still to come kept
/// in its place but unreadable (`class="later"`, hidden from screen
/// readers), as the playground renders it, so the static first paint and
/// the app's first frame have the same height. Returns how many are to come.
pub fn to_html_until(text: &str, now: Option<Instant>) -> (String, usize) {
    let mut out = String::new();
    let mut hidden = 0;
    let mut block = |out: &mut String, tag: &str, text: &str| {
        let (later, text) = later_than(text, now);
        hidden += usize::from(later);
        if later {
            out.push_str(&format!(r#"<{tag} class="later" aria-hidden="true" inert>"#));
        } else {
            out.push_str(&format!("<{tag}>"));
        }
        inline_html(out, &inline(text));
        out.push_str(&format!("</{tag}>"));
    };
    for b in blocks(text) {
        match b {
            Block::Paragraph(p) => block(&mut out, "p", &p),
            Block::List { ordered, items } => {
                let tag = if ordered { "ol" } else { "ul" };
                out.push_str(&format!("<{tag}>"));
                for i in items {
                    block(&mut out, "li", &i);
                }
                out.push_str(&format!("</{tag}>"));
            }
        }
    }
    (out, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unindented_line_inside_a_list_item_continues_it() {
        // CommonMark 0.31, "lazy continuation line": a line that would be a
        // paragraph continuation continues the list item's paragraph.
        let ko = "1. 라우터는 계속\n보냅니다.\n2. 다른 스피커들이\n알아챕니다.\n\n뒤 문단.";
        assert_eq!(
            blocks(ko),
            vec![
                Block::List {
                    ordered: true,
                    items: vec!["라우터는 계속 보냅니다.".into(), "다른 스피커들이 알아챕니다.".into()]
                },
                Block::Paragraph("뒤 문단.".into()),
            ]
        );
        assert_eq!(shape(ko), vec!["ol2", "p"]);
    }

    #[test]
    fn a_reveal_mark_gives_the_time_and_is_not_shown() {
        assert_eq!(
            reveal_at("<!-- at 25s --> node-b takes over"),
            (Some(Duration::from_secs(25)), "node-b takes over")
        );
        assert_eq!(reveal_at("<!-- a comment --> text"), (None, "<!-- a comment --> text"));
        assert_eq!(reveal_at("plain"), (None, "plain"));
        let text = "Intro.\n\n1. <!-- at 20s --> fails\n2. <!-- at 1m30s --> recovers\n3. always";
        assert_eq!(reveal_marks(text), vec![None, Some(Duration::from_secs(20)), Some(Duration::from_secs(90)), None]);
        assert_eq!(to_html(text), "<p>Intro.</p><ol><li>fails</li><li>recovers</li><li>always</li></ol>");
    }

    #[test]
    fn the_static_lesson_keeps_what_is_to_come_in_place_but_unreadable() {
        let text = "Intro.\n\n1. <!-- at 20s --> fails\n2. <!-- at 1m30s --> recovers\n3. always";
        let later = r#"<li class="later" aria-hidden="true" inert>"#;
        assert_eq!(
            to_html_until(text, Some(Instant::ZERO + Duration::from_secs(20))),
            (format!("<p>Intro.</p><ol><li>fails</li>{later}recovers</li><li>always</li></ol>"), 1)
        );
        assert_eq!(to_html_until(text, Some(Instant::ZERO)).1, 2);
        assert_eq!(to_html_until(text, None), (to_html(text), 0));
    }

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
