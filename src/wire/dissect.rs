//! Wireshark-like views of a frame (interim: one-line summary only).
use super::Frame;

/// One line per frame, like Wireshark's Info column.
pub fn summary(frame: &Frame) -> String {
    format!("{} bytes", frame.len())
}
