//! Scenario and FIDELITY.md Markdown ([`crate::view::markdown`]) as yew
//! nodes, never HTML text, so a scenario file cannot inject markup.

use crate::time::Instant;
use crate::view::markdown::{Block, Inline, blocks, reveal_at};
use yew::prelude::*;

fn nodes(tree: &[Inline]) -> Html {
    tree.iter()
        .map(|n| match n {
            Inline::Text(t) => html! { { t.clone() } },
            Inline::Code(t) => html! { <code>{ t.clone() }</code> },
            Inline::Strong(inner) => html! { <strong>{ nodes(inner) }</strong> },
            Inline::Em(inner) => html! { <em>{ nodes(inner) }</em> },
            Inline::Link { url, label } => {
                html! { <a href={url.clone()} target="_blank" rel="noopener noreferrer">{ nodes(label) }</a> }
            }
            Inline::Unlinked(label) => nodes(label),
        })
        .collect()
}

/// Inline markup of one paragraph or list item.
pub fn inline(text: &str) -> Html {
    nodes(&crate::view::markdown::inline(text))
}

/// Renders `text` as the Markdown subset [`crate::view::markdown`] describes.
pub fn render(text: &str) -> Html {
    render_until(text, None).0
}

/// Renders `text`, leaving out the paragraphs and items whose reveal mark
/// ([`reveal_at`]) is later than `now` (`None`: everything). Returns how
/// many were left out.
pub fn render_until(text: &str, now: Option<Instant>) -> (Html, usize) {
    let mut hidden = 0;
    let mut shown = |t: &str| -> Option<String> {
        let (at, rest) = reveal_at(t);
        match (at, now) {
            (Some(at), Some(now)) if Instant::ZERO + at > now => {
                hidden += 1;
                None
            }
            _ => Some(rest.to_string()),
        }
    };
    let html = blocks(text)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(p) => match shown(&p) {
                Some(p) => html! { <p>{ inline(&p) }</p> },
                None => html! {},
            },
            Block::List { ordered, items } => {
                let items: Vec<String> = items.iter().filter_map(|i| shown(i)).collect();
                let items = items.iter().map(|i| html! { <li>{ inline(i) }</li> });
                match ordered {
                    _ if items.len() == 0 => html! {},
                    true => html! { <ol>{ for items }</ol> },
                    false => html! { <ul>{ for items }</ul> },
                }
            }
        })
        .collect();
    (html, hidden)
}
