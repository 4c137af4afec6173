use crate::catalog;
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let scenarios = catalog::shipped();
    html! {
        <div class="shell">
            <header class="topbar">
                <h1>{ "vipsim" }</h1>
                <p class="tagline">{ "Watch a Kubernetes LoadBalancer VIP move across a LAN, frame by frame." }</p>
            </header>
            <nav class="picker" aria-label="Scenarios">
                <h2>{ "Scenarios" }</h2>
                if scenarios.is_empty() {
                    <p class="empty">{ "No scenarios are shipped with this build yet." }</p>
                } else {
                    <ul class="scenario-list">
                        { for scenarios.iter().map(|s| html! {
                            <li><button type="button" data-id={s.id.clone()}>{ &s.title }</button></li>
                        }) }
                    </ul>
                }
            </nav>
            <footer class="footer">{ format!("vipsim {}", crate::VERSION) }</footer>
        </div>
    }
}
