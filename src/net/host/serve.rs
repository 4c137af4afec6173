//! The servers on a node: each pod's app and the health-check server of
//! externalTrafficPolicy: Local Services, answering HTTP on their sockets.

use super::{Datapath, Env, Host};
use crate::engine::ctx::Ctx;
use crate::engine::trace::{Kind, Name};
use crate::net::apps::{self, App, HttpRequest};
use crate::net::tcp::{Quad, SocketEvent};
use serde::{Deserialize, Serialize};

/// A pod's network namespace, reduced to what the datapath needs: its
/// address, name and the app listening in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PodNet {
    pub name: Name,
    pub app: App,
}

/// A healthCheckNodePort listener (externalTrafficPolicy: Local).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub service: String,
    pub local_endpoints: u32,
}

impl Host {
    /// A pod's app (or the node's health-check server) handling its connection.
    pub(super) fn server_event(&mut self, quad: Quad, ev: SocketEvent, cx: &mut Ctx, env: &Env) {
        let SocketEvent::Data(bytes) = ev else { return };
        // The bytes so far, taken from the socket once they hold a whole head.
        let head = self.sockets.update(&quad, |sock| {
            apps::append_segment(&mut sock.inbox, bytes);
            apps::head_end(&sock.inbox).is_some().then(|| std::mem::take(&mut sock.inbox))
        });
        let Some(Some(head)) = head else { return };
        let request = HttpRequest::parse(&head).expect("a whole head");
        let local_ip = *quad.local.ip();
        let node_name = self.name.clone();
        let (response, record) = match self.node.as_ref().and_then(|n| n.pods.get(&local_ip)) {
            Some(pod) => {
                let resp = pod.app.respond(&pod.name, &request, quad.remote, quad.local);
                let rec = Kind::App {
                    pod: pod.name.clone(),
                    node: node_name,
                    client: quad.remote,
                    request: [request.method(), " ", request.path()].concat(),
                    status: resp.status,
                };
                (resp, Some(rec))
            }
            None => {
                let hc = self.node.as_ref().and_then(|n| n.health.get(&quad.local.port()));
                let server = if env.datapath == Datapath::Ebpf {
                    apps::HealthServer::Cilium
                } else {
                    apps::HealthServer::KubeProxy
                };
                (apps::health_check(hc, &request, server, cx.now), None)
            }
        };
        if let Some(r) = record {
            cx.record(r);
        }
        let now = cx.now;
        let bytes = response.to_bytes();
        let Some(segs) = self.sockets.update(&quad, |sock| sock.conn.send_and_close(&bytes, now)) else { return };
        self.emit_segments(quad, segs, cx, env);
    }
}
