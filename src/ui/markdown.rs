//! The small, safe part of Markdown that scenario descriptions use:
//! paragraphs, bulleted and numbered lists, `code`, **bold**, *emphasis*
//! and [links](https://example.org). It builds yew nodes, never HTML text,
//! so a scenario file cannot inject markup; links other than http(s) and
//! mailto render as plain text. (Measured against pulldown-cmark: this is
//! a few KB of wasm where the crate is tens.)

use yew::prelude::*;

#[derive(Debug, PartialEq)]
enum Block {
    Paragraph(String),
    List { ordered: bool, items: Vec<String> },
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

fn blocks(text: &str) -> Vec<Block> {
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

/// Inline markup of one paragraph or list item.
pub fn inline(text: &str) -> Html {
    let mut nodes: Vec<Html> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let emit = |plain: &mut String, nodes: &mut Vec<Html>| {
        if !plain.is_empty() {
            nodes.push(html! { { std::mem::take(plain) } });
        }
    };
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '`'
            && let Some(end) = after.find('`')
        {
            emit(&mut plain, &mut nodes);
            nodes.push(html! { <code>{ &after[..end] }</code> });
            rest = &after[end + 1..];
            continue;
        }
        if let Some(inner) = rest.strip_prefix("**")
            && let Some(end) = inner.find("**")
        {
            emit(&mut plain, &mut nodes);
            nodes.push(html! { <strong>{ inline(&inner[..end]) }</strong> });
            rest = &inner[end + 2..];
            continue;
        }
        if c == '*'
            && after.starts_with(|n: char| !n.is_whitespace())
            && let Some(end) = after.find('*')
        {
            emit(&mut plain, &mut nodes);
            nodes.push(html! { <em>{ inline(&after[..end]) }</em> });
            rest = &after[end + 1..];
            continue;
        }
        if c == '['
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let label = &after[..close];
            let url = &after[close + 2..close + 2 + end];
            emit(&mut plain, &mut nodes);
            if safe_url(url) {
                nodes.push(
                    html! { <a href={url.to_string()} target="_blank" rel="noopener noreferrer">{ inline(label) }</a> },
                );
            } else {
                nodes.push(inline(label));
            }
            rest = &after[close + 3 + end..];
            continue;
        }
        plain.push(c);
        rest = after;
    }
    emit(&mut plain, &mut nodes);
    nodes.into_iter().collect()
}

/// Renders `text` as the subset of Markdown described above.
pub fn render(text: &str) -> Html {
    blocks(text)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(p) => html! { <p>{ inline(&p) }</p> },
            Block::List { ordered: false, items } => {
                html! { <ul>{ for items.iter().map(|i| html! { <li>{ inline(i) }</li> }) }</ul> }
            }
            Block::List { ordered: true, items } => {
                html! { <ol>{ for items.iter().map(|i| html! { <li>{ inline(i) }</li> }) }</ol> }
            }
        })
        .collect()
}
