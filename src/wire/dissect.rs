//! Wireshark-like views of a frame (interim: one-line summary only).
use super::Frame;

/// One line per frame, like Wireshark's Info column.
pub fn summary(frame: &Frame) -> String {
    format!("{} bytes", frame.len())
}

/// Wireshark's Protocol column (interim).
pub fn protocol(frame: &Frame) -> &'static str {
    match frame.parse() {
        super::Parsed::Arp { .. } => "ARP",
        super::Parsed::Ipv4 { .. } => "IPv4",
        super::Parsed::Other { .. } => "ETH",
    }
}
