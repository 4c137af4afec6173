//! The embed player (`embed.html`), made for an iframe in a blog column:
//! a one-line bar with the scenario's title and a link to the full
//! playground at the same moment, and the height report that lets the host
//! page size the iframe to its content (no scrollbars): whenever the page's
//! height changes it posts `{type: 'vipsim:height', height}` to its parent.
//! The contract is documented in docs/embedding.md.

use super::i18n::Msg;
use super::route;
use super::state::use_store;
use super::viewport::SizeWatch;
use std::cell::Cell;
use web_sys::Element;
use yew::prelude::*;

/// The message type a host page listens for.
const HEIGHT_MESSAGE: &str = "vipsim:height";

/// Posts the height of `shell` (whole CSS pixels) to the parent window,
/// each time it changes.
fn report_height(shell: &Element, last: &Cell<u32>) {
    let height = shell.get_bounding_client_rect().height().ceil() as u32;
    if height == 0 || height == last.replace(height) {
        return;
    }
    let window = gloo::utils::window();
    let Ok(Some(parent)) = window.parent() else { return };
    let message = js_sys::Object::new();
    let set = |k: &str, v: wasm_bindgen::JsValue| js_sys::Reflect::set(&message, &k.into(), &v).is_ok();
    if set("type", HEIGHT_MESSAGE.into()) && set("height", height.into()) {
        // `*`: the height is no secret, and the host's origin is unknown.
        let _ = parent.post_message(&message, "*");
    }
}

/// In the embed player, reports the page's height to the parent window
/// now and whenever it changes (content, fonts, the iframe's width).
#[hook]
pub fn use_height_reporting(shell: NodeRef, embed: bool) {
    use_effect_with(embed, move |embed| {
        let watch = embed.then(|| shell.cast::<Element>()).flatten().and_then(|el| {
            let last = Cell::new(0);
            SizeWatch::new(&el, move |el| report_height(el, &last))
        });
        move || drop(watch)
    });
}

/// The embed player's only chrome.
#[function_component(EmbedBar)]
pub fn embed_bar() -> Html {
    let store = use_store();
    let lang = store.lang;
    let title = store.scenario.as_ref().map(|s| s.doc.metadata.title_in(lang.code()).to_string()).unwrap_or_default();
    let folder = route::page_url().1;
    // A shipped scenario's own page has its lesson in the first response.
    let plain = match store.source.as_ref().and_then(|s| s.shipped.clone()) {
        Some(id) => format!("{folder}{id}.html"),
        None => folder,
    };
    // The exact moment is encoded when the link is followed, not on every
    // frame of playback: the click rewrites the link before the browser
    // follows it. Through a NodeRef, not the event's currentTarget: yew
    // listens at the app's root, so that is the root, not the link (which
    // left the link pointing at the scenario's first moment).
    let anchor = use_node_ref();
    let follow = {
        let store = store.clone();
        let anchor = anchor.clone();
        Callback::from(move |_: MouseEvent| {
            if let (Some(link), Some(a)) = (route::permalink(&store), anchor.cast::<web_sys::HtmlAnchorElement>()) {
                a.set_href(&route::link_url(&link));
            }
        })
    };
    html! {
        <header class="embed-bar">
            <strong>{ title }</strong>
            <a ref={anchor} href={plain} onclick={follow} target="_blank" rel="noopener">{ lang.t(Msg::OpenInPlayground) }</a>
        </header>
    }
}
