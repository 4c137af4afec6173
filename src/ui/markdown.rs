//! Scenario and FIDELITY.md Markdown ([`crate::view::markdown`]) as yew
//! nodes, never HTML text, so a scenario file cannot inject markup.

use crate::view::markdown::{Block, Inline, blocks};
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
