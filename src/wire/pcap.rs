//! Classic pcap export (interim).
