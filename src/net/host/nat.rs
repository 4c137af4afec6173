//! The Service datapath on a Kubernetes node (kube-proxy's iptables or
//! IPVS rules, Cilium's eBPF): conntrack, DNAT to an endpoint with or
//! without SNAT, and REJECT for a Service without endpoints.

use super::{Datapath, Env, Host, Origin, flow_tuple};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::net::conntrack::{Direction, Tuple};
use crate::net::proxy::{self, Decision, Source};
use crate::wire::Frame;
use crate::wire::ip::{self, Ipv4, L4, Rewrite};
use std::net::Ipv4Addr;

impl Host {
    /// kube-proxy / Cilium on a node, before routing: translate packets of
    /// tracked flows, and decide new flows to Service addresses. Returns
    /// the (possibly rewritten) frame, or `None` when it was dropped or
    /// rejected here. `parsed` is `frame`'s packet as its caller decoded it
    /// (`None`: malformed, dropped here on a node).
    pub(super) fn node_prerouting(
        &mut self,
        frame: Frame,
        parsed: Option<Ipv4>,
        origin: Origin,
        cx: &mut Ctx,
        env: &Env,
    ) -> Option<Frame> {
        if self.node.is_none() {
            return Some(frame);
        }
        let name = self.name.clone();
        let pkt = parsed?;
        let Some(t) = flow_tuple(&pkt) else { return Some(frame) };
        let flags = match pkt.l4 {
            L4::Tcp(tcp) => Some(tcp.flags),
            _ => None,
        };
        let now = cx.now;
        let node = self.node.as_mut().expect("checked");
        if let Some(tr) = node.conntrack.pass(t, flags, now) {
            if (tr.src, tr.dst) == ((t.src, t.sport), (t.dst, t.dport)) {
                return Some(frame);
            }
            return Some(translate(&frame, &pkt, tr.src, tr.dst));
        }
        // Only a new flow's first packet consults the Service rules. A
        // mid-stream TCP segment (no SYN) is still picked up
        // (nf_conntrack_tcp_loose=1), so a flow that moves to another node
        // gets a fresh decision there, usually ending in a RST.
        let source = match origin {
            Origin::Forwarded => Source::External,
            Origin::Pod => Source::Pod,
            Origin::Local => Source::Host,
        };
        let mut node_ips: Vec<Ipv4Addr> = self.ifaces.iter().flat_map(|i| i.addrs.iter().map(|a| a.addr)).collect();
        // A NodePort on 127.0.0.0/8, from the node itself: kube-proxy
        // iptables accepts it (`--iptables-localhost-nodeports`, default
        // true, with `nodePortAddresses` unset: KUBE-NODEPORTS is reached
        // for every `--dst-type LOCAL` destination and route_localnet=1 is
        // set; kube-proxy 1.34 pkg/proxy/iptables/proxier.go), as does
        // Cilium's socket LB in the host namespace (`sock4_wildcard_lookup`,
        // `in_hostns && is_v4_loopback`, bpf/bpf_sock.c, 1.18). IPVS does
        // not (`-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN`, loopback
        // addresses get no virtual service; pkg/proxy/ipvs/proxier.go):
        // the SYN finds no listener on lo and is refused.
        if origin == Origin::Local && t.dst.is_loopback() && env.datapath != Datapath::Ipvs {
            node_ips.push(t.dst);
        }
        // Cilium's socket LB also takes a NodePort on another node's
        // address (a remote-node identity: `sock4_wildcard_lookup_full`
        // looks up with `include_remote_hosts`), so the node's connection
        // goes straight to a backend, never through that node.
        if origin == Origin::Local && env.datapath == Datapath::Ebpf && env.node_addrs.contains(&t.dst) {
            node_ips.push(t.dst);
        }
        let node = self.node.as_mut().expect("checked");
        let zone = node.zone.clone();
        let here =
            proxy::NodeView { name: &self.name, zone: zone.as_deref(), ips: &node_ips, datapath: env.datapath, now };
        match proxy::decide(env.services, &here, t, source, cx.rng, &mut node.ipvs_rr, &mut node.affinity) {
            Decision::Pass => {
                // Not a Service: netfilter still tracks the flow (forwarded
                // to or from a pod, or the node's own), untranslated.
                let node = self.node.as_mut().expect("checked");
                if let Some(id) = node.conntrack.track(t, flags, now) {
                    node.conntrack.update(id, Direction::Original, flags, now);
                }
                Some(frame)
            }
            Decision::Drop(reason) => {
                cx.drop(&name, reason, Some(frame));
                None
            }
            Decision::Reject { service, why } => {
                // Cilium replaces kube-proxy: its datapath does the rejecting.
                let (component, line) = match (env.datapath, why) {
                    (Datapath::Ebpf, proxy::NoBackend::Anywhere) => {
                        ("cilium", format!("{t}: service {service} has no backends: ICMP port unreachable"))
                    }
                    (Datapath::Ebpf, proxy::NoBackend::NoLocalInternal) => (
                        "cilium",
                        format!(
                            "{t}: service {service} has no backend on this node (internalTrafficPolicy: Local): connect() fails: no route to host"
                        ),
                    ),
                    (Datapath::Ebpf, proxy::NoBackend::OnThisNode) => (
                        "cilium",
                        format!(
                            "{t}: service {service} has no backend on this node (externalTrafficPolicy: Local): ICMP port unreachable"
                        ),
                    ),
                    _ => ("kube-proxy", format!("REJECT {t}: service {service} has no endpoints")),
                };
                cx.record(Kind::Log { host: name.clone(), component: component.into(), line });
                if why == proxy::NoBackend::NoLocalInternal {
                    // The socket LB fails connect() with EHOSTUNREACH: the
                    // socket hears host unreachable, nothing is sent.
                    self.icmp_send(ip::ip_payload(&frame), 1, cx);
                } else {
                    self.reject(&frame, origin, env.datapath, cx);
                }
                None
            }
            Decision::Dnat { to, snat, service } => {
                let remote_endpoint = !self.is_local_pod(*to.ip());
                let masquerade = match snat {
                    proxy::Snat::Always => true,
                    proxy::Snat::IfRemote => remote_endpoint,
                    proxy::Snat::Never => false,
                };
                // Cilium's socket LB rewrites connect()'s destination before
                // the kernel picks the source, so a connection to a NodePort
                // on 127.0.0.1 leaves from the address of the route to the
                // backend, as a masqueraded one would.
                let masquerade = masquerade || t.src.is_loopback();
                let src = if masquerade {
                    // MASQUERADE takes an address of the interface the packet
                    // leaves by. To another node: the LAN interface of the
                    // route to the endpoint. To a pod here: the pod's veth,
                    // which has no IPv4 address on the host side (vipsim's
                    // pod network, like Calico's or Cilium's), so the kernel
                    // (inet_select_addr) takes the first interface's: the
                    // node's own address. A bridge CNI (flannel's cni0)
                    // would give the bridge's address instead.
                    let egress =
                        if remote_endpoint { self.route(*to.ip(), None).map(|(i, _)| i).unwrap_or(0) } else { 0 };
                    (self.ifaces[egress].primary().unwrap_or(t.src), t.sport)
                } else {
                    (t.src, t.sport)
                };
                let reply = Tuple { proto: t.proto, src: *to.ip(), sport: to.port(), dst: src.0, dport: src.1 };
                let node = self.node.as_mut().expect("checked");
                let tr = node.conntrack.insert(t, reply, now, Some(service), masquerade);
                node.conntrack.update(tr.id, Direction::Original, flags, now);
                Some(translate(&frame, &pkt, tr.src, tr.dst))
            }
        }
    }

    /// A Service without endpoints answers with ICMP port unreachable, for
    /// TCP as for UDP; never a TCP RST.
    /// * iptables: kube-proxy 1.34 (`pkg/proxy/iptables/proxier.go`) adds
    ///   `-j REJECT` for it, and `ipt_REJECT`'s default is
    ///   `icmp-port-unreachable` (net/ipv4/netfilter/ipt_REJECT.c), sent by
    ///   `icmp_send`.
    /// * IPVS: a virtual service without a real server is left by
    ///   `ip_vs_leave` (net/netfilter/ipvs/ip_vs_core.c) with
    ///   `icmp_send(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH)`; the VIP is local
    ///   (kube-ipvs0), so it is the error's source.
    /// * Cilium eBPF: `__tail_no_service_ipv4` writes the reply itself and
    ///   sends it back out of the interface the request came in on (see
    ///   [`ip::cilium_no_service_frame`]); in-cluster clients (Cilium's socket
    ///   LB) get the same error through the kernel here.
    pub(super) fn reject(&mut self, frame: &Frame, origin: Origin, datapath: Datapath, cx: &mut Ctx) {
        if datapath == Datapath::Ebpf
            && origin == Origin::Forwarded
            && let Some(iface) = self.ifaces.iter().position(|i| i.mac == frame.dst())
            && let Some(reply) = ip::cilium_no_service_frame(frame)
        {
            self.transmit(iface, reply, cx);
            return;
        }
        self.icmp_send(ip::ip_payload(frame), 3, cx);
    }
}

/// Rewrites a packet's addresses/ports to `src`/`dst`.
pub(super) fn translate(frame: &Frame, pkt: &Ipv4, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16)) -> Frame {
    let has_ports = pkt.ports().is_some();
    let rw = Rewrite {
        src: Some((src.0, has_ports.then_some(src.1))),
        dst: Some((dst.0, has_ports.then_some(dst.1))),
        ..Rewrite::default()
    };
    ip::rewrite(frame, &rw).unwrap_or_else(|| frame.clone())
}
