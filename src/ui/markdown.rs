//! Scenario and FIDELITY.md Markdown ([`crate::view::markdown`]) as yew
//! nodes, never HTML text, so a scenario file cannot inject markup.

use crate::time::Instant;
use crate::view::markdown::{Block, Inline, blocks, later_than};
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

/// Renders `text` with the paragraphs and items whose reveal mark
/// ([`crate::view::markdown::reveal_at`]) is later than `now` (`None`: none is) kept in their
/// place but unreadable (blurred, hidden from screen readers), so the
/// lesson keeps its height as the story unfolds and nothing below it
/// jumps. Returns how many are still to come.
pub fn render_until(text: &str, now: Option<Instant>) -> (Html, usize) {
    let mut hidden = 0;
    let mut later = |t: &str| -> (bool, String) {
        let (later, rest) = later_than(t, now);
        hidden += usize::from(later);
        (later, rest.to_string())
    };
    let html = blocks(text)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(p) => match later(&p) {
                (false, p) => html! { <p>{ inline(&p) }</p> },
                (true, p) => html! { <p class="later" aria-hidden="true" inert=true>{ inline(&p) }</p> },
            },
            Block::List { ordered, items } => {
                let items = items.iter().map(|i| match later(i) {
                    (false, i) => html! { <li>{ inline(&i) }</li> },
                    (true, i) => html! { <li class="later" aria-hidden="true" inert=true>{ inline(&i) }</li> },
                });
                if ordered {
                    html! { <ol>{ for items }</ol> }
                } else {
                    html! { <ul>{ for items }</ul> }
                }
            }
        })
        .collect();
    (html, hidden)
}
