//! What the engine schedules: plain data, so the layers above put their
//! timers in the one queue without the engine knowing what they do.

use super::topology::{HostId, IfIdx, LinkId};
use crate::wire::Frame;
use serde::{Deserialize, Serialize};

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A frame reaches end `end` (0 or 1) of a link.
    Arrive {
        link: LinkId,
        end: usize,
        frame: Frame,
    },
    /// A host's earliest timer (neighbour cache, TCP, a running tool) is due.
    Wake {
        host: HostId,
    },
    /// The switch's next MAC-table entry ages out.
    SwitchAging,
    /// A frame held back by a delay rule on the way out or in.
    DelayedTx {
        host: HostId,
        iface: IfIdx,
        frame: Frame,
    },
    DelayedRx {
        host: HostId,
        iface: IfIdx,
        frame: Frame,
    },
    /// A packet a host sent to one of its own addresses, taken in through
    /// its loopback device (the kernel queues it on `lo` the same way).
    Loopback {
        host: HostId,
        frame: Frame,
    },
    /// A control-plane timer or a reconcile.
    Control(ControlEvent),
    /// Timeline step `index` of the scenario is due.
    Timeline {
        index: usize,
    },
}

/// A control-plane timer, handled by `k8s::control::Plane::handle`. Pods
/// and Services are named `namespace/name`; `generation` (or `ticker`)
/// lets a loop that was restarted since ignore its stale timers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ControlEvent {
    /// Run every controller now.
    Reconcile,
    /// A scheduled pod's containers are up and its readiness probe passes.
    PodUp { pod: String, generation: u64 },
    /// A terminating pod's app exited: the pod object goes away.
    PodGone { pod: String, generation: u64 },
    /// The node lifecycle controller's check of a silent node.
    NodeMonitor { node: String, generation: u64 },
    /// The toleration of one pod on a tainted node ran out.
    EvictPod { pod: String, generation: u64 },
    /// The pod garbage collector deletes a pod bound to a node that does not exist.
    PodGc { pod: String, generation: u64 },
    /// A powered-on node finished booting: kubelet and agents run again.
    NodeBooted { node: String, generation: u64 },
    /// `observer`'s memberlist marks `subject` alive or dead.
    Memberlist { observer: String, subject: String, alive: bool },
    /// The MetalLB speakers' controllers reconcile what changed.
    SpeakerSync,
    /// A tick of a MetalLB announcer's gratuitous-ARP loop (`ticker` is the
    /// generation of the ticker that scheduled it).
    GarpTick { node: String, ticker: u64 },
    /// A Cilium agent's leader-election retry for a Service's L2 lease
    /// (`generation` identifies the elector's loop).
    LeaseTry { service: String, node: String, generation: u64 },
    /// Re-run the controllers at a time something expires (responder
    /// liveness, renew deadline).
    Resync,
    /// A BGP session comes up (TCP + OPEN exchange done).
    BgpOpen { node: String, generation: u64 },
    /// The router's hold timer for a silent peer expired.
    BgpHoldExpired { node: String, generation: u64 },
    /// A speaker's dial of a BGPPeer address with no BGP speaker fails.
    BgpDialFailed { node: String, peer: String, generation: u64 },
}
